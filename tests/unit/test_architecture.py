"""The house rules that code review alone would let slip."""

from __future__ import annotations

import ast
from pathlib import Path

import functions_framework
import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
DOMAIN = FUNCTIONS / "talentcrew"
VENDOR_SDKS = ("google.cloud", "google.genai", "google.api_core", "google.auth", "google.oauth2", "deepgram")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _domain_modules() -> list[Path]:
    return [path for path in sorted(DOMAIN.rglob("*.py")) if "adapters" not in path.relative_to(DOMAIN).parts]


@pytest.mark.parametrize("module", _domain_modules(), ids=lambda path: str(path.relative_to(FUNCTIONS)))
def test_domain_modules_import_no_vendor_sdk(module: Path) -> None:
    offending = sorted(name for name in _imports(module) if name.startswith(VENDOR_SDKS))
    assert offending == [], f"{module.name} imports {offending}; only talentcrew/adapters may"


def test_the_rule_catches_a_vendor_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from google.cloud import firestore\nimport deepgram.clients\n")
    assert {"google.cloud.firestore", "deepgram.clients"} <= _imports(sneaky)


@pytest.mark.parametrize("entry", sorted(FUNCTIONS.glob("*/main.py")), ids=lambda path: path.parent.name)
def test_entry_points_stay_thin(entry: Path) -> None:
    assert len(entry.read_text().splitlines()) <= 60


def _entry_points() -> list[tuple[str, str]]:
    """Each name functions/main.py exports, with the signature Cloud Functions serves it with."""
    tree = ast.parse((FUNCTIONS / "main.py").read_text())
    [exported] = [node.value for node in tree.body if isinstance(node, ast.Assign) and _names(node) == ["__all__"]]
    assert isinstance(exported, ast.List)
    names = [str(element.value) for element in exported.elts if isinstance(element, ast.Constant)]
    return [(name, "http" if name in ("api", "turn") else "cloudevent") for name in names if name != "EVENT_HANDLERS"]


def _names(node: ast.Assign) -> list[str]:
    return [target.id for target in node.targets if isinstance(target, ast.Name)]


@pytest.mark.parametrize(("target", "signature"), _entry_points(), ids=str)
def test_functions_framework_serves_every_entry_point(target: str, signature: str) -> None:
    """As Cloud Functions starts it (`--target NAME --signature-type ...`): Flask names the app after the
    target and fails when a module of that name has no file, as a folder without __init__.py has not."""
    functions_framework.create_app(target, str(FUNCTIONS / "main.py"), signature).test_client()


GRADING = sorted(
    [*(DOMAIN / "interview").rglob("*.py"), DOMAIN / "scoring.py", *(DOMAIN / "adapters").glob("*brain.py")]
)


@pytest.mark.parametrize("module", GRADING, ids=lambda path: str(path.relative_to(FUNCTIONS)))
def test_nothing_that_grades_can_read_a_candidates_self_identification(module: Path) -> None:
    """Demographics volunteered for the bias audit must never reach grading or the interview's decisions."""
    text = module.read_text()
    assert "SelfIdentification" not in text and "self_identifications" not in text, module

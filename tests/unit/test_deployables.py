"""Each deployable installs only what it runs, and runs on what it installs.

Each check imports a deployable's entry point in a fresh interpreter (this process has imported
everything), then reads the source of every module of ours that the import loaded: each third-party
module that source imports must come from a distribution its requirements file names, and a few
heavy or privileged packages must not be loaded at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS = REPO / "functions"
RELAY = REPO / "realtime-relay"

# Run in the fresh interpreter: argv = [ours (paths), requirements file, entry modules...]. Prints what
# was loaded; for each third-party module our loaded source imports, the distributions that provide
# it; and those of them that no distribution of the requirements file provides (bench/deployables.py
# reads the file, as the benchmark does).
PROBE = r"""
import ast, functools, importlib, importlib.util, json, os, sys
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

ours = [Path(path).resolve() for path in sys.argv[1].split(os.pathsep)]
requirements = Path(sys.argv[2])
at_start = set(sys.modules)  # the interpreter's and its .pth files' (a namespace package: google.cloud)
for name in sys.argv[3:]:
    importlib.import_module(name)
loaded = sorted(set(sys.modules) - at_start)
by_top = packages_distributions()


@functools.cache
def files(dist):
    return {Path(distribution(dist).locate_file(file)).resolve() for file in distribution(dist).files or []}


def is_ours(path):
    return path is not None and any(Path(path).resolve().is_relative_to(root) for root in ours)


def imported(tree):
    # (module, submodule candidate) for every import, except those under `if TYPE_CHECKING:`.
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            continue
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            yield from ((node.module, f"{node.module}.{alias.name}") for alias in node.names)
        yield from imported(node)


def spec(name):
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def providers(name, deeper):
    found = spec(name)
    if found is not None and found.origin is None and deeper:  # a namespace package (google.cloud)
        found = spec(deeper) or found
    if found is None or found.origin is None:
        return []
    origin = Path(found.origin).resolve()
    return sorted({dist for dist in by_top.get(name.partition(".")[0], []) if origin in files(dist)})


third_party = {}
for module in loaded:
    path = getattr(sys.modules.get(module), "__file__", None)
    if not is_ours(path) or not path.endswith(".py"):
        continue
    for name, deeper in imported(ast.parse(Path(path).read_text())):
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or is_ours(getattr(spec(top), "origin", None)):
            continue
        third_party.setdefault(name, set()).update(providers(name, deeper))

from deployables import listed
from packaging.utils import canonicalize_name

names = {canonicalize_name(requirement.name) for requirement in listed(requirements)}
unlisted = {
    name: sorted(dists)
    for name, dists in sorted(third_party.items())
    if not any(canonicalize_name(dist) in names for dist in dists)
}
print(json.dumps({"loaded": loaded, "imports": sorted(third_party), "unlisted": unlisted}))
"""

# What the relay must not load: heavy libraries other deployables need, SDKs of services it does not
# call, the local engines, and the settings and adapters that hold a Store.
RELAY_FORBIDDEN = (
    "weasyprint",
    "scipy",
    "numpy",
    "onnxruntime",
    "faster_whisper",
    "google.genai",
    "google.cloud",
    "flask",
    "functions_framework",
    "talentcrew.config",
    "talentcrew.adapters",
)
# The adapters the functions run on Google Cloud: imported only when configured, so named here.
PRODUCTION_ADAPTERS = tuple(
    f"talentcrew.adapters.{name}"
    for name in ("firestore_store", "gcs_blobs", "pubsub_events", "gemini_brain", "smtp_mail")
)


def probe(path: tuple[Path, ...], requirements: Path, *modules: str) -> dict[str, Any]:
    roots = os.pathsep.join(str(root) for root in path)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, roots, str(requirements), *modules],
        env={**os.environ, "PYTHONPATH": os.pathsep.join((roots, str(REPO / "bench")))},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def is_loaded(probed: dict[str, Any], package: str) -> bool:
    return any(name == package or name.startswith(f"{package}.") for name in probed["loaded"])


@pytest.fixture(scope="module")
def relay() -> dict[str, Any]:
    return probe((FUNCTIONS, RELAY), RELAY / "requirements.txt", "relay.app", "relay.speech.deepgram")


def test_the_relay_loads_no_heavy_library_no_cloud_sdk_and_no_store(relay: dict[str, Any]) -> None:
    loaded = [name for name in RELAY_FORBIDDEN if is_loaded(relay, name)]
    assert loaded == []


def test_the_relay_imports_only_what_its_requirements_install(relay: dict[str, Any]) -> None:
    assert "starlette.websockets" in relay["imports"], "the probe did not read the relay's imports"
    assert relay["unlisted"] == {}


def test_the_functions_import_only_what_their_requirements_install() -> None:
    """functions/main.py (every gen2 function) with the adapters they run on Google Cloud."""
    probed = probe((FUNCTIONS,), FUNCTIONS / "requirements.txt", "main", *PRODUCTION_ADAPTERS)
    assert "google.cloud.pubsub_v1" in probed["imports"], "the probe did not read the adapters' imports"
    assert probed["unlisted"] == {}
    assert not is_loaded(probed, "weasyprint"), "only the report service renders PDFs"


@pytest.mark.parametrize("entry", ["api.main", "turn.main"])
def test_the_api_and_turn_load_no_pdf_renderer_or_local_engine(entry: str) -> None:
    probed = probe((FUNCTIONS,), FUNCTIONS / "requirements.txt", entry)
    assert [name for name in ("weasyprint", "onnxruntime", "faster_whisper") if is_loaded(probed, name)] == []


def test_the_report_service_renders_with_what_its_requirements_install() -> None:
    report = FUNCTIONS / "report" / "requirements.txt"
    probed = probe((FUNCTIONS,), report, "report.main", "talentcrew.scorecard.render", *PRODUCTION_ADAPTERS)
    assert probed["unlisted"] == {}


def test_the_rule_flags_imports_the_requirements_do_not_provide(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# only this\npydantic==2.14.3  # and no more\n")
    unlisted = probe((FUNCTIONS, RELAY), requirements, "relay.app")["unlisted"]
    assert "pydantic" not in unlisted
    assert unlisted["starlette.websockets"] == ["starlette"]

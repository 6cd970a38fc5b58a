"""What each deployable installs and how long its entry point takes to import.

    python bench/deployables.py [--runs 5]

(`make bench-deployables`.) Figures go to stdout; nothing passes or fails.

Size: the distributions a deployable's requirements file pulls in (its pins, their dependencies with
the markers and extras pip would follow), summed from the files those distributions installed in this
virtualenv. The pins are exact, so this is what the image or Cloud Functions installs, without a
network or a build. The interpreter and the system libraries (WeasyPrint's Pango) are not counted.

Import: the entry module imported in a fresh interpreter, `--runs` times after one warm-up (which
writes the bytecode caches), median in milliseconds: the Python part of a cold start. Every gen2
function's cold start imports functions/main.py, which imports all of them: its own row says what
that costs; each function's own module is listed below it. The three largest distributions are named.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
FUNCTIONS = REPO / "functions"
RELAY = REPO / "realtime-relay"


@dataclass(frozen=True)
class Deployable:
    name: str
    requirements: Path
    modules: tuple[str, ...]  # what its cold start imports
    path: tuple[Path, ...]  # its PYTHONPATH


GEN2 = FUNCTIONS / "requirements.txt"
DEPLOYABLES = (
    Deployable("gen2 functions (main.py)", GEN2, ("main",), (FUNCTIONS,)),
    Deployable("  api", GEN2, ("api.main",), (FUNCTIONS,)),
    Deployable("  turn", GEN2, ("turn.main",), (FUNCTIONS,)),
    Deployable("  drift, retention", GEN2, ("drift.main",), (FUNCTIONS,)),
    Deployable("  scorecard_webhook", GEN2, ("report.main",), (FUNCTIONS,)),
    Deployable("  outbox dispatcher", GEN2, ("outbox.main",), (FUNCTIONS,)),
    Deployable("report (Cloud Run)", FUNCTIONS / "report" / "requirements.txt", ("report.main",), (FUNCTIONS,)),
    Deployable(
        "relay (Cloud Run)", RELAY / "requirements.txt", ("relay.app", "relay.speech.deepgram"), (FUNCTIONS, RELAY)
    ),
)


def listed(path: Path) -> list[Requirement]:
    """The requirements a file names, following `-r` includes (relative to the including file)."""
    found: list[Requirement] = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            found += listed(path.parent / line.removeprefix("-r ").strip())
        else:
            found.append(Requirement(line))
    return found


def installed(requirements: list[Requirement]) -> dict[str, Distribution]:
    """Every distribution the requirements pull in, as installed here: name → distribution."""
    found: dict[str, Distribution] = {}
    extras_seen: dict[str, set[str]] = {}
    pending = list(requirements)
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        new_extras = set(requirement.extras) - extras_seen.get(name, set())
        if name in found and not new_extras:
            continue
        extras_seen.setdefault(name, set()).update(requirement.extras)
        try:
            found[name] = distribution(requirement.name)
        except PackageNotFoundError:
            sys.exit(f"{requirement.name} is not installed here: run `make dev` (or `make test`) first")
        extras = ("", *sorted(extras_seen[name]))
        for text in found[name].requires or []:
            needed = Requirement(text)
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                pending.append(needed)
    return found


def size(dist: Distribution) -> int:
    total = 0
    for file in dist.files or []:
        where = Path(str(dist.locate_file(file)))
        if where.is_file():
            total += where.stat().st_size
    return total


def present(deployable: Deployable) -> bool:
    """Whether this checkout has the deployable's modules (the outbox dispatcher is recent)."""
    tops = {module.split(".")[0] for module in deployable.modules}
    return all(any((path / top).exists() or (path / f"{top}.py").exists() for path in deployable.path) for top in tops)


def import_seconds(deployable: Deployable) -> float:
    """The time to import the deployable's modules in a fresh interpreter (the interpreter's own start excluded)."""
    code = (
        "import importlib, time\n"
        "start = time.perf_counter()\n"
        f"for name in {deployable.modules!r}: importlib.import_module(name)\n"
        "print(time.perf_counter() - start)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(path) for path in deployable.path)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True, timeout=120
    )
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="imports timed per deployable (after one warm-up)")
    args = parser.parse_args()
    print(f"{'deployable':<26} {'requirements':<36} {'dists':>5} {'installed':>10} {'import':>8}  largest")
    for deployable in DEPLOYABLES:
        if not present(deployable):
            continue
        sizes = {name: size(dist) for name, dist in installed(listed(deployable.requirements)).items()}
        megabytes = sum(sizes.values()) / 1e6
        largest = ", ".join(
            f"{name} {sizes[name] / 1e6:.0f}" for name in sorted(sizes, key=sizes.__getitem__)[-3:][::-1]
        )
        import_seconds(deployable)  # warm-up: bytecode caches
        median = statistics.median(import_seconds(deployable) for _ in range(args.runs))
        requirements = deployable.requirements.relative_to(REPO)
        print(
            f"{deployable.name:<26} {requirements!s:<36} {len(sizes):>5} {megabytes:>7.1f} MB {median * 1000:>5.0f} ms"
            f"  {largest} (MB)"
        )


if __name__ == "__main__":
    main()

"""Files of the embedded adapters that hold candidates' data: their owner's alone.

New folders are made 0700 and new files 0600 where they are created; `owner_only` tightens what
an earlier run (or a hand) left more open, so upgrading an installation closes it too.
"""

from __future__ import annotations

import stat
from pathlib import Path


def owner_only(path: Path) -> None:
    """Takes group and others' access away from an existing file or folder; a missing one is left missing."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        path.chmod(mode & 0o700)

"""Atomic file writes that keep the previous version, as kconfig does.

A crash, a full disk or a validation error halfway through must never leave
a half-written `.config` or kraft.yaml behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike, text: str, keep_old: bool = True) -> bool:
    """Write `text` to `path` via temp file + rename; keep `<path>.old`.

    Returns False (and touches nothing) when the content is unchanged.
    """
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8", errors="surrogateescape") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
            if keep_old:
                shutil.copy2(path, path.with_name(path.name + ".old"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True

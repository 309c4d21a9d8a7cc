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
    return bool(write_all_atomic({path: text}, keep_old={path} if keep_old else frozenset()))


def write_all_atomic(files: dict[Path, str], keep_old: set[Path] | frozenset[Path] = frozenset()
                     ) -> list[Path]:
    """Write several files as one step; return those whose content changed.

    Every new text is first written and synced to a temp file beside its
    target; only when all of them exist are they renamed into place. A
    failure while staging (disk full, no permission) leaves every target
    untouched. Paths in `keep_old` keep their previous version as `<path>.old`.
    """
    staged: list[tuple[Path, str]] = []
    try:
        for path, text in files.items():
            path = Path(path)
            if path.exists() and path.read_text(encoding="utf-8", errors="surrogateescape") == text:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((path, tmp))
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if path.exists():
                shutil.copymode(path, tmp)
            else:
                os.chmod(tmp, 0o666 & ~_umask())
        for path, tmp in staged:
            if path in keep_old and path.exists():
                shutil.copy2(path, path.with_name(path.name + ".old"))
            os.replace(tmp, path)
    finally:
        for _, tmp in staged:
            Path(tmp).unlink(missing_ok=True)
    return [path for path, _ in staged]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

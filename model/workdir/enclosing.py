"""The UK_WORKDIR an app lives in, found without loading git (the Build/Run screen asks on every visit)."""

from __future__ import annotations

from pathlib import Path


def workdir_of(app_dir: Path) -> Path | None:
    """The UK_WORKDIR holding this app (a parent with unikraft/ and apps/), if any."""
    for parent in [app_dir, *app_dir.parents]:
        if (parent / "unikraft").is_dir() and (parent / "apps").is_dir():
            return parent
    return None

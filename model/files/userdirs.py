"""Per-user directories (XDG), so tests and users can relocate them by env."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / fallback


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / "flexui"


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share") / "flexui"


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache") / "flexui"


def user_presets_dir() -> Path:
    return data_dir() / "presets"

"""Where flexui's shipped data lives, in a checkout or an installed package."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_ROOT = _PKG.parent


def _first(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def embedded_tree() -> Path:
    """The embedded default tree, laid out like a UK_WORKDIR."""
    return _first(_ROOT / "unikraft-tree", _PKG / "data" / "unikraft-tree")


def shipped_presets() -> Path:
    return _first(_ROOT / "presets", _PKG / "data" / "presets")


def shipped_benchdata() -> Path:
    return _first(_ROOT / "benchdata", _PKG / "data" / "benchdata")


def shipped_benchspecs() -> Path:
    return _first(_ROOT / "benchspecs", _PKG / "data" / "benchspecs")

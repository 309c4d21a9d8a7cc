"""Where flexui's shipped data lives: in an installed package, else in the source checkout.

The checkout keeps `unikraft-tree/`, `presets/`, `benchdata/` and `benchspecs/` at
its top; a built wheel carries copies as `flexui/data/<name>` (see setup.py).
Everything that reads them comes through `shipped`.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
INSTALLED = _PKG / "data"
CHECKOUT = _PKG.parent


def shipped(name: str) -> Path:
    """The shipped data directory `name`: the installed copy when there is one, else the checkout's."""
    installed = INSTALLED / name
    return installed if installed.is_dir() else CHECKOUT / name


def embedded_tree() -> Path:
    """The embedded default tree, laid out like a UK_WORKDIR."""
    return shipped("unikraft-tree")


def shipped_presets() -> Path:
    return shipped("presets")


def shipped_benchdata() -> Path:
    return shipped("benchdata")


def shipped_benchspecs() -> Path:
    return shipped("benchspecs")

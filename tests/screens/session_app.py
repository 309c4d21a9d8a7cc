"""An app over a private copy of an embedded sample app, for screen tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from flexui.app import FlexApp
from flexui.launch import open_session
from flexui.model.kconfig.tree import locate
from flexui.paths import embedded_tree


def sample_app_copy(tmp_path: Path, name: str = "redis") -> Path:
    target = tmp_path / "apps" / name
    shutil.copytree(embedded_tree() / "apps" / name, target,
                    ignore=shutil.ignore_patterns(".config", "*.old", "flexui.mk", "build"))
    return target


def make_app(tmp_path: Path, mode: str = "kconfig", name: str = "redis", preset=None) -> FlexApp:
    session, notes = open_session(sample_app_copy(tmp_path, name), workdir=locate(),
                                  preset=preset, build_dir=tmp_path / "kbuild")
    return FlexApp(session, mode=mode, notes=notes)

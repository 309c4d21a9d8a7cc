"""What issue 15 fixed, as seen at 80x24 and 160x48: budget results, compare, the why dialog, 3 compartments."""

from __future__ import annotations

import pytest
from kconfig_pilot import jump
from kconfig_sessions import embedded_session
from session_app import make_app

from flexui.app import FlexApp
from flexui.model.presets.preset import load_preset
from flexui.paths import shipped_presets

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])


async def budget(pilot):
    await pilot.pause()
    await pilot.press("b", "8", "0", "0", "k", "enter")
    await pilot.pause()


async def compare(pilot):
    await pilot.pause()
    await pilot.press("down", "down", "down", "space", "down", "c")  # redis-mpk2 vs redis-mpk3-hardened
    await pilot.pause()


async def why(pilot):
    await jump(pilot, "LIBUKSP_VALUE_RANDOM")
    await pilot.press("w")
    await pilot.pause()


async def settle(pilot):
    await pilot.pause()
    await pilot.pause()


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@SIZES
@pytest.mark.parametrize("scene", ["safety-budget", "presets-compare", "kconfig-why", "three-compartments"])
def test_snapshot_scene(scene, size, tmp_path, snap_compare):
    if scene == "kconfig-why":
        app, run = FlexApp(embedded_session(tmp_path)), why
    elif scene == "three-compartments":
        app = make_app(tmp_path, mode="compartments", preset=load_preset(shipped_presets() / "redis-mpk3.yaml"))
        run = settle
    else:
        mode, run = {"safety-budget": ("safety", budget), "presets-compare": ("presets", compare)}[scene]
        app = make_app(tmp_path, mode=mode)
    assert snap_compare(app, terminal_size=size, run_before=run)

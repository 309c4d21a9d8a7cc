"""A new user's whole journey through the app, and how it looks at 80x24 and 160x48."""

from __future__ import annotations

import pytest
from session_app import sample_app_copy

from flexui.app import FlexApp
from flexui.launch import open_session
from flexui.model.isolation.design import DesignPoint
from flexui.model.kconfig.tree import locate


def open_app(app_dir, tmp_path, mode="kconfig") -> FlexApp:
    session, notes = open_session(app_dir, workdir=locate(), build_dir=tmp_path / "kbuild")
    return FlexApp(session, mode=mode, notes=notes)


def estimate_text(app) -> str:
    return str(app.screen.query_one("#safety-summary").render())


async def test_open_load_preset_move_harden_see_estimate_save_reopen(tmp_path):
    app_dir = sample_app_copy(tmp_path)
    app = open_app(app_dir, tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f6")  # Presets
        await pilot.pause()
        table = app.screen.query_one("#preset-table")
        table.move_cursor(row=[p.name for p in app.screen.presets].index("redis-mpk3"))
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.preset.name == "redis-mpk3"
        await pilot.press("f3")  # Compartments: the same session
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query("#comp-comp3")
        before = estimate_text(app)
        assert "measured" in before
        await pilot.mouse_down("#lib-redis", offset=(2, 0))
        await pilot.hover("#comp-comp2", offset=(4, 3))
        await pilot.mouse_up("#comp-comp2", offset=(4, 3))
        await pilot.pause()
        await pilot.pause()
        assert app.session.iso.compartment_of("redis") == app.session.iso.compartment_of("lwip")
        app.screen.select("lwip")
        await pilot.press("space")  # harden lwip
        await pilot.pause()
        await pilot.pause()
        after = estimate_text(app)
        assert after != before and ("estimated" in after or "measured" in after)
        header = str(app.screen.query_one("#status-header").render())
        assert "unsaved" in header and "redis-mpk3" in header
        await pilot.press("f2")  # the Kconfig screen sees the hardening at once
        await pilot.pause()
        assert app.session.kconf.syms["LIBKASAN"].str_value == "y"
        assert estimate_text(app) == after
        await pilot.press("s")
        await pilot.pause()
        saved = DesignPoint.of(app.session.iso)
        assert not app.session.dirty
    again = open_app(app_dir, tmp_path, mode="compartments")
    async with again.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert DesignPoint.of(again.session.iso) == saved
        assert again.session.iso.libraries["lwip"].hardening.all
        assert "[UKP]" in str(again.screen.query_one("#lib-lwip").render())
        assert not again.session.dirty


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("mode", ["kconfig", "compartments", "safety", "build", "presets"])
def test_snapshot_every_screen_at_small_and_large_sizes(mode, size, tmp_path, snap_compare):
    app = open_app(sample_app_copy(tmp_path), tmp_path, mode=mode)

    async def settle(pilot):
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=settle)


def test_snapshot_no_color(tmp_path, snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = open_app(sample_app_copy(tmp_path), tmp_path, mode="compartments")

    async def settle(pilot):
        await pilot.pause()
        assert pilot.app.no_color
        pilot.app.screen.select("lwip")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)

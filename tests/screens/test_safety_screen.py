"""The Safety screen on the embedded redis app: estimate, budget list, safer steps, export."""

from __future__ import annotations

from session_app import make_app

from flexui.model.design import DesignPoint
from flexui.screens.safety import SafetyScreen

SIZE = (140, 44)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*["full_stop" if c == "." else c for c in text])


async def test_budget_lists_the_safest_and_enter_loads_one(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SafetyScreen)
        estimate = str(app.screen.query_one("#estimate").render())
        assert "redis GET" in estimate and "measured" in estimate
        await pilot.press("b")
        await type_text(pilot, "500k")
        await pilot.press("enter")
        await pilot.pause()
        answer = app.screen._answer
        assert len(answer) == 2
        await pilot.press("enter")
        await pilot.pause()
        assert DesignPoint.of(app.session.iso) == answer[0]
        assert app.session.dirty
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert DesignPoint.of(app.session.iso) != answer[0]


async def test_a_safer_step_is_loaded_and_the_estimate_follows(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = app.screen.summary.estimate.value
        steps = app.screen._steps
        index = next(i for i, p in enumerate(steps) if p.hardened - app.screen.summary.point.hardened)
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.iso.hardened() and app.screen.summary.estimate.value < before
        assert app.session.kconf.syms["LIBUBSAN"].str_value == "y"


async def test_export_writes_dot_and_order_toggles(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert app.screen.order == "paper"
        assert "paper order" in str(app.screen.query_one("#neighbourhood").render())
        await pilot.press("e")
        await pilot.pause()
    dot = app.session.app_dir / "safety-order.dot"
    assert dot.read_text().startswith("digraph") and "palegreen" in dot.read_text()


def test_snapshot_safety_screen(tmp_path, snap_compare):
    async def budget(pilot):
        await pilot.pause()
        await pilot.press("b")
        await type_text(pilot, "800k")
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path, mode="safety"), terminal_size=SIZE, run_before=budget)

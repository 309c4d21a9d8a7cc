"""The Safety screen on the embedded redis app: estimate, budget list, safer steps, export."""

from __future__ import annotations

from session_app import make_app

from flexui.model.isolation.design import DesignPoint
from flexui.screens.safety import SafetyScreen, short

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
        table = app.screen.query_one("#budget-table")
        kinds = [table.get_row_at(i)[1] for i in range(table.row_count)]
        assert kinds[:2] == ["measured", "measured"] and set(kinds[2:]) == {"estimated"}
        assert all("req/s" in table.get_row_at(i)[0] for i in range(table.row_count))
        title = str(app.screen.query_one("#budget-title").render())
        assert f"2 measured, {len(answer) - 2} estimated" in title
        await pilot.press("enter")
        await pilot.pause()
        assert DesignPoint.of(app.session.iso) == answer[0]
        assert app.session.dirty
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert DesignPoint.of(app.session.iso) != answer[0]


async def test_opens_with_its_summary_in_view_at_80x24(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#safety-body").scroll_y == 0
        assert app.screen.focused is app.screen.query_one("#steps")
        await pilot.press("b")
        await type_text(pilot, "800k")
        await pilot.press("enter")
        await pilot.pause()
        title = app.screen.query_one("#budget-title")
        assert title.region.height and 2 < title.region.y < 12  # the results scrolled into view
        assert app.screen.focused is app.screen.query_one("#budget-table")


async def test_steps_columns_fit_their_cells_from_the_first_paint(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#steps")
        step = table.ordered_columns[-1]
        assert str(step.label) == "step"
        assert step.get_render_width(table) >= max(len(table.get_row_at(i)[-1]) for i in range(table.row_count))
        assert all(table.get_row_at(i)[-1].split()[0] in ("isolate", "harden", "stronger")
                   for i in range(table.row_count))


async def test_the_whole_configuration_of_the_highlighted_row_is_under_its_table_at_80x24(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await type_text(pilot, "500k")
        await pilot.press("enter", "down")
        await pilot.pause()
        table, detail = app.screen.query_one("#budget-table"), app.screen.query_one("#budget-table-detail")
        whole = short(table.points[1])
        assert table.get_row_at(1)[-1] == whole and len(whole) > table.size.width  # the row cuts it
        assert detail.region.height >= 2 and detail.region.y < 24  # on screen, wrapped
        assert str(detail.render()).replace("\n", " ") == f"▸ {whole}"
        steps = app.screen.query_one("#steps-detail")
        assert str(steps.render()) == f"▸ {short(app.screen.query_one('#steps').points[0])}"


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
    assert "req/s measured" in dot.read_text()


def test_snapshot_safety_screen(tmp_path, snap_compare):
    async def budget(pilot):
        await pilot.pause()
        await pilot.press("b")
        await type_text(pilot, "800k")
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path, mode="safety"), terminal_size=SIZE, run_before=budget)


async def test_cost_by_term_follows_the_configuration(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("#cost-breakdown").render())
        assert "Cost by term" in text and "boundary lwip |" in text and "hardening" not in text
        index = next(i for i, p in enumerate(app.screen._steps) if p.hardened == {"lwip"})
        await pilot.press(*["down"] * index, "enter")
        await pilot.pause()
        assert "hardening lwip" in str(app.screen.query_one("#cost-breakdown").render())

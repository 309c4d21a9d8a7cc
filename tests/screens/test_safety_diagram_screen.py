"""The Safety screen's drawing of the order (d): keys, mouse, loading, zoom, plain text, 80x24 and 160x48."""

from __future__ import annotations

import asyncio

import pytest
from session_app import make_app
from textual import events
from textual.geometry import Region

from flexui.app import painted_text
from flexui.model.explore.journal import Entry, Journal, journal_path
from flexui.model.files.userdirs import data_dir
from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchdata import Measurement, record
from flexui.model.safety.summary import with_unit
from flexui.screens.run_plan import RunPlanScreen
from flexui.screens.widgets.hasse_view import HasseCanvas, HasseView


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def painted(app) -> str:
    """What the terminal shows, as plain text."""
    return "\n".join(painted_text(app.screen))


def drawing(app):
    return app.screen.query_one(HasseView).drawing


async def show_diagram(pilot, budget: str = "") -> None:
    await pilot.pause()
    if budget:
        await pilot.press("b", *budget, "enter")
        await pilot.pause()
    await pilot.press("d")
    await pilot.pause()
    await pilot.pause()


async def test_d_draws_the_order_arrows_move_and_enter_loads_the_selected(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await show_diagram(pilot)
        screen = app.screen
        assert screen.query_one("#hasse-pane").display and not screen.query_one("#safety-body").display
        assert screen.focused is screen.query_one(HasseView)
        start = screen.summary.point
        assert drawing(app).selected == start and "(current)" in painted(app)
        await pilot.press("up")
        await pilot.pause()
        chosen = drawing(app).selected
        assert chosen in {n.point for n in drawing(app).hood.layers[1]}
        assert "Enter loads it" in str(screen.query_one("#hasse-detail").render())
        await pilot.press("right", "left")
        await pilot.pause()
        assert drawing(app).selected == chosen
        await pilot.press("enter")
        await pilot.pause()
        assert screen.summary.point == chosen and app.session.dirty
        assert drawing(app).hood.centre == chosen and drawing(app).selected == chosen
        here = drawing(app).boxes[chosen]
        assert "(current)" in "".join(drawing(app).chars[here.y + 1])
        assert "(current)" in str(screen.query_one("#hasse-detail").render())
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert screen.summary.point == start and drawing(app).hood.centre == start
        await pilot.press("d")
        await pilot.pause()
        assert screen.query_one("#safety-body").display and screen.focused is screen.query_one("#steps")


async def test_a_click_selects_a_box_and_enter_loads_it(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(160, 48)) as pilot:
        await show_diagram(pilot)
        below = drawing(app).order[-1][-1]
        box = drawing(app).boxes[below]
        view = app.screen.query_one(HasseView)
        view.scroll_to(0, max(0, box.y - 2), animate=False)
        await pilot.pause()
        await pilot.click(HasseCanvas, offset=(box.x + 2, box.y + 1))
        await pilot.pause()
        assert drawing(app).selected == below
        assert DesignPoint.of(app.session.iso) != below
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.summary.point == below
        assert app.screen.query_one("#steps").points  # the tables follow the loaded configuration too
        assert drawing(app).hood.centre == below and "(current)" in painted(app)


async def test_plus_and_minus_draw_more_or_fewer_layers(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await show_diagram(pilot)
        assert sorted(drawing(app).hood.layers) == [-1, 0, 1]
        await pilot.press("plus")
        await pilot.pause()
        assert sorted(drawing(app).hood.layers) == [-1, 0, 1, 2]
        await pilot.press("minus", "minus")
        await pilot.pause()
        assert sorted(drawing(app).hood.layers) == [-1, 0, 1]


async def test_the_key_is_in_the_key_bar_help_and_palette(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = painted(app).splitlines()[-1]
        assert "d Graph" in bar and "x Run plan" in bar
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert titles.get("Graph") == "key: d"
        await pilot.press("d", "f1")
        await pilot.pause()
        rows = [app.screen.query_one("#help-table").get_row_at(i)
                for i in range(app.screen.query_one("#help-table").row_count)]
        assert ["d", "Graph"] in rows and ["⏎", "Load the selected configuration"] in rows
        assert ["+, =", "More layers"] in rows


async def test_without_colour_the_current_node_and_the_budget_verdicts_read_as_text(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await show_diagram(pilot, "800k")
        assert app.no_color
        text = painted(app)
        assert "✓ meets GET >= 800k req/s · ✗ over" in text
        here = drawing(app).boxes[app.screen.summary.point]
        assert "▶║" in text and "(current)" in text and "╔" in text
        verdicts = [n.meets for n in drawing(app).hood.nodes]
        assert True in verdicts and False in verdicts
        box_text = "".join(drawing(app).chars[here.y + here.height - 2])
        assert ("✓" if drawing(app).hood.layers[0][0].meets else "✗") in box_text


def test_snapshot_diagram_at_80x24(tmp_path, snap_compare):
    async def run(pilot):
        await show_diagram(pilot, "800k")

    assert snap_compare(make_app(tmp_path, mode="safety"), terminal_size=(80, 24), run_before=run)


def test_snapshot_diagram_at_160x48(tmp_path, snap_compare):
    async def run(pilot):
        await show_diagram(pilot, "800k")
        await pilot.press("up")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path, mode="safety"), terminal_size=(160, 48), run_before=run)


async def test_after_a_run_plan_the_drawing_marks_what_it_measured_and_what_failed(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(160, 48)) as pilot:
        await show_diagram(pilot, "800k")
        estimated = [n for n in drawing(app).hood.nodes if n.kind == "estimated"]
        measured_now, failed_now = estimated[0], estimated[1]
        record(data_dir() / "benchdata", Measurement(
            app="redis", metric="GET", point=measured_now.point, mean=700e3, stdev=5e3, runs=3,
            unit="req/s", higher_is_better=True, source="user"))
        Journal.load(journal_path(data_dir(), "redis", "GET")).add(
            Entry(key=failed_now.point.key(), inputs="x", status="failed", error="build failed"))
        await pilot.press("x")
        await pilot.pause()
        plan = app.screen
        assert isinstance(plan, RunPlanScreen)
        for _ in range(300):  # the embedded tree cannot build: the run stops at once
            if plan.finished:
                break
            await asyncio.sleep(0.05)
        await pilot.press("c")
        await pilot.pause()
        await pilot.pause()
        kinds = {n.point: n for n in drawing(app).hood.nodes}
        assert kinds[measured_now.point].kind == "measured" and kinds[failed_now.point].kind == "failed"
        canvas = str(app.screen.query_one(HasseCanvas).render())
        for point, words in ((measured_now.point, (with_unit(700e3, "req/s"), "measured")),
                             (failed_now.point, ("failed",))):
            box = drawing(app).boxes[point]
            inside = "".join("".join(drawing(app).chars[box.y + i][box.x:box.x + box.width])
                             for i in range(box.height))
            assert all(w in inside for w in words) and inside[:box.width] in canvas


async def test_a_double_click_loads_a_box(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await show_diagram(pilot)
        above = drawing(app).order[1][0]
        box = drawing(app).boxes[above]
        await pilot.click(HasseCanvas, offset=(box.x + 1, box.y + 1), times=2)
        await pilot.pause()
        assert app.screen.summary.point == above and drawing(app).hood.centre == above


def in_view(view: HasseView, box) -> bool:
    """The whole box is inside the part of the drawing the view shows."""
    window = view.scrollable_content_region.at_offset(view.scroll_offset)
    return Region(box.x, box.y, box.width, box.height) in window


def assert_follows(view: HasseView, d) -> bool:
    """The selected box shows, and the boxes it links to as well whenever they all fit in the view (True)."""
    up, down = d.steps_of(d.selected)
    near = [d.boxes[e.upper] for e in up] + [d.boxes[e.lower] for e in down]
    assert near and in_view(view, d.boxes[d.selected])
    span = Region.from_union([Region(b.x - 1, b.y, b.width + 2, b.height) for b in [d.boxes[d.selected], *near]])
    fits = span.width <= view.scrollable_content_region.width and span.height <= view.scrollable_content_region.height
    assert all(in_view(view, box) for box in near) or not fits
    return fits


async def test_at_80x24_the_current_configuration_and_its_neighbours_show_whole_without_scrolling(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await show_diagram(pilot, "800k")
        view = app.screen.query_one(HasseView)
        d = drawing(app)
        assert view.max_scroll_y == 0 and view.max_scroll_x == 0 and d.width <= view.size.width
        text = painted(app)
        for n in d.hood.nodes:
            assert in_view(view, d.boxes[n.point])
            assert all(line in text for line in d.boxes[n.point].lines)  # names, values, kinds: none cut
        assert "…" not in text


async def test_the_view_follows_the_selection_and_the_wheel_scrolls_it(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await show_diagram(pilot)
        await pilot.press("plus")  # two layers up: more than 80x24 shows at once
        await pilot.pause()
        view = app.screen.query_one(HasseView)
        assert view.max_scroll_y > 0 and view.max_scroll_x > 0
        d = drawing(app)
        here = d.boxes[d.hood.centre]
        assert in_view(view, here)
        fitted = []
        for key in ("up", "up", "right", "right", "right", "down", "down", "left", "down"):
            await pilot.press(key)
            await pilot.pause()
            fitted.append(assert_follows(view, drawing(app)))
        assert any(fitted)
        await pilot.press("down", "down", "down", "down")
        await pilot.pause()
        d = drawing(app)
        assert d.selected in d.order[-1] and view.scroll_y > 0
        assert in_view(view, d.boxes[d.selected]) and in_view(view, d.boxes[d.hood.centre])  # and the one above
        await pilot.press("up", "up", "up")
        await pilot.pause()
        top = drawing(app).selected
        assert top in drawing(app).order[2] and view.scroll_y == 0
        assert_follows(view, drawing(app))
        canvas = view.query_one(HasseCanvas)
        for _ in range(3):
            canvas.post_message(events.MouseScrollDown(canvas, 5, 5, 0, 1, 0, False, False, False))
            await pilot.pause()
        assert view.scroll_y > 0
        for _ in range(3):
            canvas.post_message(events.MouseScrollUp(canvas, 5, 5, 0, -1, 0, False, False, False))
            await pilot.pause()
        assert view.scroll_y == 0 and drawing(app).selected == top  # the wheel scrolls, it does not select
        await pilot.press("pagedown")
        await pilot.pause()
        assert view.scroll_y > 0
        await pilot.press("down")
        await pilot.pause()
        assert in_view(view, drawing(app).boxes[drawing(app).selected])


async def test_a_larger_terminal_lays_the_drawing_out_again_to_fit(tmp_path):
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=(80, 24)) as pilot:
        await show_diagram(pilot)
        await pilot.press("plus")
        await pilot.pause()
        view = app.screen.query_one(HasseView)
        chosen = drawing(app).order[1][-1]
        view.select(chosen)  # the selection survives the new layout
        before = drawing(app)
        assert before.width > view.size.width and before.height > view.size.height
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        await pilot.pause()
        d = drawing(app)
        assert d.width <= view.size.width and d.height <= view.size.height and d.selected == chosen
        assert d.height > before.height  # room again for blank rows between the layers
        assert all(in_view(view, box) for box in d.boxes.values())

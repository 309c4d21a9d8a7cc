"""The reusable drag and drop on a tiny app of its own: two zones, an empty area, two items."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal

from flexui.screens.widgets.dragdrop import Draggable, DragGhost, DropZone


class DragApp(App):
    CSS = """
    Screen { layers: base dragging; }
    DropZone { width: 20; height: 8; border: solid $primary; }
    #empty { width: 1fr; height: 8; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.drops: list[tuple[str, str | None]] = []
        self.started: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            with DropZone(id="left"):
                yield Draggable("apple", id="apple")
                yield Draggable("pear", id="pear")
            yield DropZone(id="right")
            yield Horizontal(id="empty")

    def on_draggable_started(self, message: Draggable.Started) -> None:
        self.started.append(message.draggable.id)

    def on_draggable_dropped(self, message: Draggable.Dropped) -> None:
        self.drops.append((message.draggable.id, message.zone.id if message.zone else None))


SIZE = (70, 12)


async def test_drag_highlights_the_zone_under_the_pointer_and_drops_there():
    app = DragApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.mouse_down("#apple", offset=(1, 0))
        await pilot.hover("#left", offset=(5, 4))
        await pilot.pause()
        assert app.started == ["apple"]
        assert app.query_one("#left").has_class("-drop-target")
        await pilot.hover("#right", offset=(5, 4))
        await pilot.pause()
        assert app.query_one("#right").has_class("-drop-target")
        assert not app.query_one("#left").has_class("-drop-target")
        assert app.query_one("#apple").has_class("-dragging")
        ghost = app.screen.query_one(DragGhost)
        assert "apple" in str(ghost.render())
        assert app.drops == []
        await pilot.mouse_up("#right", offset=(5, 4))
        await pilot.pause()
        assert app.drops == [("apple", "right")]
        assert not app.screen.query(DragGhost)
        assert not app.query(".-drop-target") and not app.query(".-dragging")


async def test_release_over_empty_space_drops_on_no_zone():
    app = DragApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.mouse_down("#pear", offset=(1, 0))
        await pilot.hover("#empty", offset=(5, 3))
        await pilot.mouse_up("#empty", offset=(5, 3))
        await pilot.pause()
        assert app.drops == [("pear", None)]


async def test_a_click_without_moving_is_not_a_drag():
    app = DragApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#apple")
        await pilot.pause()
        assert app.started == [] and app.drops == []
        assert not app.screen.query(DragGhost)


async def test_the_right_button_does_not_start_a_drag():
    app = DragApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.mouse_down("#apple", offset=(1, 0), button=3)
        await pilot.hover("#right", offset=(5, 4))
        await pilot.pause()
        assert app.started == [] and not app.query(".-drop-target")


async def test_cancel_drag_removes_ghost_and_highlight_without_dropping():
    app = DragApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.mouse_down("#apple", offset=(1, 0))
        await pilot.hover("#right", offset=(5, 4))
        await pilot.pause()
        app.query_one("#apple", Draggable).cancel_drag()
        await pilot.mouse_up("#right", offset=(5, 4))
        await pilot.pause()
        assert app.drops == []
        assert not app.screen.query(DragGhost) and not app.query(".-drop-target")

"""Drag and drop for Textual, which has none built in.

`Draggable` captures the mouse on press; once the pointer moves it shows a
ghost that follows the pointer and highlights the `DropZone` under it (class
`-drop-target`). On release it posts `Draggable.Dropped` naming the zone (or
None for empty space) and lets go of the mouse. Nothing here knows what is
being dragged: screens give draggables and zones their meaning by id.
A screen that declares layers should list `dragging` last, so the ghost stays on top.
"""

from __future__ import annotations

from textual import events
from textual.errors import NoWidget
from textual.geometry import Offset
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static


class DropZone(Widget):
    """A container that accepts draggables; `-drop-target` while one hovers over it."""

    DEFAULT_CSS = """
    DropZone.-drop-target { background: $accent 30%; }
    """


class DragGhost(Static):
    """The label that follows the pointer while dragging."""

    DEFAULT_CSS = """
    DragGhost {
        layer: dragging;
        position: absolute;
        width: auto;
        height: 1;
        padding: 0 1;
        background: $accent;
        color: $text;
        text-style: bold;
    }
    """


class Draggable(Static):
    """An item the mouse can carry to a `DropZone`; a plain click stays a click."""

    DRAG_THRESHOLD = 1

    class Started(Message):
        """The pointer moved with the button held: a drag (not a click) began."""

        def __init__(self, draggable: Draggable) -> None:
            self.draggable = draggable
            super().__init__()

    class Dropped(Message):
        """Released over `zone` (None: over no zone, i.e. empty space)."""

        def __init__(self, draggable: Draggable, zone: DropZone | None) -> None:
            self.draggable = draggable
            self.zone = zone
            super().__init__()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pressed_at: Offset | None = None
        self._dragging = False
        self._ghost: DragGhost | None = None
        self._target: DropZone | None = None

    @property
    def dragging(self) -> bool:
        return self._dragging

    def ghost_text(self) -> str:
        return str(self.render())

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button not in (0, 1):
            return
        self._pressed_at = Offset(event.screen_x, event.screen_y)
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._pressed_at is None:
            return
        at = Offset(event.screen_x, event.screen_y)
        if not self._dragging:
            if abs(at.x - self._pressed_at.x) + abs(at.y - self._pressed_at.y) < self.DRAG_THRESHOLD:
                return
            self._dragging = True
            self.add_class("-dragging")
            self._ghost = DragGhost(self.ghost_text())
            self.screen.mount(self._ghost)
            self.post_message(self.Started(self))
        if self._ghost is not None:
            self._ghost.styles.offset = (at.x + 1, at.y)
        self._set_target(self._zone_at(at))
        event.stop()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._pressed_at is None:
            return
        dragging, at = self._dragging, Offset(event.screen_x, event.screen_y)
        self._end()
        if dragging:
            self.post_message(self.Dropped(self, self._zone_at(at)))
            event.stop()

    def cancel_drag(self) -> None:
        self._end()

    def _end(self) -> None:
        self._pressed_at = None
        self._dragging = False
        self.remove_class("-dragging")
        self._set_target(None)
        if self._ghost is not None:
            self._ghost.remove()
            self._ghost = None
        self.release_mouse()

    def _zone_at(self, at: Offset) -> DropZone | None:
        try:
            widget, _ = self.screen.get_widget_at(at.x, at.y)
        except NoWidget:
            return None
        for node in [widget, *widget.ancestors]:
            if isinstance(node, DropZone):
                return node
        return None

    def _set_target(self, zone: DropZone | None) -> None:
        if zone is self._target:
            return
        if self._target is not None:
            self._target.remove_class("-drop-target")
        self._target = zone
        if zone is not None:
            zone.add_class("-drop-target")

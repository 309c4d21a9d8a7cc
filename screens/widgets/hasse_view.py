"""The safety order as a picture: paints a `model/safety/hasse` drawing and reports what the user picks.

Arrows move the selection along layers and edges, a click selects a box,
Enter (or a double click) asks to load it, `+`/`-` ask for more or fewer
layers. The drawing is laid out for the view's size (again when it changes),
and the view scrolls to keep the selected box and its neighbours in sight;
the wheel and PageUp/PageDown scroll it too. The screen answers the
messages; this widget decides nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.geometry import Region, Size
from textual.message import Message
from textual.widgets import Static

from flexui.model.isolation.design import DesignPoint
from flexui.model.safety.hasse import Box, Drawing, Neighbourhood, Zoom, layout

ROLES = ("edge", "label", "box", "current", "selected", "meets", "over", "failed")


class HasseCanvas(Static):
    COMPONENT_CLASSES = {f"hasse--{role}" for role in ROLES}

    def paint(self, drawing: Drawing) -> None:
        styles = {role: self.get_component_rich_style(f"hasse--{role}") for role in ROLES}
        text = Text(no_wrap=True, overflow="crop", end="")
        for y, (chars, roles) in enumerate(zip(drawing.chars, drawing.roles)):
            if y:
                text.append("\n")
            start = 0
            for x in range(1, len(chars) + 1):
                if x == len(chars) or roles[x] != roles[start]:
                    text.append("".join(chars[start:x]), styles.get(roles[start]) or "")
                    start = x
        self.update(text)

    def on_click(self, event: events.Click) -> None:
        view = self.parent
        if isinstance(view, HasseView):  # the view the canvas is drawn in
            view.clicked(event.x, event.y, event.chain)


class HasseView(ScrollableContainer, can_focus=True):
    BINDINGS = [
        Binding("up", "move('up')", "Safer", show=False),
        Binding("down", "move('down')", "Less safe", show=False),
        Binding("left", "move('left')", "Left in the layer", show=False),
        Binding("right", "move('right')", "Right in the layer", show=False),
        Binding("enter", "load", "Load the selected configuration", show=False),
        Binding("plus,equals_sign", "zoom(1)", "More layers", show=False),
        Binding("minus", "zoom(-1)", "Fewer layers", show=False),
    ]

    class Selected(Message):
        def __init__(self, point: DesignPoint) -> None:
            self.point = point
            super().__init__()

    class Load(Message):
        def __init__(self, point: DesignPoint) -> None:
            self.point = point
            super().__init__()

    class Zoomed(Message):
        def __init__(self, step: int) -> None:
            self.step = step
            super().__init__()

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.drawing: Drawing | None = None
        self._shown: tuple[Neighbourhood, Zoom] | None = None
        self._room = Size(0, 0)

    def compose(self):
        yield HasseCanvas()

    def show(self, hood: Neighbourhood, zoom: Zoom) -> None:
        """Draw `hood`; the selection stays on the same configuration when it is still drawn."""
        self._shown = hood, zoom
        self._lay_out()

    def _lay_out(self) -> None:
        assert self._shown is not None
        hood, zoom = self._shown
        selected = self.drawing.selected if self.drawing else None
        # Before its first layout the view has no size: the screen's, less what surrounds the view.
        room = self.size if self.size.area else Size(self.screen.size.width - 2, self.screen.size.height - 10)
        self._room = room
        drawing = layout(hood, zoom, selected, room=(room.width, room.height))
        if drawing.height > room.height:  # a vertical scrollbar takes columns
            drawing = layout(hood, zoom, selected, room=(room.width - self.styles.scrollbar_size_vertical,
                                                         room.height))
        self._draw(drawing)

    def on_resize(self, event: events.Resize) -> None:
        """A new size (not new content: painting the canvas resizes too) lays the drawing out again."""
        if self._shown is not None and self.size.area and self.size != self._room:
            self._lay_out()

    def _draw(self, drawing: Drawing) -> None:
        self.drawing = drawing
        self.query_one(HasseCanvas).paint(drawing)
        self.call_after_refresh(self._follow)
        self.post_message(self.Selected(drawing.selected))

    def _follow(self) -> None:
        """Scroll so the selected box and the boxes it links to show; the selected box first if not all fit."""
        drawing = self.drawing
        if drawing is None:
            return
        here = drawing.boxes[drawing.selected]
        up, down = drawing.steps_of(drawing.selected)
        near = [drawing.boxes[e.upper] for e in up] + [drawing.boxes[e.lower] for e in down]
        for boxes in ([here, *near], [here]):
            self.scroll_to_region(_around(boxes), animate=False, immediate=True)

    def select(self, point: DesignPoint) -> None:
        if self.drawing is not None and point != self.drawing.selected:
            self._draw(self.drawing.select(point))

    def clicked(self, x: int, y: int, chain: int) -> None:
        point = self.drawing.node_at(x, y) if self.drawing else None
        if point is None:
            return
        self.focus()
        self.select(point)
        if chain >= 2:
            self.post_message(self.Load(point))

    def action_move(self, direction: str) -> None:
        if self.drawing is not None:
            self.select(self.drawing.move(direction))

    def action_load(self) -> None:
        if self.drawing is not None:
            self.post_message(self.Load(self.drawing.selected))

    def action_zoom(self, step: int) -> None:
        self.post_message(self.Zoomed(step))


def _around(boxes: list[Box]) -> Region:
    """The cells of `boxes` with the selection marks beside them."""
    left = min(b.x for b in boxes) - 1
    top = min(b.y for b in boxes)
    right = max(b.x + b.width for b in boxes) + 1
    bottom = max(b.y + b.height for b in boxes)
    return Region(left, top, right - left, bottom - top)

"""The safety order as a picture: paints a `model/safety/hasse` drawing and reports what the user picks.

Arrows move the selection along layers and edges, a click selects a box,
Enter (or a double click) asks to load it, `+`/`-` ask for more or fewer
layers. The screen answers the messages; this widget decides nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static

from flexui.model.isolation.design import DesignPoint
from flexui.model.safety.hasse import Drawing, Neighbourhood, Zoom, layout

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
        self._zoom: Zoom | None = None

    def compose(self):
        yield HasseCanvas()

    def show(self, hood: Neighbourhood, zoom: Zoom) -> None:
        """Draw `hood`; the selection stays on the same configuration when it is still drawn."""
        selected = self.drawing.selected if self.drawing else None
        self._zoom = zoom
        self._draw(layout(hood, zoom, selected))

    def _draw(self, drawing: Drawing) -> None:
        self.drawing = drawing
        self.query_one(HasseCanvas).paint(drawing)
        box = drawing.boxes[drawing.selected]
        self.call_after_refresh(self.scroll_to_region, Region(box.x - 2, box.y - 1, box.width + 4, box.height + 2),
                                animate=False)
        self.post_message(self.Selected(drawing.selected))

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

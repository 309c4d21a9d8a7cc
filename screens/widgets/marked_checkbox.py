"""A checkbox whose mark is drawn only when it is on.

Textual draws the same `X` for on and off and tells them apart by colour
alone: under NO_COLOR both looked checked.
"""

from __future__ import annotations

from textual.widgets import Checkbox


class MarkedCheckbox(Checkbox):
    def on_mount(self) -> None:
        self._mark()

    def watch_value(self) -> None:
        super().watch_value()
        self._mark()

    def _mark(self) -> None:
        self.BUTTON_INNER = "X" if self.value else " "
        self.refresh()

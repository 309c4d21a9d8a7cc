"""A Static that repaints only when its text changes, and lays out only when it must.

`Static.update` lays the screen out again; on a key press that changes
nothing a status line shows, or changes it within a fixed-height line, that
layout is most of the repaint time.
"""

from __future__ import annotations

from textual.css.scalar import Unit
from textual.widgets import Static


class QuietStatic(Static):
    _last: object = None

    def show_text(self, text) -> None:
        if text == self._last:
            return
        self._last = text
        height = self.styles.height
        width = self.styles.width
        fixed = height is not None and height.unit == Unit.CELLS and (width is None or width.unit != Unit.AUTO)
        self.update(text, layout=not fixed)

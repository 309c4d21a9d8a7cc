"""A virtual list for the Kconfig screens: only the rows on screen are drawn.

Menus and search results can hold thousands of entries; a widget per entry
would make every key press slow. This list asks its owner for the text of
visible rows only and repaints just the lines that changed.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

RowText = Callable[[int], Text]
# Rendered rows kept for reuse (keyed by row content, cursor, width, style, theme):
# repaints after a toggle or a return to a menu then format only what changed.
STRIP_CACHE = 4096


class VirtualList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows 0..count-1 drawn by `row_text(i)`; `cursor` is the highlighted row.

    Keys belong to the screen (which moves the cursor); the scroll view's own
    scrolling keys would swallow them.
    """

    COMPONENT_CLASSES = {"virtual-list--cursor"}
    DEFAULT_CSS = """
    VirtualList { overflow-x: hidden; }
    VirtualList > .virtual-list--cursor { background: $block-cursor-background;
        color: $block-cursor-foreground; text-style: bold; }
    VirtualList:blur > .virtual-list--cursor { background: $block-cursor-blurred-background; }
    """

    class Clicked(Message):
        """A row was clicked: `x` is the column within the row, `chain` 2 for a double click."""

        def __init__(self, widget: VirtualList, index: int, x: int, chain: int) -> None:
            self.widget, self.index, self.x, self.chain = widget, index, x, chain
            super().__init__()

    def __init__(self, row_text: RowText, *, id: str | None = None,
                 row_key: Callable[[int], object] | None = None) -> None:
        super().__init__(id=id)
        self.row_text = row_text
        self.row_key = row_key
        self.count = 0
        self.cursor = 0
        self._painted: dict[int, object] = {}
        self._strips: dict[tuple, Strip] = {}

    # -- content -------------------------------------------------------------------
    def reset(self, count: int, cursor: int) -> None:
        """New rows (another menu, new results): resize, place the cursor, repaint all."""
        self.count = count
        self.cursor = cursor
        size = Size(self.size.width, count)
        if self.styles.overflow_y == "scroll" and size != self.virtual_size:
            # The scrollbar is always there, so the screen's layout cannot change: update
            # the scroll range and the bar without the full-screen relayout a virtual_size
            # change costs.
            self.set_reactive(VirtualList.virtual_size, size)
            bar = self.vertical_scrollbar
            bar.window_virtual_size, bar.window_size = size.height, self.scrollable_content_region.height
            self.scroll_y = min(self.scroll_y, self.max_scroll_y)
        else:
            self.virtual_size = size
        self.refresh()
        if self.scrollable_content_region.height > 0:
            self.scroll_cursor_visible(center=True)  # now, so the rows are painted once
        else:
            self.call_after_refresh(self.scroll_cursor_visible, center=True)

    def refresh_changed(self) -> bool:
        """Same rows, new values: repaint only the visible rows whose content changed.

        Returns False when it cannot tell (no `row_key`), so the caller resets instead.
        """
        if self.row_key is None:
            return False
        top = self.scroll_offset.y
        for index in range(top, min(self.count, top + self.scrollable_content_region.height)):
            if self._painted.get(index) != self.row_key(index):
                self.refresh_line(index)
        return True

    def move_cursor(self, cursor: int) -> None:
        """Move the highlight, repainting only the two rows involved."""
        old, self.cursor = self.cursor, cursor
        self.refresh_line(old)
        self.refresh_line(cursor)
        self.scroll_cursor_visible()

    def scroll_cursor_visible(self, center: bool = False) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.scroll_offset.y
        # force: right after new rows arrive the scrollbars are not laid out yet, and an
        # unforced scroll would be refused as if the list still fitted on screen.
        if center and not top <= self.cursor < top + height:
            self.scroll_to(y=max(0, self.cursor - height // 2), animate=False, immediate=True, force=True)
        else:
            self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True, force=True)

    @property
    def page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # -- drawing ----------------------------------------------------------------
    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.count)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= self.count:
            return Strip.blank(width, base)
        key = None
        if self.row_key is not None:
            row = self.row_key(index)
            self._painted[index] = row
            key = (row, index == self.cursor, width, base, self.app.theme)
            cached = self._strips.get(key)
            if cached is not None:
                return cached
        text = self.row_text(index)
        text.no_wrap = True
        text.end = ""
        if index == self.cursor:
            text.stylize(self.get_component_rich_style("virtual-list--cursor"))
        segments = list(text.render(self.app.console))
        strip = Strip(Segment.apply_style(segments, base), text.cell_len)
        strip = strip.crop_extend(0, width, base + self._cursor_fill(index))
        if key is not None:
            if len(self._strips) >= STRIP_CACHE:
                self._strips.clear()
            self._strips[key] = strip
        return strip

    def _cursor_fill(self, index: int) -> Style:
        if index != self.cursor:
            return Style()
        return self.get_component_rich_style("virtual-list--cursor")

    # -- mouse --------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < self.count:
            event.stop()
            self.focus()
            self.post_message(self.Clicked(self, index, offset.x, event.chain))

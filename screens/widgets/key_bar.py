"""The screen's keys along the bottom line, clickable, as one widget.

Textual's Footer builds a widget per key and rebuilds them all whenever the
bindings change (every focus change): about 140 ms of flexui's start-up,
all of it before the app answers its first key. This bar renders one line of
text and repaints only when the keys it shows change.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

Item = tuple[str, str, str, bool]  # (key, key as shown, description, enabled)
_DIM = Style(dim=True)
PINNED = {"Save", "Quit", "Help"}  # kept when the line is too short, as menuconfig keeps them


def fitting(items: list[Item], width: int) -> list[Item]:
    """Drop unpinned keys from the right until the line fits `width` cells."""
    def cells(item: Item) -> int:
        return len(item[1]) + len(item[2]) + 3

    kept = list(items)
    for item in reversed(items):
        if sum(map(cells, kept)) <= width:
            break
        if item[2] not in PINNED:
            kept.remove(item)
    return kept


class KeyBar(Widget):
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--separator"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; color: $footer-foreground;
        text-wrap: nowrap; text-overflow: clip; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background;
        text-style: bold; }
    KeyBar > .key-bar--description { color: $footer-description-foreground;
        background: $footer-description-background; }
    KeyBar > .key-bar--separator { color: $foreground 20%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._items: list[Item] = []
        self._palette: Item | None = None
        self._spans: list[tuple[int, int, str, bool]] = []  # (start, end, key, enabled)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._update()

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self._update()

    def _update(self) -> None:
        items, palette, seen = [], None, set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            item = (binding.key, self.app.get_key_display(binding), binding.description,
                    active.enabled)
            if binding.key == self.app.COMMAND_PALETTE_BINDING and self.app.ENABLE_COMMAND_PALETTE:
                palette = item
            elif binding.show and binding.action not in seen:
                seen.add(binding.action)
                items.append(item)
        if (items, palette) != (self._items, self._palette):
            self._items, self._palette = items, palette
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        line, self._spans = Text(no_wrap=True, overflow="crop"), []
        room = self.size.width
        if self._palette is not None:
            room -= len(self._palette[1]) + len(self._palette[2]) + 3
        for key, shown, description, enabled in fitting(self._items, room):
            start = line.cell_len
            line.append(f" {shown} ", key_style if enabled else key_style + _DIM)
            line.append(f"{description} ", text_style if enabled else text_style + _DIM)
            self._spans.append((start, line.cell_len, key, enabled))
        if self._palette is not None:
            key, shown, description, enabled = self._palette
            label = Text.assemble(("▏", self.get_component_rich_style("key-bar--separator")),
                                  (shown, key_style), (f" {description} ", text_style))
            start = max(0, self.size.width - label.cell_len)  # the palette key stays in view
            line.truncate(start, pad=True)
            self._spans = [(a, min(b, start), k, e) for a, b, k, e in self._spans if a < start]
            line.append_text(label)
            self._spans.append((start, line.cell_len, key, enabled))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                event.stop()
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return


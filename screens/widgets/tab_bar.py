"""One tab per screen, with the underline marking the current one; a click switches.

Textual's Tabs composes a widget per tab plus an animated underline: about
0.1 s of start-up for a bar that never changes within a screen. This is one
widget drawing the two lines `chrome.tab_strip` describes, the same lines
the first frame paints before Textual is loaded.
"""

from __future__ import annotations

from collections.abc import Collection

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from flexui.screens.widgets.chrome import tab_strip

ROLE_CLASSES = {"tab": "tab-bar--tab", "tab-active": "tab-bar--active",
                "underline": "tab-bar--bar", "underline-active": "tab-bar--highlight"}


class TabBar(Widget):
    COMPONENT_CLASSES = set(ROLE_CLASSES.values())
    DEFAULT_CSS = """
    TabBar { height: 2; text-wrap: nowrap; text-overflow: clip; }
    TabBar > .tab-bar--tab { color: $foreground 50%; }
    TabBar > .tab-bar--active { color: $foreground; }
    TabBar > .tab-bar--bar { color: $foreground 10%; }
    TabBar > .tab-bar--highlight { color: $block-cursor-background; }
    """

    class Chosen(Message):
        def __init__(self, mode: str) -> None:
            self.mode = mode
            super().__init__()

    def __init__(self, active: str, modes: Collection[str]) -> None:
        super().__init__()
        self.active = active
        self.modes = modes

    def render(self) -> Text:
        strip = tab_strip(self.active, self.size.width, self.modes)
        style = {role: self.get_component_rich_style(name) for role, name in ROLE_CLASSES.items()}
        return Text.assemble(*[(text, style[role]) for text, role, _ in strip.labels], "\n",
                             *[(text, style[role]) for text, role in strip.underline],
                             no_wrap=True, overflow="crop")

    def on_click(self, event: events.Click) -> None:
        x = 0
        for text, _, mode in tab_strip(self.active, self.size.width, self.modes).labels:
            if x <= event.x < x + len(text):
                event.stop()
                if mode != self.active:
                    self.post_message(self.Chosen(mode))
                return
            x += len(text)

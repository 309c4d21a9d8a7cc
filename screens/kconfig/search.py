"""The `/` search: type words, see matches with their menu path, jump to one.

Searches names (with or without CONFIG_), prompts and help text; every word
must match. The last query and selection are kept, so `/` after a jump
comes back to the same results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kconfiglib import MenuNode
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from flexui.model.kconfig.info import EntryInfo
from flexui.model.kconfig.menu import value_str
from flexui.model.kconfig.search import Match, SearchIndex
from flexui.screens.kconfig.entry_list import VirtualList
from flexui.screens.kconfig.info import InfoDialog


@dataclass(frozen=True)
class SearchResult:
    """What the dialog hands back: the node to jump to (None: cancelled) and where it was."""

    query: str
    selected: int
    node: MenuNode | None


class SearchDialog(ModalScreen[SearchResult | None]):
    CSS_PATH = "search.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "cursor(1)", "Next", show=False),
        Binding("up", "cursor(-1)", "Previous", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("ctrl+f", "info", "Info on the match"),
    ]

    def __init__(self, index: SearchIndex, describe: Callable[[MenuNode], EntryInfo],
                 last: SearchResult | None = None) -> None:
        super().__init__()
        self.index = index
        self.describe = describe
        self.matches: list[Match] = []
        self._last = last

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Static("[b]Search[/b]  names (CONFIG_ optional), prompts and help; "
                         "every word must match", id="search-title")
            yield Input(self._last.query if self._last else "", id="search-input",
                        placeholder="e.g. flexos gate, CONFIG_LIBUKSCHED, stack protector")
            yield VirtualList(self._row_text, id="search-results")
            yield Static("", id="search-status")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._search(self.query_one(Input).value,
                     self._last.selected if self._last else 0)

    def _row_text(self, i: int) -> Text:
        match = self.matches[i]
        text = Text()
        value = value_str(match.node)
        text.append(f"{value:<6} " if value else " " * 7)
        if match.name:
            text.append(match.name, style="bold")
            text.append("  ")
        text.append(match.prompt if match.prompt != match.name else "")
        text.append(f"   in {match.path_text}", style="dim")
        return text

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._search(event.value, 0)

    def _search(self, query: str, selected: int) -> None:
        self.matches = self.index.search(query)
        results = self.query_one(VirtualList)
        results.reset(len(self.matches), min(selected, max(len(self.matches) - 1, 0)))
        if not query.strip():
            status = "Type to search"
        elif not self.matches:
            status = "No match"
        else:
            status = f"{len(self.matches)} matches   Enter: jump   ctrl+f: info   Esc: cancel"
        self.query_one("#search-status", Static).update(status)

    def action_cursor(self, delta: int) -> None:
        results = self.query_one(VirtualList)
        if self.matches:
            results.move_cursor(max(0, min(len(self.matches) - 1, results.cursor + delta)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._jump(self.query_one(VirtualList).cursor)

    def on_virtual_list_clicked(self, event: VirtualList.Clicked) -> None:
        event.stop()
        event.widget.move_cursor(event.index)
        if event.chain >= 2:
            self._jump(event.index)
        self.query_one(Input).focus()

    def _jump(self, index: int) -> None:
        if not self.matches:
            return
        self.dismiss(SearchResult(self.query_one(Input).value, index, self.matches[index].node))

    def action_info(self) -> None:
        if self.matches:
            node = self.matches[self.query_one(VirtualList).cursor].node
            self.app.push_screen(InfoDialog(node, self.describe(node), can_fix=False))

    def action_cancel(self) -> None:
        cursor = self.query_one(VirtualList).cursor
        self.dismiss(SearchResult(self.query_one(Input).value, cursor, None))

"""The `?` view: everything about one entry, scrollable; `w` goes on to "why locked"."""

from __future__ import annotations

from kconfiglib import MenuNode
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from flexui.model.kconfig.info import EntryInfo


def info_text(info: EntryInfo) -> Text:
    """Section titles bold, the rest as plain text (help text is never read as markup)."""
    text = Text(info.title, style="bold")
    for section in info.sections:
        text.append("\n\n")
        text.append(f"{section.title}:", style="bold underline")
        for line in section.lines:
            text.append(f"\n  {line}")
    return text


class InfoDialog(ModalScreen[bool]):
    """Dismisses with True when the user asks why the entry is locked (`w`)."""

    CSS_PATH = "info.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "dismiss(False)", "Close"),
                Binding("w", "why", "Why can't I change this?")]

    def __init__(self, node: MenuNode, info: EntryInfo, can_fix: bool = True) -> None:
        super().__init__()
        self.node, self.info, self.can_fix = node, info, can_fix

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.can_fix if action == "why" else True

    def action_why(self) -> None:
        self.dismiss(True)

    def compose(self) -> ComposeResult:
        with Vertical(id="info-frame"):
            with VerticalScroll(id="info-box"):
                yield Static(info_text(self.info), id="info-text")
            hint = "Esc: close   w: why can't I change this?" if self.can_fix else "Esc: close"
            yield Static(hint, id="info-hint")

    def on_mount(self) -> None:
        self.query_one("#info-box").focus()

"""Typing an int, hex or string value, checked against its range before it is set."""

from __future__ import annotations

from kconfiglib import MenuNode
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from flexui.model.kconfig.menu import TYPE_NAMES, parse_entry
from flexui.model.kconfig.values import range_text


class ValueDialog(ModalScreen[str | None]):
    CSS_PATH = "value.tcss"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, node: MenuNode) -> None:
        super().__init__()
        self.node = node
        self.sym = node.item

    def compose(self) -> ComposeResult:
        kind = TYPE_NAMES[self.sym.orig_type]
        limits = range_text(self.sym)
        with Vertical(classes="kconfig-dialog"):
            yield Static(f"[b]{escape(self.node.prompt[0])}[/b] ({kind}"
                         f"{', ' + limits if limits else ''})", markup=True, id="value-title")
            yield Input(self.sym.str_value, id="value-input", select_on_focus=True)
            yield Static("", id="value-error")
            yield Static("[dim]Enter: set   Esc: cancel[/dim]")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value, error = parse_entry(self.sym, event.value)
        if value is None:
            self.query_one("#value-error", Static).update(error)
            return
        self.dismiss(value)

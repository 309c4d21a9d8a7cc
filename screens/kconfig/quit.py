"""Leaving with unsaved changes: save and quit, quit without saving, or stay."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from flexui.screens.widgets.dialogs import keyed


class QuitDialog(ModalScreen[str | None]):
    """Answers "save", "discard" or None (stay)."""

    CSS_PATH = "quit.tcss"
    BINDINGS = [Binding("escape,c", "dismiss(None)", "Stay"),
                Binding("s,y", "dismiss('save')", "Save and quit"),
                Binding("d", "dismiss('discard')", "Quit without saving")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="kconfig-dialog"):
            yield Static("There are unsaved changes. Save them before quitting?")
            with Horizontal(classes="kconfig-buttons"):
                yield Button(keyed("Save and quit", "s"), variant="primary", id="save")
                yield Button(keyed("Quit without saving", "d"), variant="error", id="discard")
                yield Button(keyed("Stay", "esc"), id="stay")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "stay" else event.button.id)

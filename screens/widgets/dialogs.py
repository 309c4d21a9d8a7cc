"""Small modal dialogs shared by screens: confirm, and name + description."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


def keyed(label: str, key: str) -> Content:
    """A button label ending in its key; `[y]` as markup would be swallowed as a tag."""
    return Content(f"{label} [{key}]")


class ConfirmDialog(ModalScreen[bool]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self._question, self._yes, self._no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self._question, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(keyed(self._yes, "y"), variant="warning", id="yes")
                yield Button(keyed(self._no, "n"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


ResultT = TypeVar("ResultT")


class FormDialog(ModalScreen[ResultT]):
    """Inputs with an OK button (id `ok`) and Cancel: OK submits, Cancel and Esc answer None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.action_cancel()

    def _submit(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class NameDialog(FormDialog[tuple[str, str] | None]):
    """Asks for a name (validated by the caller's function) and a description."""

    CSS_PATH = "dialogs.tcss"

    def __init__(self, title: str, name: str = "", description: str = "",
                 check=lambda name: None, *, with_description: bool = True, ok: str = "Save") -> None:
        super().__init__()
        self._title, self._name, self._description, self._check = title, name, description, check
        self._with_description, self._ok = with_description, ok

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-text")
            yield Input(self._name, placeholder="name", id="name")
            yield Input(self._description, placeholder="description (optional)", id="description",
                        classes="" if self._with_description else "hidden")
            yield Static("", id="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._ok, variant="primary", id="ok")
                yield Button(keyed("Cancel", "esc"), id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "name" and self._with_description:
            self.query_one("#description", Input).focus()
        else:
            self._submit()

    def _submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        error = self._check(name)
        if error:
            self.query_one("#dialog-error", Static).update(f"[b]{error}[/b]")
            self.query_one("#name", Input).focus()
            return
        self.dismiss((name, self.query_one("#description", Input).value.strip()))

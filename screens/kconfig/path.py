"""Asking for a file path (load a .config, save a minimal config), checked before use."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


def path_problem(path: Path, must_exist: bool) -> str:
    """Why `path` cannot be used, or "" when it can."""
    if must_exist:
        if not path.exists():
            return f"{path} does not exist"
        if not path.is_file():
            return f"{path} is not a file"
        return ""
    if path.is_dir():
        return f"{path} is a directory: add a file name"
    if not path.parent.is_dir():
        return f"{path.parent} does not exist"
    return ""


class PathDialog(ModalScreen[Path | None]):
    CSS_PATH = "path.tcss"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, default: Path, must_exist: bool = False) -> None:
        super().__init__()
        self._title, self._default, self._must_exist = title, default, must_exist

    def compose(self) -> ComposeResult:
        with Vertical(classes="kconfig-dialog"):
            yield Static(self._title, markup=False, id="path-title")
            yield Input(str(self._default), id="path-input")
            yield Static("", id="path-error")
            yield Static("[dim]Enter: OK   Esc: cancel   (relative paths start at the app)[/dim]")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.query_one("#path-error", Static).update("Type a file path")
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self._default.parent / path
        problem = path_problem(path, self._must_exist)
        if problem:
            self.query_one("#path-error", Static).update(problem)
            return
        self.dismiss(path)

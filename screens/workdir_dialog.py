"""Asks where to create a FlexOS work directory for the app, and where its repositories come from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from flexui.screens.widgets.dialogs import FormDialog, keyed


@dataclass(frozen=True)
class WorkdirRequest:
    directory: Path
    remote: str
    pins: Path | None  # None: the refs flexui ships


class WorkdirInitDialog(FormDialog[WorkdirRequest | None]):
    """The three answers `flexui workdir init DIR --remote R [--pins F]` takes, with their defaults."""

    CSS_PATH = ["widgets/dialogs.tcss", "workdir_dialog.tcss"]  # one `.dialog` look, wider here

    def __init__(self, app_name: str, directory: Path, remote: str) -> None:
        super().__init__()
        self._app_name, self._directory, self._remote = app_name, directory, remote

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Create a FlexOS work directory for {self._app_name} (flexui workdir init), "
                        f"then open its app", classes="dialog-text")
            yield Label("directory")
            yield Input(str(self._directory), id="workdir-dir")
            yield Label("remote: URL prefix or a local directory of the FlexOS repositories")
            yield Input(self._remote, id="workdir-remote")
            yield Label("pins: YAML file of refs (empty: the refs flexui ships)")
            yield Input("", placeholder="shipped pins", id="workdir-pins")
            yield Static("", id="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", variant="primary", id="ok")
                yield Button(keyed("Cancel", "esc"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#workdir-dir", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = ["workdir-dir", "workdir-remote", "workdir-pins"]
        if event.input.id not in order:
            return
        i = order.index(event.input.id)
        if i + 1 < len(order):
            self.query_one(f"#{order[i + 1]}", Input).focus()
        else:
            self._submit()

    def _submit(self) -> None:
        directory = self.query_one("#workdir-dir", Input).value.strip()
        remote = self.query_one("#workdir-remote", Input).value.strip()
        pins = self.query_one("#workdir-pins", Input).value.strip()
        error = self._check(directory, remote, pins)
        if error:
            self.query_one("#dialog-error", Static).update(error)
            return
        self.dismiss(WorkdirRequest(Path(directory).expanduser().absolute(), remote,
                                    Path(pins).expanduser() if pins else None))

    def _check(self, directory: str, remote: str, pins: str) -> str | None:
        if not directory:
            return "name the directory to create"
        target = Path(directory).expanduser()
        if target.exists() and not target.is_dir():
            return f"{target} is a file; name a new or empty directory"
        if not remote:
            return "name the remote (e.g. https://github.com/project-flexos or a local directory)"
        if pins and not Path(pins).expanduser().is_file():
            return f"pins file {pins} not found"
        return None

"""F1 / ? : every key binding of the screen the user came from."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close")]

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(f"[b]Keys: {self._title}[/b]  (Esc closes; ctrl+p opens the "
                         "command palette with every action)", id="help-title")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Action")
        for key, description in self._rows:
            table.add_row(key, description)
        table.focus()


def binding_rows(screen) -> list[tuple[str, str]]:
    """One row per action with all its keys (`f, H`), app-wide ones included."""
    keys: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        shown = screen.app.get_key_display(binding)
        keys.setdefault(binding.action, [])
        if shown not in keys[binding.action]:
            keys[binding.action].append(shown)
        # A tooltip is the long form ("Open the command palette" for the bar's "palette").
        descriptions.setdefault(binding.action, binding.tooltip or binding.description or binding.action)
    rows = [(", ".join(shown), descriptions[action]) for action, shown in keys.items()]
    return sorted(rows, key=lambda kv: (len(kv[0]) > 1, kv[0].lower(), kv[0]))

"""`D`: every value changed since the last save (or since the loaded preset), each revertible.

Rows say whether the user set the value or it follows from another change,
so reverting a follower that stays put is explained rather than silently
ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from flexui.model.kconfig.explain import explain
from flexui.model.kconfig.state import SymbolChange
from flexui.model.session.edit_session import Session

if TYPE_CHECKING:
    from textual import getters

    from flexui.app import FlexApp

REFERENCES = {"save": "the last save", "baseline": "the loaded preset (or opening)"}


class DiffDialog(ModalScreen[None]):
    CSS_PATH = "diff.tcss"
    BINDINGS = [Binding("escape,q,D", "dismiss(None)", "Close"),
                Binding("tab", "switch_reference", "Since save / since preset"),
                Binding("r", "revert", "Revert this one"),
                Binding("j", "move(1)", "Down", show=False),
                Binding("k", "move(-1)", "Up", show=False)]

    if TYPE_CHECKING:  # the app this dialog runs in, for the type checker only
        app = getters.app(FlexApp)

    def __init__(self, reference: str = "save") -> None:
        super().__init__()
        self.reference = reference
        self.changes: list[SymbolChange] = []

    @property
    def session(self) -> Session:
        return self.app.session

    def compose(self) -> ComposeResult:
        with Vertical(id="diff-box"):
            yield Static(id="diff-title")
            yield DataTable(id="diff-table", cursor_type="row", zebra_stripes=True)
            yield Static("r/Enter: revert the selected symbol   Tab: since save ⇄ since preset"
                         "   u (on the menu): undo   Esc: close", id="diff-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Symbol", "Was", "Now", "How")
        self._fill()
        table.focus()

    def _fill(self, keep_row: int = 0) -> None:
        session = self.session
        self.changes = session.changes_since_save() if self.reference == "save" \
            else session.changes_since_baseline()
        table = self.query_one(DataTable)
        table.clear()
        for change in self.changes:
            sym = session.kconf.syms[change.name]
            how = "set" if sym.user_value is not None and sym.visibility else "follows"
            table.add_row(f"CONFIG_{change.name}", change.old or '""', change.new or '""',
                          Text(how, style="" if how == "set" else "dim"), key=change.name)
        count = len(self.changes)
        title = f"[b]{count} change{'s' if count != 1 else ''} since {REFERENCES[self.reference]}[/b]"
        if not count:
            title += "  (nothing to revert)"
        self.query_one("#diff-title", Static).update(title)
        if count:
            table.move_cursor(row=min(keep_row, count - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_revert()

    def action_move(self, delta: int) -> None:
        table = self.query_one(DataTable)
        table.action_cursor_down() if delta > 0 else table.action_cursor_up()

    def action_switch_reference(self) -> None:
        self.reference = "baseline" if self.reference == "save" else "save"
        self._fill()

    def action_revert(self) -> None:
        table = self.query_one(DataTable)
        if not self.changes:
            return
        row = table.cursor_row
        change = self.changes[row]
        self.session.revert_symbol(change.name, to=self.reference)
        sym = self.session.kconf.syms[change.name]
        if sym.str_value != change.old:
            reasons = "; ".join(b.message.rstrip(":") + " " + b.expression
                                for b in explain(sym.nodes[0]).blockers) if sym.nodes else ""
            self.notify(f"{change.name} stays {sym.str_value or chr(34) * 2}: {reasons}".rstrip(": "),
                        severity="warning", timeout=8)
        self._fill(keep_row=row)

"""Presets: browse shipped and user presets, load, save as, delete, compare."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from flexui.model.files.problems import InputError
from flexui.model.isolation.design import DesignPoint
from flexui.model.presets.compare import CompareRow, compare, mechanism_label, summary
from flexui.model.presets.preset import Preset
from flexui.model.safety.summary import summarize, with_unit
from flexui.screens.base import SessionScreen
from flexui.screens.widgets.dialogs import ConfirmDialog, NameDialog

SESSION_ROW = "(session)"


class CompareScreen(ModalScreen[None]):
    CSS_PATH = "presets.tcss"
    BINDINGS = [Binding("escape,q", "dismiss", "Close"),
                Binding("d", "toggle_diff_only", "Only differences")]

    def __init__(self, left: str, right: str, rows: list[CompareRow]) -> None:
        super().__init__()
        self._left, self._right, self._rows = left, right, rows
        self._diff_only = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="compare-box"):
            yield Static(f"[b]{escape(self._left)}[/b]  vs  [b]{escape(self._right)}[/b]   "
                         "(≠ differs · d: only differences · Esc: close)", id="compare-title")
            yield DataTable(id="compare-table", cursor_type="row", show_header=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        inside = self.app.size.width * 95 // 100 - 4  # the box is 95% wide, less its frame
        # The aspect names yield first (a quarter at most): the presets' names are what is compared.
        aspect = min(28, inside // 4, max([len(r.aspect) for r in self._rows] + [6]))
        # Both sides share what is left; long cells wrap, not run off the edge.
        side = max(12, (inside - aspect - 12) // 2)
        table.add_column("", width=1)
        table.add_column("", width=aspect)
        table.add_column("left", width=side)
        table.add_column("right", width=side)
        self._fill()
        table.focus()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        # The names head the columns as a row: a header cell would cut a long name, a row wraps it.
        table.add_row("", "", Text(self._left, style="bold"), Text(self._right, style="bold"), height=None)
        for row in self._rows:
            if self._diff_only and not row.differs:
                continue
            style = "bold yellow" if row.differs else ""
            table.add_row("≠" if row.differs else "", Text(row.aspect, style=style),
                          Text(row.left, style=style), Text(row.right, style=style), height=None)

    def action_toggle_diff_only(self) -> None:
        self._diff_only = not self._diff_only
        self._fill()


class PresetsScreen(SessionScreen):
    MODE = "presets"
    CSS_PATH = "presets.tcss"
    RENDERS_ON_MOUNT = True
    BINDINGS = [
        Binding("enter", "load", "Load"),
        Binding("a", "save_as", "Save session as"),
        Binding("x,delete", "delete", "Delete"),
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare marked"),
        Binding("equals_sign", "compare_session", "Compare with session"),
        Binding("A", "toggle_all_apps", "All apps"),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.presets: list[Preset] = []
        self.marked: str | None = None
        self.all_apps = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="presets-body"):
            yield DataTable(id="preset-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="preset-side"):
                yield Static(id="preset-detail")

    def on_mount(self) -> None:
        table = self.query_one("#preset-table", DataTable)
        self.reload()
        table.focus()

    # -- data ---------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        presets, problems = self.session.presets()
        app = self.session.app_name
        self.presets = [p for p in presets if self.all_apps or p.app == app]
        for problem in problems:
            self.notify(str(problem), severity="warning", timeout=8)
        table = self.query_one("#preset-table", DataTable)
        table.clear(columns=True)
        # The app only when presets of every app are listed: at 80 columns it pushed the
        # mechanism off the table.
        table.add_columns(" ", "Preset", *(["App"] if self.all_apps else []), "Estimate", "Safer/less safe",
                          "Comp.", "Mechanism", "Hardened", "Source")
        db, estimator = self.app.benchmarks
        for preset in self.presets:
            iso = preset.isolation
            hardened = iso.hardened()
            position = summarize(preset.app, DesignPoint.of(iso), db, estimator)
            estimate = position.estimate
            cost = f"{with_unit(estimate.value, estimate.unit)} {estimate.kind}" if estimate else "—"
            order = f"{position.safer}/{position.less_safe} of {position.compared}" if estimate else "—"
            table.add_row("●" if preset.name == self.marked else "", preset.name,
                          *([preset.app] if self.all_apps else []), cost, order,
                          str(len(iso.compartments)), mechanism_label(iso),
                          ", ".join(hardened) if hardened else "—",
                          "shipped" if preset.shipped else "yours", key=preset.name)
        if select is not None and select in {p.name for p in self.presets}:
            table.move_cursor(row=[p.name for p in self.presets].index(select))
        self._show_detail()

    def current(self) -> Preset | None:
        table = self.query_one("#preset-table", DataTable)
        if not self.presets or table.cursor_row is None or table.cursor_row >= len(self.presets):
            return None
        return self.presets[table.cursor_row]

    def _show_detail(self) -> None:
        preset = self.current()
        detail = self.query_one("#preset-detail", Static)
        if preset is None:
            detail.update("No presets for this app. Press [b]a[/b] to save the session as one, "
                          "[b]A[/b] to list every app's presets.")
            return
        loaded = " (loaded)" if self.session.preset and self.session.preset.name == preset.name else ""
        db, estimator = self.app.benchmarks
        position = summarize(preset.app, DesignPoint.of(preset.isolation), db, estimator)
        lines = [f"[b]{preset.name}[/b]{loaded}", preset.description or "(no description)", "",
                 summary(preset.isolation), escape(position.line()), ""]
        for comp in preset.isolation.compartments:
            members = ", ".join(preset.isolation.members(comp.name)) or "(empty)"
            lines.append(f"{comp.name}{' (default)' if comp.default else ''}: {members}")
        if preset.kconfig:
            lines += ["", "Kconfig: " + ", ".join(f"{k}={v}" for k, v in preset.kconfig.items())]
        if preset.path is not None:
            lines += ["", f"file: {preset.path.name}"]
        detail.update("\n".join(lines))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_load()

    def refresh_from_session(self, event) -> None:
        if self.is_mounted:
            self._show_detail()

    # -- actions ------------------------------------------------------------
    def action_load(self) -> None:
        preset = self.current()
        if preset is None:
            return
        if preset.app != self.session.app_name:
            self.notify(f"{preset.name} is for app {preset.app}; open it with "
                        f"`flexui --preset {preset.name}`", severity="warning")
            return
        if self.session.dirty:
            self.app.push_screen(ConfirmDialog(
                f"Load {preset.name}? Unsaved changes stay undoable (ctrl+z) but are replaced.",
                yes="Load"), lambda ok: self._load(preset) if ok else None)
        else:
            self._load(preset)

    def _load(self, preset: Preset) -> None:
        for problem in self.session.apply_preset(preset):
            self.notify(str(problem), severity="error" if problem.severity == "error" else "warning",
                        timeout=8)
        self.notify(f"Loaded {preset.name}")
        self._show_detail()

    def action_save_as(self) -> None:
        current = self.session.preset
        self.app.push_screen(
            NameDialog("Save the session as a preset", name="" if current is None or
                       current.shipped else current.name, check=self.session.preset_name_refusal),
            self._save_as)

    def _save_as(self, answer: tuple[str, str] | None) -> None:
        if answer is None:
            return
        name, description = answer
        try:
            path = self.session.save_as_user_preset(name, description)
        except InputError as e:
            self.notify(str(e.problems[0]), severity="error", timeout=10)
            return
        self.notify(f"Saved {path}")
        self.reload(select=name)

    def action_delete(self) -> None:
        preset = self.current()
        if preset is None:
            return
        if preset.shipped:
            self.notify(f"{preset.name} is shipped with flexui and cannot be deleted",
                        severity="warning")
            return
        self.app.push_screen(ConfirmDialog(f"Delete your preset {preset.name}?", yes="Delete"),
                             lambda ok: self._delete(preset) if ok else None)

    def _delete(self, preset: Preset) -> None:
        if preset.path is not None:
            self.session.delete_user_preset(preset)
            self.notify(f"Deleted {preset.path.name}")
        self.reload()

    def action_mark(self) -> None:
        preset = self.current()
        if preset is None:
            return
        self.marked = None if self.marked == preset.name else preset.name
        self.reload(select=preset.name)

    def action_compare(self) -> None:
        preset = self.current()
        marked = next((p for p in self.presets if p.name == self.marked), None)
        if preset is None or marked is None or marked.name == preset.name:
            self.notify("Mark a preset with space, move to another, then press c")
            return
        self.app.push_screen(CompareScreen(marked.name, preset.name,
                                           compare(marked, preset, self._performance)))

    def action_compare_session(self) -> None:
        preset = self.current()
        if preset is None:
            return
        session = self.session.as_preset(SESSION_ROW)
        self.app.push_screen(CompareScreen(preset.name, SESSION_ROW,
                                           compare(preset, session, self._performance)))

    def _performance(self, preset: Preset) -> str:
        db, estimator = self.app.benchmarks
        position = summarize(preset.app, DesignPoint.of(preset.isolation), db, estimator)
        e = position.estimate
        return f"{position.metric} {with_unit(e.value, e.unit)} {e.kind}" if e else "no benchmark data"

    def action_toggle_all_apps(self) -> None:
        self.all_apps = not self.all_apps
        self.reload()

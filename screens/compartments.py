"""The Compartments screen: design the isolation of the image.

Compartments are columns of library chips. Chips are dragged between columns
with the mouse (screens/widgets/dragdrop.py) or moved with the keyboard; every edit
goes through `Session.edit_isolation`, so the Kconfig symbols follow and
undo covers it. Validation problems are shown next to what they concern.
"""

from __future__ import annotations

import re
from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import MountError
from textual.widgets import Checkbox, Label, Select, Static

from flexui.model.files.problems import Problem
from flexui.model.isolation.board import Board, Chip, Column, compartment_board
from flexui.model.isolation.configuration import (
    MAX_COMPARTMENTS,
    Hardening,
    IsolationConfig,
)
from flexui.model.session.edit_session import SessionEvent
from flexui.model.vocabulary import DRIVER_LABELS, DRIVERS, FCALLS, MPK, VMEPT
from flexui.screens.base import SessionScreen
from flexui.screens.widgets.dialogs import ConfirmDialog, NameDialog
from flexui.screens.widgets.dragdrop import Draggable, DropZone
from flexui.screens.widgets.marked_checkbox import MarkedCheckbox
from flexui.screens.widgets.safety_line import SafetyLine

HARDENING_KEYS = (("ubsan", "U"), ("kasan", "K"), ("stack_protector", "P"))
MECHANISM_NOTES = {
    MPK: "Intel MPK: up to 15 compartments in one address space; needs tlsf. "
                 "Hardening: U UBSan, K KASan, P stack protector.",
    VMEPT: "VM/EPT: one VM per compartment, gates are inter-VM calls (462 cycles, Fig. 11); "
             "run with FlexOS's patched QEMU.",
    FCALLS: "Function calls: no isolation, the baseline to measure against (2 cycles per gate).",
}


class ChipList(VerticalScroll, can_focus=False):
    """Scrolls with the mouse wheel; keys stay with the screen."""


class Columns(HorizontalScroll, can_focus=False):
    """Scrolls with the mouse wheel; keys stay with the screen."""


class LibraryChip(Draggable):
    """One library: its name, core marker, hardening and any problem."""

    class Selected(Message):
        """A click chose this library; the screen decides what selection means."""

        def __init__(self, name: str) -> None:
            self.name = name
            super().__init__()

    def __init__(self, chip: Chip) -> None:
        super().__init__(id=f"lib-{chip.lib.name}", classes="chip", markup=False)
        self.show(chip)

    def show(self, chip: Chip) -> None:
        self.chip = chip
        self.lib = chip.lib
        self.update(self._text())
        self.set_class(bool(chip.problems), "-problem")
        self.set_class(chip.hardening.any, "-hardened")
        self.set_class(not chip.lib.in_kraft, "-unplaced")

    def _text(self) -> str:
        hardening = self.chip.hardening
        marks = "".join(key if getattr(hardening, field) else "-" for field, key in HARDENING_KEYS)
        core = " ◆" if self.lib.is_core else ""
        warn = " ⚠" if self.chip.problems else ""
        tag = f"  [{marks}]" if hardening.any else ""
        return f"{self.lib.name}{core}{tag}{warn}"

    def ghost_text(self) -> str:
        return f"⇢ {self.lib.name}"

    def on_click(self) -> None:
        self.post_message(self.Selected(self.lib.name))


class CompartmentColumn(DropZone):
    """One compartment: title with default marker, its library chips, its problems."""

    def __init__(self, column: Column) -> None:
        super().__init__(id="comp-" + re.sub(r"[^A-Za-z0-9_-]", "_", column.name),
                         classes="column" if column.declared else "column -undeclared")
        self.column = column
        self.comp_name, self.declared = column.name, column.declared

    def compose(self) -> ComposeResult:
        yield Label(self._title(), classes="column-title")
        yield ChipList(*(LibraryChip(chip) for chip in self.column.chips), classes="chips")
        yield Static(self._problems(), classes="column-problems", markup=False)

    def _title(self) -> str:
        c = self.column
        star = "  ★ default" if c.default else ""
        return f"{c.index + 1}. {c.name}{star}" if c.declared else f"⚠ {c.name}: not declared"

    def _problems(self) -> str:
        return "\n".join(f"⚠ {p.message}" for p in self.column.problems)

    async def show(self, column: Column) -> None:
        """Repaint only what changed: the title, the problems, and chips that came, went or changed."""
        if column == self.column:
            return
        self.column = column
        self.query_one(".column-title", Label).update(self._title())
        self.query_one(".column-problems", Static).update(self._problems())
        chip_list = self.query_one(ChipList)
        wanted = [chip.lib.name for chip in column.chips]
        for widget in list(chip_list.query_children(LibraryChip)):
            if widget.lib.name not in wanted:
                await widget.remove()
        current = {widget.lib.name: widget for widget in chip_list.query_children(LibraryChip)}
        for i, chip in enumerate(column.chips):
            shown = current.get(chip.lib.name)
            if shown is None:
                children = list(chip_list.query_children(LibraryChip))
                new = LibraryChip(chip)
                await chip_list.mount(new, before=children[i] if i < len(children) else None)
            elif shown.chip != chip:
                shown.show(chip)


class NewCompartmentZone(DropZone):
    """Dropping a library here creates a compartment for it."""

    def compose(self) -> ComposeResult:
        yield Static("+ new\ncompartment:\ndrop a\nlibrary here\nor press n", classes="new-zone-text")


class CompartmentsScreen(SessionScreen):
    MODE = "compartments"
    CSS_PATH = "compartments.tcss"
    RENDERS_ON_MOUNT = True
    AUTO_FOCUS = ""  # nothing: every key belongs to the screen until a control is clicked
    BINDINGS = [
        # priority: a Select or Checkbox the user clicked would otherwise take left/right
        Binding("left,h", "select_column(-1)", "Left", show=False, priority=True),
        Binding("right,l", "select_column(1)", "Right", show=False, priority=True),
        Binding("up,k", "select_row(-1)", "Up", show=False),
        Binding("down,j", "select_row(1)", "Down", show=False),
        Binding("shift+left,less_than_sign", "move(-1)", "Move ←"),
        Binding("shift+right,greater_than_sign", "move(1)", "Move →"),
        *[Binding(str(n), f"move_to({n})", f"Move to compartment {n}", show=False) for n in range(1, 10)],
        Binding("n", "new_compartment", "New comp."),
        Binding("r", "rename", "Rename", show=False),
        Binding("x", "remove", "Remove comp.", show=False),
        Binding("d", "set_default", "Default", show=False),
        Binding("space", "harden", "Harden"),
        Binding("U", "toggle_hardening('ubsan')", "UBSan", show=False),
        Binding("K", "toggle_hardening('kasan')", "KASan", show=False),
        Binding("P", "toggle_hardening('stack_protector')", "Stack protector", show=False),
        Binding("m", "cycle_mechanism", "Mechanism"),
        Binding("g", "toggle_stacks", "Gate type", show=False),
        Binding("D", "toggle_dss", "DSS", show=False),
        Binding("s", "save", "Save"),
        Binding("escape", "cancel_drag", "Cancel drag", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selected: str | None = None

    # -- layout -----------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        self._composed_board = compartment_board(self.session)
        with Vertical(id="compartments-body"):
            with Horizontal(id="mechanism-bar"):
                yield Label("Mechanism", classes="bar-label")
                yield Select([(DRIVER_LABELS[d], d) for d in DRIVERS], allow_blank=False, id="driver")
                yield Select([("private stacks", "private"), ("shared stacks", "shared")],
                             allow_blank=False, id="stacks")
                yield MarkedCheckbox("DSS", id="dss")
            yield Static(id="mechanism-note", markup=False)
            yield SafetyLine(id="safety-summary")
            # The drop zone stays beside the columns, which scroll: with 3+ compartments at 80
            # columns it was pushed off the edge.
            with Horizontal(id="columns-row"):
                # The first show composes the columns with the screen: one layout and paint, not two.
                yield Columns(*(CompartmentColumn(column) for column in self._composed_board.columns),
                              id="columns")
                yield NewCompartmentZone(id="new-compartment", classes="column")
            yield Static(id="problems", markup=False)

    def on_mount(self) -> None:
        self._show_board(self._composed_board)

    def refresh_from_session(self, event: SessionEvent | None) -> None:
        self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        try:
            await self._rebuild_columns()
        except MountError:  # the screen went away (the app is quitting) while it was rebuilt
            if self.is_attached:
                raise

    async def _rebuild_columns(self) -> None:
        board = compartment_board(self.session)
        columns = self.query_one(Columns)
        shown = list(columns.query_children(CompartmentColumn))
        if [(w.comp_name, w.declared) for w in shown] == [(c.name, c.declared) for c in board.columns]:
            for widget, column in zip(shown, board.columns):
                await widget.show(column)
        else:  # compartments came, went or were renamed: the columns themselves change
            scroll_x = columns.scroll_x
            await columns.remove_children()
            await columns.mount(*(CompartmentColumn(column) for column in board.columns))
            columns.scroll_to(x=scroll_x, animate=False)
        self._show_board(board)

    def _show_board(self, board: Board) -> None:
        """What the columns do not show themselves: mechanism, selection, problems, estimate."""
        self._sync_mechanism(self.session.iso, board)
        names = board.libraries
        if self.selected not in names:
            self.selected = names[0] if names else None
        for chip in self.query(LibraryChip):
            chip.set_class(chip.lib.name == self.selected, "-selected")
        self.query_one("#problems", Static).update(self._problem_text(list(board.problems)))
        self.query_one(SafetyLine).show(self.session)

    def _sync_mechanism(self, iso: IsolationConfig, board: Board) -> None:
        with self.prevent(Select.Changed, Checkbox.Changed):
            self.query_one("#driver", Select).value = iso.driver
            stacks = self.query_one("#stacks", Select)
            stacks.value = "shared" if iso.shared_stacks else "private"
            stacks.disabled = iso.driver != MPK
            dss = self.query_one("#dss", Checkbox)
            dss.value = iso.dss
            dss.disabled = iso.driver != MPK or iso.shared_stacks
        notes = [MECHANISM_NOTES[iso.driver]] if iso.driver in MECHANISM_NOTES else []
        notes += [f"⚠ {p.message}" for key in ("dss", "stacks", "tlsf", "heap_size") for p in board.problems_of(key)]
        self.query_one("#mechanism-note", Static).update("\n".join(notes))

    @staticmethod
    def _problem_text(problems: list[Problem]) -> str:
        if not problems:
            return "✓ no problems: this configuration can be built"
        errors = [p for p in problems if p.severity == "error"]
        head = f"{len(errors)} problem(s) to fix before building" if errors else "warnings"
        return head + ":\n" + "\n".join(f"  {'⚠' if p.severity == 'error' else '·'} {p.message}" for p in problems)

    # -- selection ---------------------------------------------------------------
    @on(LibraryChip.Selected)
    def _chip_selected(self, message: LibraryChip.Selected) -> None:
        self.select(message.name)

    def select(self, name: str | None) -> None:
        self.selected = name
        for chip in self.query(LibraryChip):
            chip.set_class(chip.lib.name == name, "-selected")
            if chip.lib.name == name:
                chip.query_ancestor(ChipList).scroll_to_widget(chip, animate=False)
                self.query_one(Columns).scroll_to_widget(chip.query_ancestor(CompartmentColumn), animate=False)

    def _grid(self) -> list[list[str]]:
        return [[chip.lib.name for chip in column.query(LibraryChip)] for column in self.query(CompartmentColumn)]

    def _position(self) -> tuple[int, int] | None:
        for c, names in enumerate(self._grid()):
            if self.selected in names:
                return c, names.index(self.selected)
        return None

    def action_select_column(self, delta: int) -> None:
        grid, pos = self._grid(), self._position()
        if pos is None:
            return
        c = pos[0] + delta
        while 0 <= c < len(grid) and not grid[c]:
            c += delta
        if 0 <= c < len(grid):
            self.select(grid[c][min(pos[1], len(grid[c]) - 1)])

    def action_select_row(self, delta: int) -> None:
        grid, pos = self._grid(), self._position()
        if pos is None:
            return
        column = grid[pos[0]]
        self.select(column[max(0, min(len(column) - 1, pos[1] + delta))])

    # -- moves ------------------------------------------------------------------
    def move_library(self, name: str, compartment: str) -> None:
        self.session.move_library(name, compartment)
        self.selected = name

    def action_move(self, delta: int) -> None:
        pos = self._position()
        comps = self.session.iso.compartments
        if pos is None or self.selected is None:
            return
        target = pos[0] + delta
        if 0 <= target < len(comps):
            self.move_library(self.selected, comps[target].name)

    def action_move_to(self, number: int) -> None:
        comps = self.session.iso.compartments
        if self.selected is None:
            return
        if number - 1 < len(comps):
            self.move_library(self.selected, comps[number - 1].name)
        else:
            self.notify(f"there is no compartment {number}; press n to add one", severity="warning")

    @on(Draggable.Dropped)
    def _dropped(self, message: Draggable.Dropped) -> None:
        chip = message.draggable
        if not isinstance(chip, LibraryChip):
            return
        self.select(chip.lib.name)
        zone = message.zone
        if isinstance(zone, CompartmentColumn) and not zone.declared:
            self.notify(f"{zone.comp_name} is not declared: drop the library on a declared "
                        "compartment", severity="warning")
        elif isinstance(zone, CompartmentColumn):
            if self.session.iso.compartment_of(chip.lib.name) != zone.comp_name or not chip.lib.in_kraft:
                self.move_library(chip.lib.name, zone.comp_name)
        elif zone is None or isinstance(zone, NewCompartmentZone):
            self.action_new_compartment()

    def action_cancel_drag(self) -> None:
        for chip in self.query(LibraryChip):
            if chip.dragging:
                chip.cancel_drag()
                self.notify("drag cancelled", timeout=2)

    # -- compartments -----------------------------------------------------------
    def _name_check(self, current: str | None = None):
        taken = {c.name for c in self.session.iso.compartments} - {current}

        def check(name: str) -> str | None:
            if not name or not name.replace("-", "").replace("_", "").isalnum():
                return "use letters, digits, - and _"
            if name in taken:
                return f"{name} exists already"
            return None
        return check

    def action_new_compartment(self) -> None:
        iso = self.session.iso
        limit = MAX_COMPARTMENTS.get(iso.driver)
        if limit is not None and len(iso.compartments) >= limit:
            self.notify(f"{DRIVER_LABELS[iso.driver]} allows at most {limit} compartments", severity="error")
            return
        suggestion = f"comp{len(iso.compartments) + 1}"
        lib = self.selected
        title = f"New compartment (with {lib} in it)" if lib else "New compartment"

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            self.session.add_compartment(result[0], lib)

        self.app.push_screen(NameDialog(title, name=suggestion, check=self._name_check(),
                                        with_description=False, ok="Create"), done)

    def _selected_compartment(self) -> str | None:
        return self.session.iso.compartment_of(self.selected) if self.selected else None

    def action_rename(self) -> None:
        old = self._selected_compartment()
        if old is None:
            return

        def done(result: tuple[str, str] | None) -> None:
            if result and result[0] != old:
                self.session.rename_compartment(old, result[0])

        self.app.push_screen(NameDialog(f"Rename compartment {old}", name=old, check=self._name_check(old),
                                        with_description=False, ok="Rename"), done)

    def action_remove(self) -> None:
        name = self._selected_compartment()
        iso = self.session.iso
        if name is None:
            return
        if iso.default_compartment is not None and iso.default_compartment.name == name:
            self.notify("the default compartment cannot be removed; make another one the default (d)",
                        severity="error")
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.session.remove_compartment(name)

        members = ", ".join(iso.members(name)) or "no libraries"
        self.app.push_screen(ConfirmDialog(f"Remove compartment {name}? Its libraries ({members}) "
                                           "go to the default compartment.", yes="Remove"), done)

    def action_set_default(self) -> None:
        name = self._selected_compartment()
        if name is not None:
            self.session.set_default(name)

    # -- hardening and mechanism --------------------------------------------------
    def _set_hardening(self, make) -> None:
        name = self.selected
        if name is None:
            return

        lib = self.session.iso.libraries.get(name)
        self.session.set_hardening(name, make(lib.hardening if lib else Hardening()))

    def action_harden(self) -> None:
        self._set_hardening(lambda h: Hardening() if h.all else Hardening.full())

    def action_toggle_hardening(self, field: str) -> None:
        self._set_hardening(lambda h: replace(h, **{field: not getattr(h, field)}))

    def action_cycle_mechanism(self) -> None:
        driver = DRIVERS[(DRIVERS.index(self.session.iso.driver) + 1) % len(DRIVERS)]
        self.session.set_driver(driver)

    def action_toggle_stacks(self) -> None:
        self.session.set_shared_stacks(not self.session.iso.shared_stacks)

    def action_toggle_dss(self) -> None:
        self.session.set_dss(not self.session.iso.dss)

    # The controls report a change also when they first show a value; only a
    # control the user touched (it has the focus) speaks for the user.
    @on(Select.Changed, "#driver")
    def _driver_changed(self, event: Select.Changed) -> None:
        if event.select.has_focus_within and isinstance(event.value, str) and event.value != self.session.iso.driver:
            self.session.set_driver(event.value)

    @on(Select.Changed, "#stacks")
    def _stacks_changed(self, event: Select.Changed) -> None:
        shared = event.value == "shared"
        if event.select.has_focus_within and shared != self.session.iso.shared_stacks:
            self.session.set_shared_stacks(shared)

    @on(Checkbox.Changed, "#dss")
    def _dss_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.has_focus and event.value != self.session.iso.dss:
            self.session.set_dss(event.value)

    def action_save(self) -> None:
        """Saving never waits for validation: work in progress is kept, with a warning."""
        try:
            written = self.session.save()
        except OSError as e:
            self.notify(f"Not saved: {e}", severity="error", timeout=10)
            return
        names = ", ".join(p.name for p in written) or "nothing (files were up to date)"
        errors = [p for p in self.session.problems() if p.severity == "error"]
        if errors:
            self.notify(f"Saved {names}, with {len(errors)} problem(s) to fix before building: "
                        f"{errors[0].message}", severity="warning", timeout=8)
        else:
            self.notify(f"Saved: {names}", timeout=4)

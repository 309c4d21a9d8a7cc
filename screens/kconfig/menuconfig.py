"""The Kconfig screen: menuconfig's menu tree, keys and modes, plus undo, diff and fixes.

The keys are those of mconf and kconfiglib's menuconfig (arrows and vi keys,
Enter/Esc into and out of menus, Space/y/n/m, `/`, `?`, show-all/-name/
-help, save, load, save minimal). Beyond them: `w` explains why an entry is
locked and offers to unlock it, `D` lists the changes (each revertible),
`u`/ctrl+r undo and redo, `b` returns from a jump.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.markup import escape
from textual.widgets import Static

from flexui.model.kconfig.info import EntryInfo, entry_info
from flexui.model.kconfig.menu import (
    MenuNavigator,
    Row,
    changeable,
    is_y_choice_symbol,
    key_value,
    needs_entry,
    prefers_toggle,
    prompt_of,
    toggled_value,
)
from flexui.model.kconfig.search import SearchIndex
from flexui.model.perf.symbol_costs import symbol_costs
from flexui.model.session.edit_session import SessionEvent
from flexui.screens.base import SessionScreen
from flexui.screens.kconfig.diff import DiffDialog
from flexui.screens.kconfig.entry_list import VirtualList
from flexui.screens.kconfig.explain import WhyNotDialog
from flexui.screens.kconfig.info import InfoDialog
from flexui.screens.kconfig.path import PathDialog
from flexui.screens.kconfig.search import SearchDialog, SearchResult
from flexui.screens.kconfig.value import ValueDialog
from flexui.screens.widgets.chrome import crumbs
from flexui.screens.widgets.quiet_static import QuietStatic
from flexui.screens.widgets.safety_line import SafetyLine


class MenuList(VirtualList):
    """The open menu's entries, styled like menuconfig's (value box, name, prompt)."""

    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {
        "menu-list--value", "menu-list--locked", "menu-list--name", "menu-list--new",
        "menu-list--hidden", "menu-list--submenu", "menu-list--cost", "menu-list--comment"}

    def __init__(self, nav: MenuNavigator) -> None:
        super().__init__(self.styled_row, id="kconfig-menu", row_key=lambda i: nav.row(i))
        self.nav = nav

    def styled_row(self, index: int) -> Text:
        row = self.nav.row(index)
        style = self.get_component_rich_style
        text = Text()
        for part, role in row.parts():
            text.append(part, style(f"menu-list--{role}") if role else "")
        if not row.visible:
            text.stylize(style("menu-list--hidden"))
        return text

    def value_box_width(self, row: Row) -> int:
        return 3 + row.indent


class MenuconfigScreen(SessionScreen):
    MODE = "kconfig"
    CSS_PATH = "menuconfig.tcss"
    RENDERS_ON_MOUNT = True
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "edge(0)", "First", show=False),
        Binding("end,G", "edge(1)", "Last", show=False),
        Binding("enter,right,l", "activate", "Open/edit"),
        Binding("space", "toggle_entry", "Toggle"),
        Binding("escape,left,h,backspace", "leave", "Up a menu", show=False),
        Binding("y", "set_tri('y')", "Set to y (built in)", show=False),
        Binding("m", "set_tri('m')", "Set to m (module)", show=False),
        Binding("n", "set_tri('n')", "Set to n (off)", show=False),
        Binding("slash", "search", "Search"),
        Binding("question_mark", "info", "Info"),
        Binding("w", "why_not", "Why?"),
        Binding("D", "diff", "Diff"),
        Binding("K", "take_kraft_side", "Take kraft.yaml's side", show=False),
        Binding("u", "undo", "Undo"),
        Binding("ctrl+r", "redo", "Redo", show=False),
        Binding("b", "back", "Back from jump", show=False),
        Binding("a", "show_all", "Show all", show=False),
        Binding("c", "show_name", "Show names", show=False),
        Binding("f,H", "show_help", "Show help", show=False),
        Binding("s", "save", "Save"),
        Binding("o", "open_config", "Load .config", show=False),
        Binding("d", "save_minimal", "Save minimal", show=False),
        Binding("T", "app.change_theme", "Theme", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._nav: MenuNavigator | None = None
        self.show_help = False
        self._index: SearchIndex | None = None
        self._last_search: SearchResult | None = None

    # -- layout ---------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        self._nav = MenuNavigator(self.session.kconf, costs=symbol_costs(self.app.benchmarks[0]))
        yield QuietStatic(id="kconfig-breadcrumb")
        yield SafetyLine(id="safety-summary")
        yield MenuList(self.nav)
        yield Static(id="kconfig-helpbox")

    @property
    def nav(self) -> MenuNavigator:
        """The menu's navigator, made when the screen is composed."""
        if self._nav is None:
            raise RuntimeError("the Kconfig screen is not composed yet")
        return self._nav

    @property
    def menu_list(self) -> MenuList:
        return self.query_one(MenuList)

    def on_mount(self) -> None:
        self.set_timer(1.0, lambda: self.app.learn_first_frame(self.nav))  # once focus has settled
        self.call_after_refresh(self.query_one(SafetyLine).show, self.session)  # after the first menu
        self.menu_list.focus()
        self._redraw()
        disagreements = self.session.kraft_disagreements()
        if disagreements:
            shown = "; ".join(str(d) for d in disagreements[:3])
            more = f" (and {len(disagreements) - 3} more)" if len(disagreements) > 3 else ""
            self.notify(f"{shown}{more}. K takes kraft.yaml's side, as kraft configure would",
                        title="kraft.yaml disagrees with .config", severity="warning", timeout=20)

    def refresh_from_session(self, event: SessionEvent | None) -> None:
        if self._nav is None or not self.is_mounted:
            return
        self.query_one(SafetyLine).show(self.session)
        if self.nav.kconf is not self.session.kconf:  # a preset reloaded the tree
            self.nav.retarget(self.session.kconf)
            self._index = None
            self._redraw()
            return
        if event is not None and event.kind in ("edit", "undo", "redo", "loaded") \
                and not event.changes:
            self._update_chrome()
            return
        before, index = self.nav.shown, self.nav.index
        self.nav.refresh()
        same_rows = len(before) == len(self.nav.shown) and all(
            a is b for a, b in zip(before, self.nav.shown))
        if same_rows and index == self.nav.index and self.menu_list.count == len(before) \
                and self.menu_list.refresh_changed():
            self._update_chrome()
            return
        self._redraw()

    def _redraw(self) -> None:
        """The open menu changed (entries, values or modes): repaint the list."""
        self.menu_list.reset(len(self.nav.shown), self.nav.index)
        self._update_chrome()

    def _update_chrome(self) -> None:
        trail = escape(crumbs(self.nav))
        modes = [m for m, on in (("show-all", self.nav.show_all), ("names", self.nav.show_name),
                                 ("help", self.show_help)) if on]
        flags = f"  [dim]({', '.join(modes)})[/dim]" if modes else ""
        back = "  [dim]b: back to where you jumped from[/dim]" if self.nav.can_go_back else ""
        self.query_one("#kconfig-breadcrumb", QuietStatic).show_text(f"{trail}{flags}{back}")
        self._update_helpbox()

    def _update_helpbox(self) -> None:
        box = self.query_one("#kconfig-helpbox", Static)
        box.display = self.show_help
        if not self.show_help:
            return
        node = self.nav.selected
        item = node.item if node is not None else None
        text = getattr(node, "help", None)
        name = getattr(item, "name", None)
        header = f"CONFIG_{name}: " if isinstance(name, str) and item.__class__.__name__ == "Symbol" else ""
        box.update(Text(header + (text or "(no help text)")))

    # -- moving -----------------------------------------------------------------------
    def _moved(self) -> None:
        self.menu_list.move_cursor(self.nav.index)
        if self.show_help:
            self._update_helpbox()

    def action_cursor(self, delta: int) -> None:
        self.nav.move(delta)
        self._moved()

    def action_page(self, direction: int) -> None:
        self.nav.move(direction * self.menu_list.page)
        self._moved()

    def action_edge(self, end: int) -> None:
        self.nav.select(len(self.nav.shown) - 1 if end else 0)
        self._moved()

    def on_virtual_list_clicked(self, event: VirtualList.Clicked) -> None:
        """A click selects; a click on the value box (or a double click) acts."""
        event.stop()
        self.nav.select(event.index)
        self._moved()
        row = self.nav.row(event.index)
        if event.chain >= 2:
            self.action_activate()
        elif row.value and event.x < self.menu_list.value_box_width(row):
            self.action_toggle_entry()

    # -- menus ------------------------------------------------------------------------
    def action_activate(self) -> None:
        """Enter a menu, or change the entry (toggle, pick, or type a value)."""
        node = self.nav.selected
        if node is None:
            return
        if node.is_menuconfig:
            if not self.nav.enter():
                self.notify("This menu is empty", timeout=2)
            else:
                self._redraw()
            return
        self._change(node, leave_choice=True)

    def action_toggle_entry(self) -> None:
        node = self.nav.selected
        if node is None:
            return
        if node.is_menuconfig and not prefers_toggle(node.item):
            self.action_activate()
            return
        self._change(node, leave_choice=False)

    def action_leave(self) -> None:
        if self.nav.leave():
            self._redraw()
        else:
            self.action_quit()

    def action_back(self) -> None:
        if self.nav.back():
            self._redraw()
        else:
            self.notify("No jump to come back from", timeout=2)

    # -- values -----------------------------------------------------------------------
    def _change(self, node, leave_choice: bool) -> None:
        if not changeable(node):
            self._explain_locked(node)
            return
        if needs_entry(node):
            self.app.push_screen(ValueDialog(node), lambda value: self._set(node, value))
            return
        value = toggled_value(node)
        if value is not None:
            self._set(node, value)
            if leave_choice and is_y_choice_symbol(node.item) and node.list is None and self.nav.leave():
                self._redraw()

    def _set(self, node, value) -> None:
        if value is None:
            return
        self.session.set_value(node.item, value)

    def action_set_tri(self, key: str) -> None:
        node = self.nav.selected
        if node is None or not hasattr(node.item, "assignable"):
            return
        value = key_value(node, key)
        if value is None:
            self._explain_locked(node, wanted=key)
            return
        self._set(node, value)

    def _explain_locked(self, node, wanted: str | None = None) -> None:
        if not hasattr(node.item, "assignable"):
            return
        what = f" to {wanted}" if wanted else ""
        self.notify(f"{prompt_of(node)} cannot be set{what} here: press w to see why",
                    severity="warning", timeout=4)

    # -- dialogs ----------------------------------------------------------------------
    def _roots(self) -> list[tuple[str, Path]]:
        tree = self.session.workdir.unikraft.parent
        roots = [(f"{self.session.app_dir.name}/", self.session.app_dir), ("", tree)]
        if self.session.loaded.build_dir is not None:
            roots.insert(0, ("(generated) ", self.session.loaded.build_dir))
        return roots

    def action_search(self) -> None:
        if self._index is None:
            self._index = SearchIndex(self.session.kconf)
        self.app.push_screen(SearchDialog(self._index, self._describe, self._last_search),
                             self._after_search)

    def _after_search(self, result: SearchResult | None) -> None:
        if result is None:
            return
        self._last_search = result
        if result.node is not None:
            self.nav.jump_to(result.node)
            self._redraw()

    def action_info(self) -> None:
        node = self.nav.selected
        if node is None:
            return
        self.app.push_screen(InfoDialog(node, self._describe(node)), self._after_info)

    def _describe(self, node) -> EntryInfo:
        unsaved = {c.name: c.old for c in self.session.changes_since_save()}
        return entry_info(node, unsaved, self._roots())

    def _after_info(self, open_why_not: bool | None) -> None:
        if open_why_not:
            self.action_why_not()

    def action_why_not(self) -> None:
        node = self.nav.selected
        if node is not None:
            self.app.push_screen(WhyNotDialog(node), self._apply_fix)

    def _apply_fix(self, fix: tuple[str, dict[str, str]] | None) -> None:
        if fix is None:
            return
        label, assignments = fix
        changes = self.session.set_many(assignments, label)
        self.notify(f"{label}: {len(changes)} values changed (u undoes)", timeout=4)

    def action_diff(self) -> None:
        self.app.push_screen(DiffDialog())

    def action_take_kraft_side(self) -> None:
        if not self.session.kraft_disagreements():
            self.notify("kraft.yaml and .config agree", timeout=3)
            return
        changes = self.session.take_kraft_side()
        self.notify(f"Took kraft.yaml's side (as kraft configure): {len(changes)} values changed "
                    "(u undoes)", timeout=6)

    # -- modes ------------------------------------------------------------------------
    def action_show_all(self) -> None:
        if not self.nav.toggle_show_all():
            self.notify("Show-all stays on: nothing in this menu would be visible", timeout=3)
        self._redraw()

    def action_show_name(self) -> None:
        self.nav.toggle_show_name()
        self._redraw()

    def action_show_help(self) -> None:
        self.show_help = not self.show_help
        self._update_chrome()

    # -- history ----------------------------------------------------------------------
    def action_undo(self) -> None:
        self.app.action_undo()

    def action_redo(self) -> None:
        self.app.action_redo()

    # -- files ------------------------------------------------------------------------
    def action_save(self) -> None:
        try:
            written = self.session.save()
        except OSError as e:
            self.notify(f"Not saved: {e}", severity="error", timeout=10)
            return
        names = ", ".join(p.name for p in written) or "nothing (files were up to date)"
        self.notify(f"Saved: {names}", timeout=4)
        self._update_chrome()

    def action_open_config(self) -> None:
        self.app.push_screen(PathDialog(
            "Load a .config into this session (undoable)", self.session.loaded.config_path,
            must_exist=True), self._load)

    def _load(self, path: Path | None) -> None:
        if path is None:
            return
        problems = self.session.config_problems(path)
        changes = self.session.load_config(path)
        for problem in problems:
            self.notify(str(problem), title="Ignored line", severity="warning", timeout=15)
        self.notify(f"Loaded {path.name}: {len(changes)} values changed (u undoes)", timeout=4)

    def action_save_minimal(self) -> None:
        self.app.push_screen(PathDialog(
            "Save a minimal configuration (only what differs from the defaults)",
            self.session.app_dir / "defconfig"), self._save_minimal)

    def _save_minimal(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            self.session.save_minimal(path)
        except OSError as e:
            self.notify(f"Not saved: {e}", severity="error", timeout=10)
            return
        self.notify(f"Saved minimal configuration to {path.name}", timeout=4)

    def action_quit(self) -> None:
        self.app.request_quit()

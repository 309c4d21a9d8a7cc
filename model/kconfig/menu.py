"""The menu tree as menuconfig shows it: which entries a menu lists and how each reads.

Users come from mconf and kconfiglib's menuconfig, so entries read the same
(`[*]`, `<M>`, `{*}`, `-*-`, `(X)`, `(value)`, `--->`, `(NEW)`) and the same
entries are listed: visible ones, plus everything in show-all mode. Only the
rows on screen are ever formatted, so a menu of thousands of entries costs
one list of nodes, not thousands of strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import kconfiglib
from kconfiglib import (
    BOOL,
    COMMENT,
    HEX,
    INT,
    MENU,
    STRING,
    TRISTATE,
    Choice,
    MenuNode,
    Symbol,
)

from flexui.model.kconfig.values import active_range, parse_number, range_text

SUBMENU_INDENT = 2
TRI_KEYS = {"n": 0, "m": 1, "y": 2}
TYPE_NAMES = {BOOL: "bool", TRISTATE: "tristate", INT: "int", HEX: "hex", STRING: "string"}

@dataclass(frozen=True)
class Row:
    """One menu entry, split in the parts the screen styles differently."""

    node: MenuNode
    indent: int
    value: str
    name: str
    label: str
    new: bool
    selection: str
    submenu: str
    visible: bool
    changeable: bool
    cost: str

    def parts(self) -> list[tuple[str, str]]:
        """(text, role) pieces in screen order; every renderer styles the same roles."""
        parts = [(f"{self.value:<{3 + self.indent}}", "value" if self.changeable else "locked")]
        if self.name:
            parts.append((f" {self.name}", "name"))
        if self.label:
            parts.append((f" {self.label}", "comment" if self.label.startswith("*** ") else ""))
        if self.new:
            parts.append((" (NEW)", "new"))
        if self.selection:
            parts.append((f" ({self.selection})", ""))
        if self.submenu:
            parts.append((f"  {self.submenu}", "submenu"))
        if self.cost:
            parts.append((f"  [{self.cost}]", "cost"))
        return parts

    def text(self) -> str:
        """The entry as one plain line, like menuconfig prints it."""
        return "".join(text for text, _ in self.parts())


# -- which entries a menu shows ---------------------------------------------
def visible(node: MenuNode) -> bool:
    """Whether the entry's prompt is shown (menus also need their `visible if`)."""
    if not node.prompt or not kconfiglib.expr_value(node.prompt[1]):
        return False
    return not (node.item is MENU and not kconfiglib.expr_value(node.visibility))


def shown_nodes(menu: MenuNode, show_all: bool = False) -> list[MenuNode]:
    """Entries listed when `menu` is open; children of non-menu entries follow indented."""

    def walk(node: MenuNode | None) -> list[MenuNode]:
        result: list[MenuNode] = []
        while node is not None:
            if show_all or visible(node):
                result.append(node)
                if node.list is not None and not node.is_menuconfig:
                    result += walk(node.list)
            elif node.list is not None and isinstance(node.item, Symbol):
                # An invisible symbol (optional prompt switched off) with visible children.
                children = walk(node.list)
                if children:
                    result.append(node)
                    if not node.is_menuconfig:
                        result += children
            node = node.next
        return result

    if isinstance(menu.item, Choice):
        # A choice defined in several places lists all its symbols everywhere.
        return [n for choice_node in menu.item.nodes for n in walk(choice_node.list)]
    return walk(menu.list)


def parent_menu(node: MenuNode) -> MenuNode:
    """The menu (menu, choice or menuconfig entry) whose screen lists `node`."""
    menu = node.parent
    while not menu.is_menuconfig:
        menu = menu.parent
    return menu


def menu_path(node: MenuNode) -> list[str]:
    """Prompts of the menus one enters to reach `node`, top first (top and node excluded)."""
    path = []
    top = node.kconfig.top_node
    while node is not top:
        node = parent_menu(node)
        if node is not top:
            path.append(prompt_of(node))
    return list(reversed(path))


def prompt_of(node: MenuNode) -> str:
    """The text a user knows the entry by: its prompt, else its name."""
    if node.prompt:
        return node.prompt[0]
    item = node.item
    return item.name if isinstance(item, Symbol) else kconfiglib.standard_sc_expr_str(item)


# -- how an entry reads -----------------------------------------------------
def is_y_choice_symbol(item: object) -> bool:
    return isinstance(item, Symbol) and item.choice is not None and item.choice.tri_value == 2


def value_str(node: MenuNode) -> str:
    """The value box: `[*]`, `<M>`, `{*}`, `-*-`, `(X)`, `(text)`, or nothing."""
    item = node.item
    if item is MENU or item is COMMENT or not item.orig_type:
        return ""
    if item.orig_type in (STRING, INT, HEX):
        return f"({item.str_value})"
    if is_y_choice_symbol(item):
        return "(X)" if item.choice.selection is item else "( )"
    mark = " M*"[item.tri_value]
    if len(item.assignable) <= 1:
        return "" if isinstance(item, Choice) else f"-{mark}-"
    if item.type == BOOL:
        return f"[{mark}]"
    return f"{{{mark}}}" if item.assignable == (1, 2) else f"<{mark}>"


def indent_of(node: MenuNode) -> int:
    """Entries that depend on the entry above them are indented under it."""
    indent = 0
    parent = node.parent
    while not parent.is_menuconfig:
        indent += SUBMENU_INDENT
        parent = parent.parent
    return indent


def is_new(node: MenuNode) -> bool:
    """`(NEW)`: a symbol the loaded .config (and the user) never set."""
    sym = node.item
    return (isinstance(sym, Symbol) and node.prompt is not None and sym.user_value is None
            and bool(sym.orig_type) and not is_y_choice_symbol(sym))


def choice_selection(node: MenuNode) -> str:
    """Prompt of the chosen symbol, shown after a choice in y mode."""
    choice = node.item
    if not isinstance(choice, Choice) or choice.tri_value != 2 or choice.selection is None:
        return ""
    sym_nodes = choice.selection.nodes
    for sym_node in sorted(sym_nodes, key=lambda n: n.parent is not node):
        if sym_node.prompt:
            return sym_node.prompt[0]
    return ""


def make_row(node: MenuNode, *, show_name: bool = False, show_all: bool = False,
             costs: Mapping[str, str] | None = None) -> Row:
    item = node.item
    named = isinstance(item, (Symbol, Choice))
    name = ""
    if named and (show_name or not node.prompt):
        name = f"<{item.name}>" if isinstance(item, Symbol) else \
            kconfiglib.standard_sc_expr_str(item)
    label = ""
    if node.prompt:
        label = f"*** {node.prompt[0]} ***" if item is COMMENT else node.prompt[0]
    submenu = ""
    if node.is_menuconfig:
        submenu = "--->" if shown_nodes(node, show_all) else "----"
    cost = (costs or {}).get(item.name, "") if named and item.name else ""
    return Row(node=node, indent=indent_of(node), value=value_str(node), name=name,
               label=label, new=is_new(node), selection=choice_selection(node),
               submenu=submenu, visible=visible(node), changeable=changeable(node), cost=cost)


# -- changing values --------------------------------------------------------
def changeable(node: MenuNode) -> bool:
    """Whether the user can change the entry from the menu (as menuconfig decides)."""
    item = node.item
    if not isinstance(item, (Symbol, Choice)):
        return False
    if not (node.prompt and kconfiglib.expr_value(node.prompt[1])):
        return False
    return item.orig_type in (STRING, INT, HEX) or len(item.assignable) > 1 \
        or is_y_choice_symbol(item)


def needs_entry(node: MenuNode) -> bool:
    """int, hex and string values are typed, not toggled."""
    return isinstance(node.item, Symbol) and node.item.orig_type in (STRING, INT, HEX)


def prefers_toggle(item: object) -> bool:
    """Space toggles a menuconfig symbol (or a tristate choice) instead of entering it."""
    return isinstance(item, Symbol) or (isinstance(item, Choice) and len(item.assignable) > 1)


def toggled_value(node: MenuNode) -> int | None:
    """The value Space gives a bool/tristate entry: the next assignable one, wrapping."""
    item = node.item
    if not changeable(node) or needs_entry(node):
        return None
    if len(item.assignable) == 1:
        return item.assignable[0]
    if item.tri_value not in item.assignable:
        return item.assignable[0]
    return item.assignable[(item.assignable.index(item.tri_value) + 1) % len(item.assignable)]


def key_value(node: MenuNode, key: str) -> int | None:
    """The value `y`, `m` or `n` sets, when the entry can take it."""
    item = node.item
    value = TRI_KEYS.get(key)
    if value is None or not isinstance(item, (Symbol, Choice)) or not changeable(node):
        return None
    return value if value in item.assignable else None


def parse_entry(sym: Symbol, text: str) -> tuple[str | None, str]:
    """Check a typed value: (value to set, "") or (None, why it is refused)."""
    if sym.orig_type == STRING:
        return text, ""
    text = text.strip()
    if sym.orig_type == HEX and not text.lower().startswith("0x"):
        text = "0x" + text
    number = parse_number(sym, text)
    if number is None:
        return None, f"'{text}' is not a valid {TYPE_NAMES[sym.orig_type]} value"
    bounds = active_range(sym)
    if bounds is not None and not bounds[0] <= number <= bounds[1]:
        return None, f"{text} is outside the {range_text(sym)}"
    return text, ""


# -- navigation -------------------------------------------------------------
class MenuNavigator:
    """Where the user is in the menu tree: open menu, its entries, the selection.

    Entries are recomputed only when values or modes change (`refresh`);
    rows are formatted on demand and cached until the next refresh.
    """

    def __init__(self, kconf: kconfiglib.Kconfig, *, show_all: bool = False,
                 show_name: bool = False, costs: Mapping[str, str] | None = None) -> None:
        self.kconf = kconf
        self.show_all = show_all
        self.show_name = show_name
        self.costs = dict(costs or {})
        self.menu: MenuNode = kconf.top_node
        self.shown: list[MenuNode] = []
        self.index = 0
        self._rows: dict[int, Row] = {}
        self._returns: list[tuple[MenuNode, MenuNode | None]] = []
        self.refresh()

    def retarget(self, kconf: kconfiglib.Kconfig) -> None:
        """Show another Kconfig tree (a preset with other libraries reloads it), from its top."""
        self.kconf = kconf
        self.menu = kconf.top_node
        self.index = 0
        self._returns.clear()
        self.refresh()

    # -- state ---------------------------------------------------------------
    @property
    def selected(self) -> MenuNode | None:
        return self.shown[self.index] if self.shown else None

    def row(self, i: int) -> Row:
        row = self._rows.get(i)
        if row is None:
            row = self._rows[i] = make_row(self.shown[i], show_name=self.show_name,
                                           show_all=self.show_all, costs=self.costs)
        return row

    def breadcrumb(self) -> list[str]:
        """Menu prompts from the top menu to the open one."""
        top = self.kconf.top_node
        if self.menu is top:
            return [prompt_of(top)]
        return [prompt_of(top), *menu_path(self.menu), prompt_of(self.menu)]

    def refresh(self) -> None:
        """Recompute the entries after a value or mode change, keeping the selection."""
        old = self.selected
        old_shown = self.shown
        self.shown = shown_nodes(self.menu, self.show_all)
        self._rows.clear()
        if not self.shown and self.menu is not self.kconf.top_node:
            # The open menu emptied (e.g. its dependency was switched off): go up.
            self._leave_to_parent()
            return
        self._reselect(old, old_shown)

    def _reselect(self, old: MenuNode | None, old_shown: list[MenuNode]) -> None:
        if old is None:
            self.index = 0
            return
        positions = {id(n): i for i, n in enumerate(self.shown)}
        old_index = next((i for i, n in enumerate(old_shown) if n is old), 0)
        for candidate in [*old_shown[old_index::-1], *old_shown[old_index + 1:]]:
            if id(candidate) in positions:
                self.index = positions[id(candidate)]
                return
        self.index = min(self.index, max(len(self.shown) - 1, 0))

    def invalidate_rows(self) -> None:
        self._rows.clear()

    # -- moving ----------------------------------------------------------------
    def move(self, delta: int) -> None:
        if self.shown:
            self.index = max(0, min(len(self.shown) - 1, self.index + delta))

    def select(self, i: int) -> None:
        if 0 <= i < len(self.shown):
            self.index = i

    def enter(self, node: MenuNode | None = None) -> bool:
        """Open `node` (default: the selection) if it is a non-empty menu."""
        node = node if node is not None else self.selected
        if node is None or not node.is_menuconfig:
            return False
        entries = shown_nodes(node, self.show_all)
        if not entries:
            return False
        self.menu, self.shown, self.index = node, entries, 0
        self._rows.clear()
        self._select_choice_selection()
        return True

    def leave(self) -> bool:
        """Go up to the parent menu with the menu just left selected."""
        if self.menu is self.kconf.top_node:
            return False
        self._leave_to_parent()
        return True

    def _leave_to_parent(self) -> None:
        left = self.menu
        self.menu = parent_menu(left)
        self.shown = shown_nodes(self.menu, self.show_all)
        self._rows.clear()
        if not self.shown and self.menu is not self.kconf.top_node:
            self._leave_to_parent()
            return
        self.index = next((i for i, n in enumerate(self.shown) if n is left), 0)

    def _select_choice_selection(self) -> None:
        choice = self.menu.item
        if isinstance(choice, Choice) and choice.selection is not None:
            for i, n in enumerate(self.shown):
                if n.item is choice.selection:
                    self.index = i
                    return

    def jump_to(self, node: MenuNode) -> None:
        """Show `node` in its menu (turning on show-all if it is hidden); `back` returns."""
        self._returns.append((self.menu, self.selected))
        into = (isinstance(node.item, Choice) or node.item is MENU) and node.list is not None
        self.menu = node if into else parent_menu(node)
        target = node.list if into else node
        self.shown = shown_nodes(self.menu, self.show_all)
        if target not in self.shown and not self.show_all:
            self.show_all = True
            self.shown = shown_nodes(self.menu, True)
        self._rows.clear()
        self.index = next((i for i, n in enumerate(self.shown) if n is target), 0)
        if into:
            self._select_choice_selection()

    @property
    def can_go_back(self) -> bool:
        return bool(self._returns)

    def back(self) -> bool:
        """Return to where the user was before the last jump."""
        if not self._returns:
            return False
        menu, node = self._returns.pop()
        self.menu = menu
        self.shown = shown_nodes(menu, self.show_all)
        self._rows.clear()
        if not self.shown and menu is not self.kconf.top_node:
            self._leave_to_parent()
            return True
        self.index = next((i for i, n in enumerate(self.shown) if n is node), 0)
        return True

    # -- modes -----------------------------------------------------------------
    def toggle_show_all(self) -> bool:
        """Flip show-all; stays on if turning it off would leave this menu empty."""
        old, old_shown = self.selected, self.shown
        self.show_all = not self.show_all
        shown = shown_nodes(self.menu, self.show_all)
        if not shown:
            self.show_all = True
            return False
        self.shown = shown
        self._rows.clear()
        self._reselect(old, old_shown)
        return True

    def toggle_show_name(self) -> None:
        self.show_name = not self.show_name
        self._rows.clear()

""""Why can't I change this?" and the one action that fixes it.

An entry cannot be changed when its prompt is hidden (unmet dependencies),
when a `select` pins its value, when a dependency set to m caps it at m, or
when it has no prompt at all. `explain` names the blocking expression with
each term's current value; `plan_fix` finds assignments that unblock it
(enable the dependency chain, or turn off what selects it) by trying them on
the live configuration and putting every value back afterwards, so the
preview lists exactly the changes that applying the plan will make.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import kconfiglib
from kconfiglib import (
    AND,
    BOOL,
    EQUAL,
    MENU,
    NOT,
    OR,
    TRI_TO_STR,
    TRISTATE,
    UNEQUAL,
    Choice,
    MenuNode,
    Symbol,
)

from flexui.model.kconfig import state as ks
from flexui.model.kconfig.info import expr_with_values, split_terms
from flexui.model.kconfig.menu import changeable, prompt_of
from flexui.model.kconfig.refusal import true_terms

# kconfiglib's expressions: a Symbol or Choice, or a tuple (operator, operand, operand)
Expr: TypeAlias = "Symbol | Choice | tuple"
SEARCH_BUDGET = 5000  # symbol visits per plan: bounds the search on pathological trees


@dataclass(frozen=True)
class Term:
    text: str
    met: bool


@dataclass(frozen=True)
class Blocker:
    message: str
    op: str = ""
    terms: tuple[Term, ...] = ()

    @property
    def expression(self) -> str:
        return f" {self.op} ".join(t.text for t in self.terms)


@dataclass(frozen=True)
class Explanation:
    title: str
    editable: bool
    blockers: tuple[Blocker, ...]

    def text(self) -> str:
        lines = [self.title]
        for b in self.blockers:
            lines.append(b.message)
            lines += [f"  {'ok ' if t.met else 'NO '} {t.text}" for t in b.terms]
        return "\n".join(lines)


@dataclass(frozen=True)
class Plan:
    goal: str
    assignments: tuple[tuple[str, str], ...]
    changes: tuple[ks.SymbolChange, ...]
    reached: bool

    @property
    def as_dict(self) -> dict[str, str]:
        return dict(self.assignments)


def _terms(expr: object, need: int) -> tuple[str, tuple[Term, ...]]:
    op, operands = split_terms(expr)
    return op, tuple(Term(expr_with_values(t), kconfiglib.expr_value(t) >= need) for t in operands)


def _active(expr: object) -> tuple[Term, ...]:
    return tuple(Term(expr_with_values(t), True) for t in true_terms(expr))


# -- explaining -------------------------------------------------------------
def explain(node: MenuNode) -> Explanation:
    item = node.item
    title = f"CONFIG_{item.name}" if isinstance(item, Symbol) else prompt_of(node)
    if not isinstance(item, (Symbol, Choice)):
        return _explain_menu(node, title)
    blockers: list[Blocker] = []
    prompted = [n for n in item.nodes if n.prompt]
    if not prompted:
        blockers.append(_no_prompt(item))
    elif not any(kconfiglib.expr_value(n.prompt[1]) for n in prompted):
        shown = node if node.prompt else prompted[0]
        op, terms = _terms(shown.prompt[1], 1)
        blockers.append(Blocker("Hidden: its prompt needs", op, terms))
        if isinstance(item, Symbol) and item.choice is not None:
            blockers += _hidden_choice(item.choice)
    elif isinstance(item, Choice):
        return Explanation(title, True, ())
    elif item.orig_type in (BOOL, TRISTATE):
        blockers += _pinned(item)
    editable = changeable(node)
    if not blockers and not editable:
        blockers.append(Blocker("It has a single possible value here"))
    return Explanation(title, editable, tuple(blockers))


def _explain_menu(node: MenuNode, title: str) -> Explanation:
    blockers = []
    if node.prompt and not kconfiglib.expr_value(node.prompt[1]):
        op, terms = _terms(node.prompt[1], 1)
        blockers.append(Blocker("Hidden: it depends on", op, terms))
    if node.item is MENU and not kconfiglib.expr_value(node.visibility):
        op, terms = _terms(node.visibility, 1)
        blockers.append(Blocker("Hidden: it is visible only if", op, terms))
    return Explanation(title, False, tuple(blockers) or
                       (Blocker("Menus and comments have no value to change"),))


def _hidden_choice(choice: Choice) -> list[Blocker]:
    for node in choice.nodes:
        if node.prompt and not kconfiglib.expr_value(node.prompt[1]):
            op, terms = _terms(node.prompt[1], 1)
            return [Blocker(f'Its choice "{node.prompt[0]}" is hidden: it needs', op, terms)]
    return []


def _no_prompt(item: Symbol | Choice) -> Blocker:
    sources = []
    if isinstance(item, Symbol) and kconfiglib.expr_value(item.rev_dep):
        sources = list(_active(item.rev_dep))
    return Blocker("No prompt: its value comes only from defaults and selects"
                   + (", now from a select by" if sources else ""), "||", tuple(sources))


def _pinned(sym: Symbol) -> list[Blocker]:
    blockers = []
    selected = kconfiglib.expr_value(sym.rev_dep)
    if selected and len(sym.assignable) <= 1:
        blockers.append(Blocker(f"Forced to {TRI_TO_STR[selected]}: selected by", "||",
                                _active(sym.rev_dep)))
    if sym.visibility == 1 and sym.orig_type == TRISTATE:
        op, terms = _terms(sym.direct_dep, 2)
        blockers.append(Blocker("Limited to m: a dependency is m", op, terms))
    return blockers


# -- planning ---------------------------------------------------------------
def fix_goal(node: MenuNode) -> str:
    """What the fix does: "enable" (show and switch on), "show" or "disable"."""
    item = node.item
    if not isinstance(item, Symbol) or item.orig_type not in (BOOL, TRISTATE):
        return "show"
    if item.tri_value == 0:
        return "enable"
    if not any(n.prompt and kconfiglib.expr_value(n.prompt[1]) for n in item.nodes):
        return "show" if any(n.prompt for n in item.nodes) else "disable"
    if kconfiglib.expr_value(item.rev_dep) and len(item.assignable) <= 1:
        return "disable"
    return "enable"


def plan_fix(node: MenuNode) -> Plan:
    """The assignments that unblock `node`, tried on the live configuration and undone."""
    kconf = node.kconfig
    goal = fix_goal(node)
    saved = ks.capture(kconf)
    before = ks.values(kconf)
    planner = _Planner(kconf)
    item = node.item
    try:
        if goal == "disable":
            reached = planner.lower(item, 0)
        elif goal == "enable":
            reached = planner.attempt(lambda: planner.raise_sym(item, 2)) or \
                planner.attempt(lambda: planner.raise_sym(item, 1))
        else:
            reached = planner.show(node)
        changes = tuple(ks.diff(before, ks.values(kconf)))
        assignments = tuple(planner.assigned.items())
    finally:
        ks.restore(kconf, saved)
    return Plan(goal, assignments, changes if reached else (), reached)


class _Planner:
    """Depth-first search for assignments, applied as it goes (with rollback)."""

    def __init__(self, kconf: kconfiglib.Kconfig) -> None:
        self.kconf = kconf
        self.assigned: dict[str, str] = {}
        self._busy: set[str] = set()
        self._budget = SEARCH_BUDGET

    # -- rollback --------------------------------------------------------------
    def _mark(self) -> tuple[ks.KconfigState, dict[str, str]]:
        return ks.capture(self.kconf), dict(self.assigned)

    def _rollback(self, mark: tuple[ks.KconfigState, dict[str, str]]) -> None:
        ks.restore(self.kconf, mark[0])
        self.assigned = dict(mark[1])

    def attempt(self, fn: Callable[..., bool]) -> bool:
        mark = self._mark()
        if fn():
            return True
        self._rollback(mark)
        return False

    def _cheapest(self, options: list[Callable[..., bool]]) -> bool:
        """Try each option; keep the one needing the fewest assignments."""
        start = self._mark()
        best = None
        for option in options:
            if option():
                candidate = self._mark()
                if best is None or len(candidate[1]) < len(best[1]):
                    best = candidate
            self._rollback(start)
        if best is None:
            return False
        self._rollback(best)
        return True

    def _set(self, sym: Symbol, value: int | str) -> None:
        sym.set_value(value)
        self.assigned.pop(sym.name, None)
        self.assigned[sym.name] = TRI_TO_STR[value] if isinstance(value, int) else value

    # -- raising ---------------------------------------------------------------
    def satisfy(self, expr: Expr, need: int) -> bool:
        """Make `expr` evaluate to at least `need` (1 = m, 2 = y)."""
        if kconfiglib.expr_value(expr) >= need:
            return True
        if isinstance(expr, (Symbol, Choice)):
            return self.raise_sym(expr, need)
        op = expr[0]
        if op == AND:
            return self.satisfy(expr[1], need) and self.satisfy(expr[2], need)
        if op == OR:
            return self._cheapest([lambda e=e: self.satisfy(e, need)
                                   for e in kconfiglib.split_expr(expr, OR)])
        if op == NOT:
            return self.lower(expr[1], 2 - need)
        if op in (EQUAL, UNEQUAL):
            return self._compare(expr, need)
        return False

    def _compare(self, expr: tuple, need: int) -> bool:
        left, right = expr[1], expr[2]
        sym, const = (left, right) if not left.is_constant else (right, left)
        if sym.is_constant or not const.is_constant:
            return False
        if expr[0] == EQUAL:
            ok = self._set_exact(sym, const.str_value)
        elif sym.orig_type in (BOOL, TRISTATE):
            ok = self.lower(sym, 0) if const.str_value != "n" else self.raise_sym(sym, 1)
        else:
            ok = False
        return ok and kconfiglib.expr_value(expr) >= need

    def _set_exact(self, sym: Symbol, value: str) -> bool:
        if sym.orig_type in (BOOL, TRISTATE):
            tri = kconfiglib.STR_TO_TRI.get(value)
            if tri is None:
                return False
            return self.raise_sym(sym, tri) and (tri == 2 or self.lower(sym, tri))
        if not sym.nodes or not self.show(sym.nodes[0]):
            return False
        self._set(sym, value)
        return sym.str_value == value

    def raise_sym(self, item: Symbol | Choice, need: int) -> bool:
        if item.tri_value >= need:
            return True
        if isinstance(item, Choice) or (isinstance(item, Symbol) and item.is_constant):
            return isinstance(item, Choice) and self._show_choice(item, need)
        if item.orig_type not in (BOOL, TRISTATE) or item.name in self._busy:
            return False
        self._budget -= 1
        if self._budget < 0:
            return False
        if item.orig_type == BOOL:
            need = 2
        self._busy.add(item.name)
        try:
            if item.choice is not None:
                return self._choose(item, need)
            return self._cheapest([lambda: self._raise_by_prompt(item, need),
                                   lambda: self._raise_by_other(item, need)])
        finally:
            self._busy.discard(item.name)

    def _raise_by_prompt(self, sym: Symbol, need: int) -> bool:
        for node in sym.nodes:
            if node.prompt and self.attempt(lambda n=node: self._prompt_then_set(sym, n, need)):
                return True
        return False

    def _prompt_then_set(self, sym: Symbol, node: MenuNode, need: int) -> bool:
        if not self.satisfy(node.prompt[1], need):
            return False
        if need not in sym.assignable and sym.tri_value < need:
            return False
        if sym.tri_value < need:
            self._set(sym, need)
        return sym.tri_value >= need

    def _raise_by_other(self, sym: Symbol, need: int) -> bool:
        """Through a default whose condition can be met, a select, or an imply."""
        options: list[Callable[..., bool]] = [  # called without arguments: the defaults bind the loop's values
            lambda v=value, c=cond: self.satisfy(c, need) and self.satisfy(v, need) and sym.tri_value >= need
            for value, cond in sym.defaults]
        for expr in (sym.rev_dep, sym.weak_rev_dep):
            if expr is not self.kconf.n:
                options += [lambda t=t: self.satisfy(t, need) and sym.tri_value >= need
                            for t in kconfiglib.split_expr(expr, OR)]
        return any(self.attempt(option) for option in options)

    def _choose(self, sym: Symbol, need: int) -> bool:
        choice = sym.choice
        if not self._show_choice(choice, need):
            return False
        prompted = [n for n in sym.nodes if n.prompt]
        if prompted and not any(self.attempt(lambda n=n: self.satisfy(n.prompt[1], 1))
                                for n in prompted):
            return False
        self._set(sym, 2)
        return sym.tri_value >= need

    def _show_choice(self, choice: Choice, need: int) -> bool:
        for node in choice.nodes:
            if node.prompt and self.attempt(lambda n=node: self.satisfy(n.prompt[1], need)):
                return True
        return False

    def show(self, node: MenuNode) -> bool:
        """Make the entry's prompt visible so the user can set it."""
        if node.prompt is None:
            node = next((n for n in node.item.nodes if n.prompt), node) \
                if isinstance(node.item, (Symbol, Choice)) else node
        if node.prompt is None:
            return False
        ok = self.satisfy(node.prompt[1], 1)
        if ok and node.item is MENU:
            ok = self.satisfy(node.visibility, 1)
        return ok

    # -- lowering --------------------------------------------------------------
    def lower(self, expr: Expr, most: int) -> bool:
        """Make `expr` evaluate to at most `most` (0 = n, 1 = m)."""
        if kconfiglib.expr_value(expr) <= most:
            return True
        if isinstance(expr, Symbol):
            return self._lower_sym(expr, most)
        if isinstance(expr, Choice):
            return False
        op = expr[0]
        if op == AND:
            return self._cheapest([lambda e=e: self.lower(e, most)
                                   for e in kconfiglib.split_expr(expr, AND)])
        if op == OR:
            return all(self.lower(e, most) for e in kconfiglib.split_expr(expr, OR))
        if op == NOT:
            return self.satisfy(expr[1], 2 - most)
        return False

    def _lower_sym(self, sym: Symbol, most: int) -> bool:
        if sym.is_constant or sym.orig_type not in (BOOL, TRISTATE) or sym.name in self._busy:
            return False
        self._budget -= 1
        if self._budget < 0:
            return False
        self._busy.add(sym.name)
        try:
            if sym.choice is not None and sym.choice.tri_value == 2:
                return any(self.attempt(lambda o=other: self._choose(o, 2))
                           for other in _by_default_first(sym.choice) if other is not sym)
            for term in kconfiglib.split_expr(sym.rev_dep, OR):
                if kconfiglib.expr_value(term) > most and not self.lower(term, most):
                    return False
            if sym.tri_value > most and most in sym.assignable:
                self._set(sym, most)
            return sym.tri_value <= most
        finally:
            self._busy.discard(sym.name)


def _by_default_first(choice: Choice) -> list[Symbol]:
    default = next((value for value, cond in choice.defaults if kconfiglib.expr_value(cond)), None)
    return sorted(choice.syms, key=lambda s: s is not default)


def plan_label(node: MenuNode, plan: Plan) -> str:
    """The history label of a fix, so undo says what it reverts."""
    name = prompt_of(node) if not isinstance(node.item, Symbol) else node.item.name
    verbs = {"enable": "enable", "disable": "turn off", "show": "unhide"}
    return f"{verbs[plan.goal]} {name} ({len(plan.assignments)} assignments)"


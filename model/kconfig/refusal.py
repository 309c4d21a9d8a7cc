"""Why Kconfig refuses a value: the reading behind `--apply`'s refusals and the explain dialog.

Both ask the same question of kconfiglib (is the prompt visible, does a
`select` force the value, does a choice already have another option, is the
number in range), so both take the answer from here.
"""

from __future__ import annotations

import kconfiglib
from kconfiglib import AND, BOOL, HEX, INT, OR, TRISTATE

from flexui.model.kconfig.values import active_range, base_of, parse_number


def why_refused(sym: kconfiglib.Symbol, wanted: str) -> str:
    """Why kconfiglib did not take `wanted` for `sym`, in one line."""
    kind = kconfiglib.TYPE_TO_STR[sym.orig_type]
    if sym.orig_type in (BOOL, TRISTATE):
        if wanted not in kconfiglib.STR_TO_TRI or (sym.orig_type is BOOL and wanted == "m"):
            allowed = "y or n" if sym.orig_type is BOOL else "y, m or n"
            return f"a {kind} symbol takes {allowed}, not {wanted!r}"
        tri = kconfiglib.STR_TO_TRI[wanted]
        if sym.visibility < tri:
            return _invisible(sym, tri)
        if kconfiglib.expr_value(sym.rev_dep) > tri:
            return "selected by " + ", ".join(kconfiglib.expr_str(t) for t in true_terms(sym.rev_dep))
        choice = sym.choice
        if choice is not None and tri == 2 and choice.selection is not None:
            return f"choice '{_prompt(choice)}' has {choice.selection.name} selected instead"
        if choice is not None and tri == 0 and choice.selection is sym:
            return (f"it is the selected option of choice '{_prompt(choice)}', which needs one; "
                    "set another option of the choice to y instead")
        allowed = "/".join(kconfiglib.TRI_TO_STR[t] for t in sym.assignable) or "nothing"
        return f"kconfig allows only {allowed} here"
    if sym.orig_type in (INT, HEX):
        number = parse_number(sym, wanted)
        if number is None:
            return f"not a {'decimal' if base_of(sym) == 10 else 'hexadecimal'} number"
        if not sym.visibility:
            return _invisible(sym, 1)
        for low, high, cond in sym.ranges:
            if kconfiglib.expr_value(cond):
                bounds = active_range(sym)
                if bounds is not None and not bounds[0] <= number <= bounds[1]:
                    return f"out of range {low.str_value}..{high.str_value}"
                break
    if not sym.visibility:
        return _invisible(sym, 1)
    return f"kconfig keeps {sym.str_value!r}"


def _invisible(sym: kconfiglib.Symbol, need: int) -> str:
    """Why `sym` cannot reach `need` (1 = m or any value, 2 = y)."""
    # A choice option depends on its choice, which carries the real dependencies.
    dep = sym.choice.direct_dep if sym.choice is not None else sym.direct_dep
    if kconfiglib.expr_value(dep) < need:
        return f"unmet dependency: {kconfiglib.expr_str(dep)} ({_false_items(dep)})"
    prompts = [node.prompt for node in sym.nodes if node.prompt]
    if not prompts:
        return "not visible: it has no prompt, so only a default or a `select` sets it"
    return f"not visible: its prompt appears only if {kconfiglib.expr_str(prompts[0][1])}"


def _false_items(expr: object) -> str:
    """Values of the symbols in the conjuncts of `expr` that are off."""
    shown = []
    for term in kconfiglib.split_expr(expr, AND):
        if kconfiglib.expr_value(term) == 2:
            continue
        for item in sorted(kconfiglib.expr_items(term), key=_item_name):
            if isinstance(item, kconfiglib.Symbol) and item.is_constant:
                continue
            text = f"{_item_name(item)}={item.str_value}"
            if text not in shown:
                shown.append(text)
    return ", ".join(shown)


def true_terms(expr: object) -> list[object]:
    """The terms of an OR (a `select` list, say) that hold now: what forces a value."""
    return [t for t in kconfiglib.split_expr(expr, OR) if kconfiglib.expr_value(t)]


def _item_name(item: kconfiglib.Symbol | kconfiglib.Choice) -> str:
    if isinstance(item, kconfiglib.Choice):
        return f"choice '{_prompt(item)}'"
    return item.name


def _prompt(choice: kconfiglib.Choice) -> str:
    for node in choice.nodes:
        if node.prompt:
            return node.prompt[0]
    return choice.name or "choice"

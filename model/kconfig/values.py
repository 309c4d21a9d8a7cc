"""Numbers in Kconfig: how an int or hex value is read and which range holds it.

menuconfig's entry dialog, the refusals of `--apply` and their comparison of
values all read numbers the same way, so a value accepted by one is accepted
by the others.
"""

from __future__ import annotations

import kconfiglib
from kconfiglib import HEX, INT, Symbol


def base_of(sym: Symbol) -> int:
    return 16 if sym.orig_type == HEX else 10


def parse_number(sym: Symbol, text: str) -> int | None:
    """The value of `text` for an int or hex symbol, or None if it is not a number of that kind."""
    try:
        return int(text, base_of(sym))
    except ValueError:
        return None


def same_value(sym: Symbol, a: str, b: str) -> bool:
    """`0x10` and `0X010` are the same hex value; strings and tristates compare as written."""
    if sym.orig_type in (INT, HEX):
        x, y = parse_number(sym, a), parse_number(sym, b)
        return x is not None and x == y
    return a == b


def active_range(sym: Symbol) -> tuple[int, int] | None:
    """The range in force (the first whose condition holds), as integers."""
    for low, high, cond in sym.ranges:
        if kconfiglib.expr_value(cond):
            lo, hi = parse_number(sym, low.str_value), parse_number(sym, high.str_value)
            return None if lo is None or hi is None else (lo, hi)
    return None


def range_text(sym: Symbol) -> str:
    bounds = active_range(sym) if sym.orig_type in (INT, HEX) else None
    if bounds is None:
        return ""
    fmt = hex if sym.orig_type == HEX else str
    return f"range {fmt(bounds[0])}-{fmt(bounds[1])}"

"""Snapshots of a kconfiglib configuration, for undo and change lists.

Only user values are stored (what the user or a .config set); computed
values follow from them, so restoring user values restores every cascade.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import kconfiglib


@dataclass(frozen=True)
class KconfigState:
    syms: dict[str, object] = field(default_factory=dict)
    choices: dict[int, tuple[object, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class SymbolChange:
    name: str
    old: str
    new: str


def capture(kconf: kconfiglib.Kconfig) -> KconfigState:
    syms = {s.name: s.user_value for s in kconf.unique_defined_syms if s.user_value is not None}
    choices = {}
    for i, c in enumerate(kconf.unique_choices):
        if c.user_value is not None or c.user_selection is not None:
            sel = c.user_selection.name if c.user_selection is not None else None
            choices[i] = (c.user_value, sel)
    return KconfigState(syms, choices)


def restore(kconf: kconfiglib.Kconfig, state: KconfigState) -> None:
    """Bring user values back to `state`, touching only what differs."""
    for sym in kconf.unique_defined_syms:
        target = state.syms.get(sym.name)
        if sym.user_value == target:
            continue
        if target is None:
            sym.unset_value()
        else:
            sym.set_value(target)
    for i, choice in enumerate(kconf.unique_choices):
        mode, sel = state.choices.get(i, (None, None))
        current = choice.user_selection.name if choice.user_selection is not None else None
        if choice.user_value == mode and current == sel:
            continue
        # unset first: a selection made since `state` must go even when `state` had none
        choice.unset_value()
        if mode is not None:
            choice.set_value(mode)
        if sel is not None:
            kconf.syms[sel].set_value(2)


def values(kconf: kconfiglib.Kconfig) -> dict[str, str]:
    """Every defined symbol's current value, as .config would spell it."""
    return {s.name: s.str_value for s in kconf.unique_defined_syms}


def diff(before: dict[str, str], after: dict[str, str]) -> list[SymbolChange]:
    names = before.keys() | after.keys()
    return [SymbolChange(n, before.get(n, ""), after.get(n, ""))
            for n in sorted(names) if before.get(n, "") != after.get(n, "")]

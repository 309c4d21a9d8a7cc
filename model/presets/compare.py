"""Side-by-side comparison of presets (or of a preset and the session).

Compartment names are arbitrary, so libraries are compared by who they share
a compartment with, not by the name of the compartment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flexui.model.isolation.configuration import IsolationConfig
from flexui.model.isolation.design import mechanism_of
from flexui.model.presets.preset import Preset
from flexui.model.vocabulary import DRIVER_LABELS, MECHANISM_LABELS


@dataclass(frozen=True)
class CompareRow:
    aspect: str
    left: str
    right: str

    @property
    def differs(self) -> bool:
        return self.left != self.right


def mechanism_label(iso: IsolationConfig) -> str:
    """The image's mechanism in words; an unknown driver is shown as written."""
    if iso.driver not in DRIVER_LABELS:
        return iso.driver
    return MECHANISM_LABELS[mechanism_of(iso)]


def summary(iso: IsolationConfig) -> str:
    """One line for lists: mechanism, compartments, hardened libraries."""
    hardened = iso.hardened()
    return (f"{mechanism_label(iso)} · {len(iso.compartments)} compartment"
            f"{'s' if len(iso.compartments) != 1 else ''} · "
            f"hardened: {', '.join(hardened) if hardened else 'none'}")


def _placement(iso: IsolationConfig, library: str) -> str:
    if library not in iso.libraries:
        return "—"
    comp = iso.compartment_of(library)
    mates = sorted(n for n in iso.libraries if n != library and iso.compartment_of(n) == comp)
    hardening = iso.libraries[library].hardening
    text = f"with {', '.join(mates)}" if mates else "alone"
    if hardening.all:
        text += " · hardened"
    elif hardening.any:
        text += f" · {'+'.join(hardening.names())}"
    return text


def compare(left: Preset, right: Preset,
            performance: Callable[[Preset], str] | None = None) -> list[CompareRow]:
    """`performance` words a preset's estimate (with its unit and basis) for a row of its own."""
    a, b = left.isolation, right.isolation
    rows = [
        CompareRow("app", left.app, right.app),
        *([CompareRow("performance", performance(left), performance(right))] if performance else []),
        CompareRow("mechanism", mechanism_label(a), mechanism_label(b)),
        CompareRow("compartments", str(len(a.compartments)), str(len(b.compartments))),
    ]
    for lib in sorted(a.libraries.keys() | b.libraries.keys()):
        rows.append(CompareRow(f"lib {lib}", _placement(a, lib), _placement(b, lib)))
    for sym in sorted(left.kconfig.keys() | right.kconfig.keys()):
        rows.append(CompareRow(sym, left.kconfig.get(sym, "—"), right.kconfig.get(sym, "—")))
    return rows

"""The published cost of each FlexOS-relevant Kconfig symbol, as menu annotations.

Gate costs are the paper's Figure 11 cycles per domain crossing; hardening is
the range of Redis GET slowdowns the Figure 6 data shows when one library is
hardened and nothing else changes (the paper has no per-sanitizer figures).
"""

from __future__ import annotations

from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.estimator import units
from flexui.model.vocabulary import (
    BACKEND_SYMBOLS,
    DSS_SYMBOL,
    FCALLS,
    MECH_EPT,
    MECH_FCALLS,
    MECH_MPK_DSS,
    MECH_MPK_SHARED,
    MPK,
    PRIVATE_STACKS_SYMBOL,
    SHARED_STACKS_SYMBOL,
    VMEPT,
)

GATE_SYMBOLS = {
    BACKEND_SYMBOLS[FCALLS]: MECH_FCALLS,
    BACKEND_SYMBOLS[MPK]: MECH_MPK_DSS,
    BACKEND_SYMBOLS[VMEPT]: MECH_EPT,
    PRIVATE_STACKS_SYMBOL: MECH_MPK_DSS,
    SHARED_STACKS_SYMBOL: MECH_MPK_SHARED,
}
HARDENING_SYMBOLS = ("LIBUBSAN", "LIBKASAN", "LIBUKSP")


def symbol_costs(db: BenchDB) -> dict[str, str]:
    gates = db.tables.get("gate_cycles", {})
    out = {sym: f"{gates[m]:g} cycles/crossing, Fig. 11" for sym, m in GATE_SYMBOLS.items() if m in gates}
    stacks = db.tables.get("stack_sharing_cycles", {})
    if "dss" in stacks and "heap" in stacks:
        out[DSS_SYMBOL] = (f"shared stack variable {stacks['dss']['1']:g} cycles "
                                       f"vs {stacks['heap']['1']:g} on the heap, Fig. 11")
    slowdowns = single_hardening_slowdowns(db, "redis", "GET")
    if slowdowns:
        for sym in HARDENING_SYMBOLS:
            out[sym] = (f"one hardened lib: -{min(slowdowns):.0%} to -{max(slowdowns):.0%} "
                        "Redis GET, Fig. 6")
    return out


def single_hardening_slowdowns(db: BenchDB, app: str, metric: str) -> list[float]:
    """Throughput lost by hardening one library unit, layout and all else equal."""
    series = {m.point: m.mean for m in db.series(app, metric)}
    unit_of = units(frozenset().union(*(p.libraries for p in series))) if series else {}
    out = []
    for point, value in series.items():
        if point.hardened:
            continue
        for other, v in series.items():
            if (other.layout, other.mechanism) == (point.layout, point.mechanism) and \
                    len({unit_of[h] for h in other.hardened}) == 1:
                out.append(1 - v / value)
    return out

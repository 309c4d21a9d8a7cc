"""Menu cost annotations quote the stored figures."""

from __future__ import annotations

from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.symbol_costs import single_hardening_slowdowns, symbol_costs


def test_gate_and_dss_costs_quote_figure_11(tmp_path):
    db = BenchDB.load(user_dir=tmp_path)
    costs = symbol_costs(db)
    assert costs["LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS"].startswith("62 cycles")
    assert costs["LIBFLEXOS_VMEPT"].startswith("462 cycles")
    assert "2 cycles vs 66 on the heap" in costs["LIBFLEXOS_ENABLE_DSS"]


def test_hardening_range_comes_from_single_hardened_pairs(tmp_path):
    db = BenchDB.load(user_dir=tmp_path)
    slowdowns = single_hardening_slowdowns(db, "redis", "GET")
    assert len(slowdowns) == 5 * 4  # five layouts, four hardenable units
    assert all(0 < s < 1 for s in slowdowns)
    text = symbol_costs(db)["LIBUBSAN"]
    assert f"-{min(slowdowns):.0%} to -{max(slowdowns):.0%}" in text

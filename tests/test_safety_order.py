"""Order laws on generated spaces, exhaustively."""

from __future__ import annotations

import itertools

import pytest

from flexui.model.isolation.design import DesignPoint
from flexui.model.safety.order import (
    comparable,
    count_less_safe,
    count_relations,
    count_safer,
    hasse_edges,
    leq,
    less_safe_steps,
    lt,
    safer_steps,
)
from flexui.model.safety.space import ConfigSpace

SPACE = list(ConfigSpace.generate(["a", "b", "uksched", "ukschedcoop"], hardenable=["a", "uksched"],
                                  mechanisms=["fcalls", "mpk-shared", "mpk-dss", "mpk-private"]).points())


@pytest.mark.parametrize("order", ["product", "paper"])
def test_reflexive_antisymmetric_transitive(order):
    rel = {(a, b) for a in SPACE for b in SPACE if leq(a, b, order)}
    assert all((a, a) in rel for a in SPACE)
    assert all(a == b for a, b in rel if (b, a) in rel)
    by_left = {}
    for a, b in rel:
        by_left.setdefault(a, set()).add(b)
    for bs in by_left.values():
        for b in bs:
            assert by_left[b] <= bs


def test_paper_order_is_coarser_than_product_order():
    paper = {(a, b) for a, b in itertools.product(SPACE, SPACE) if leq(a, b, "paper")}
    product = {(a, b) for a, b in itertools.product(SPACE, SPACE) if leq(a, b, "product")}
    assert paper < product


def test_each_kind_of_step_is_safer_and_dss_versus_private_is_incomparable():
    base = DesignPoint.from_key("a,b,uksched,ukschedcoop;;mpk-shared")
    steps = safer_steps(base, hardenable=["a", "uksched", "ukschedcoop"],
                        coupled=[frozenset({"uksched", "ukschedcoop"})])
    assert all(lt(base, s) for s in steps)
    keys = {s.key() for s in steps}
    assert "a,b,uksched,ukschedcoop;uksched,ukschedcoop;mpk-shared" in keys  # coupled hardening
    assert "a,b|uksched,ukschedcoop;;mpk-shared" in keys
    assert not any("a|b,uksched;" in k for k in keys)  # never splits uksched from ukschedcoop
    assert {"mpk-dss", "mpk-private"} <= {s.mechanism for s in steps}
    dss, private = (DesignPoint(base.layout, base.hardened, m) for m in ("mpk-dss", "mpk-private"))
    assert not comparable(dss, private)


def test_hasse_edges_are_covers_and_counts_add_up():
    pts = [p for p in SPACE if p.mechanism == "fcalls" and not p.hardened]
    edges = hasse_edges(pts)
    assert all(lt(a, b) and not any(lt(a, c) and lt(c, b) for c in pts) for a, b in edges)
    bottom = next(p for p in pts if len(p.layout) == 1)
    safer, less = count_relations(bottom, pts)
    assert (safer, less) == (len(pts) - 1, 0)


def test_less_safe_steps_undo_safer_steps_and_are_the_lower_covers():
    coupled = [frozenset({"uksched", "ukschedcoop"})]
    mechanisms = ["fcalls", "mpk-shared", "mpk-dss", "mpk-private"]
    covers = set(hasse_edges(SPACE))
    for p in SPACE:
        up = set(safer_steps(p, hardenable=["a", "uksched", "ukschedcoop"], mechanisms=mechanisms, coupled=coupled))
        down = set(less_safe_steps(p, mechanisms=mechanisms, coupled=coupled))
        assert up == {b for a, b in covers if a == p}
        assert down == {a for a, b in covers if b == p}


def test_space_counts_equal_brute_force_and_scale_to_a_million():
    space = ConfigSpace.generate(["a", "b", "uksched", "ukschedcoop"], hardenable=["a", "uksched"],
                                 mechanisms=["fcalls", "mpk-shared", "mpk-dss", "mpk-private"])
    for p in SPACE:
        assert count_safer(p, space) == sum(1 for q in SPACE if lt(p, q))
        assert count_less_safe(p, space) == sum(1 for q in SPACE if lt(q, p))
    big = ConfigSpace.generate([f"l{i}" for i in range(7)])
    libs = frozenset(big.libraries())
    bottom = DesignPoint(frozenset({libs}), frozenset(), "fcalls")
    top = DesignPoint(frozenset(frozenset({lib}) for lib in libs), libs, "ept")
    assert big.size > 500_000
    assert count_safer(bottom, big) == big.size - 1 == count_less_safe(top, big)
    assert count_less_safe(bottom, big) == 0 == count_safer(top, big)

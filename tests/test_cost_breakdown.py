"""The estimator's cost by term on the shipped benchmark data: terms add up to the estimate."""

from __future__ import annotations

import pytest

from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.cost_breakdown import breakdown
from flexui.model.perf.estimator import Estimator

ALL = "lwip,newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop"


@pytest.fixture
def model(tmp_path):
    return Estimator(BenchDB.load(user_dir=tmp_path)).fit("redis", "GET")


def test_terms_add_up_to_the_models_estimate(model):
    point = DesignPoint.from_key("lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;lwip;mpk-dss")
    b = breakdown(model, point)
    assert b.predicted == pytest.approx(model.predict(point))
    assert model.base + sum(t.time for t in b.terms) == pytest.approx(model.predict_time(point))
    assert {t.kind for t in b.terms} == {"boundary", "hardening"}
    assert any(t.kind == "hardening" and t.what == "lwip" for t in b.terms)
    assert all("lwip" in t.what for t in b.terms if t.kind == "boundary")  # only lwip's boundaries are crossed
    costs = [round(abs(t.slowdown), 9) for t in b.terms]
    assert costs == sorted(costs, reverse=True)
    harden = next(t for t in b.terms if t.what == "lwip")
    assert harden.without > b.predicted  # un-hardening lwip is faster (GET: higher is better)


def test_the_baseline_has_no_term_and_says_so(model):
    b = breakdown(model, DesignPoint.from_key(f"{ALL};;mpk-dss"))
    assert b.terms == [] and b.predicted == pytest.approx(b.base)
    assert "no overhead term" in b.lines()[-1]


def test_a_cheaper_gate_weighs_boundaries_less(model):
    layout = "lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;;"
    dss, fcalls = (breakdown(model, DesignPoint.from_key(layout + m)) for m in ("mpk-dss", "fcalls"))
    assert fcalls.gate_factor < dss.gate_factor
    assert sum(t.time for t in fcalls.terms) < sum(t.time for t in dss.terms)
    assert "req/s" in dss.lines()[0] and "Intel MPK" in dss.lines()[1]


@pytest.mark.parametrize("app,metric", [("redis", "GET"), ("redis", "SET"), ("nginx", "REQ")])
def test_no_boundary_or_hardened_library_is_shown_making_the_configuration_faster(tmp_path, app, metric):
    model = Estimator(BenchDB.load(user_dir=tmp_path)).fit(app, metric)
    libs = sorted(model.libraries)
    # Every library alone, all hardened: every boundary and every hardening term at once.
    point = DesignPoint.from_key(f"{'|'.join(libs)};{','.join(libs)};mpk-dss")
    b = breakdown(model, point)
    singles = [t for t in b.terms if t.kind in ("boundary", "hardening")]
    assert len(singles) == len(model.boundary_cost) + len(model.harden_cost)
    assert all(t.slowdown >= 0 for t in singles), [(t.what, f"{t.slowdown:+.2%}") for t in singles if t.slowdown < 0]
    assert all(t.without >= b.predicted for t in singles)  # higher is better for these metrics


def test_a_pair_of_hardened_libraries_says_what_they_do_together(model):
    point = DesignPoint.from_key("lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;lwip,redis;mpk-dss")
    b = breakdown(model, point)
    pair = next(t for t in b.terms if t.kind == "hardening pair")
    line = next(line for line in b.lines() if pair.what in line)
    assert ("cost less than apart" if pair.time < 0 else "cost more than apart") in line
    assert "without it" not in line  # a pair's interaction is not something to remove alone



def test_without_a_hardened_library_is_the_estimate_of_the_configuration_that_leaves_it_unhardened(model):
    """Its pair terms go with it: the figure is one a user gets by un-hardening it, not a partial sum."""
    layout, hardened = "lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop", {"lwip", "redis"}
    point = DesignPoint.from_key(f"{layout};{','.join(sorted(hardened))};mpk-dss")
    b = breakdown(model, point)
    assert any(t.kind == "hardening pair" for t in b.terms)  # the case this is about
    for term in (t for t in b.terms if t.kind == "hardening"):
        left = ",".join(sorted(hardened - {term.what}))
        assert term.without == pytest.approx(model.predict(DesignPoint.from_key(f"{layout};{left};mpk-dss")))


def test_beyond_every_measured_hardened_set_the_floor_is_a_term_and_the_terms_still_add_up(tmp_path):
    model = Estimator(BenchDB.load(user_dir=tmp_path)).fit("nginx", "REQ")
    libs = sorted(model.libraries)
    point = DesignPoint.from_key(f"{'|'.join(libs)};{','.join(libs)};mpk-dss")  # every library hardened
    b = breakdown(model, point)
    floor = next(t for t in b.terms if t.kind == "hardening floor")
    assert floor.time > 0 and model.base + sum(t.time for t in b.terms) == pytest.approx(model.predict_time(point))
    assert any(line.endswith("hardening more is never estimated faster)") for line in b.lines())

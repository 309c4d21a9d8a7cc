"""Design points: canonical keys, and realising a point in an isolation configuration."""

from __future__ import annotations

import pytest

from flexui.model.isolation.design import DesignPoint, apply_point, refines
from flexui.model.isolation.validation import validate
from flexui.model.presets.preset import load_preset
from flexui.paths import shipped_presets


def test_keys_round_trip_and_ignore_compartment_names():
    a = load_preset(shipped_presets() / "redis-mpk3.yaml").isolation
    b = a.copy()
    b.rename_compartment("comp2", "network")
    assert DesignPoint.of(a) == DesignPoint.of(b)
    assert DesignPoint.from_key(DesignPoint.of(a).key()) == DesignPoint.of(a)
    with pytest.raises(ValueError, match="unknown mechanism"):
        DesignPoint.from_key("a|b;;mpk")


def test_refinement():
    coarse = DesignPoint.from_key("a,b,c;;fcalls").layout
    fine = DesignPoint.from_key("a|b,c;;fcalls").layout
    assert refines(fine, coarse) and not refines(coarse, fine) and refines(fine, fine)


@pytest.mark.parametrize("key", [
    "lwip|newlib,pthread-embedded,redis,tlsf|uksched,ukschedcoop;lwip,uksched,ukschedcoop;mpk-dss",
    "lwip,newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;redis;mpk-shared",
    "lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;;ept",
])
def test_apply_point_realises_it_and_stays_valid(key):
    iso = load_preset(shipped_presets() / "redis-mpk2.yaml").isolation
    point = DesignPoint.from_key(key)
    apply_point(iso, point)
    assert DesignPoint.of(iso) == point
    assert not [p for p in validate(iso) if p.severity == "error"]
    assert iso.compartment_of("lwip") == "comp2" or len(point.layout) == 1 or "lwip" not in \
        [lib for g in point.layout if len(g) == 1 for lib in g]

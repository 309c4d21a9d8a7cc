"""Spaces have the size combinatorics says, keep coupled libraries together, index both ways."""

from __future__ import annotations

from flexui.model.safety.space import ConfigSpace, set_partitions
from flexui.model.vocabulary import MECHANISMS

BELL = [1, 1, 2, 5, 15, 52, 203]


def test_bell_numbers():
    assert [len(set_partitions(list(range(n)))) for n in range(7)] == BELL


def test_size_is_layouts_times_hardening_times_mechanisms_with_coupled_scheduler():
    space = ConfigSpace.generate(["lwip", "redis", "newlib", "uksched", "ukschedcoop"])
    assert len(space.units) == 4 and len(space.layouts) == BELL[4]
    assert space.size == BELL[4] * 2 ** 4 * len(MECHANISMS)
    assert all(sum(1 for g in layout if "uksched" in g) == 1 and
               any({"uksched", "ukschedcoop"} <= g for g in layout) for layout in space.layouts)


def test_cap_on_compartments_and_index_round_trip():
    space = ConfigSpace.generate(["a", "b", "c", "d"], max_compartments=2, hardenable=["a"])
    assert len(space.layouts) == 1 + 7 and space.masks == 2
    for point in space.points():
        assert space.point(*space.index(point)) == point

"""Budget answers equal a brute-force oracle; plans find the exhaustive answer."""

from __future__ import annotations

import random

import pytest

from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.estimator import Estimator
from flexui.model.safety.exploration import (
    exhaustive,
    feasible_from_model,
    feasible_from_values,
    parse_budget,
    plan,
    plan_space,
    safest_within_budget,
)
from flexui.model.safety.order import leq
from flexui.model.safety.space import ConfigSpace

LIBS = ["a", "b", "c", "uksched", "ukschedcoop"]


def small_space() -> ConfigSpace:
    return ConfigSpace.generate(LIBS, hardenable=["a", "b", "uksched"],
                                mechanisms=["fcalls", "mpk-shared", "mpk-private", "mpk-dss", "ept"])


def monotone_values(space, seed):
    rng = random.Random(seed)
    cost = {lib: rng.uniform(1, 3) for lib in LIBS}
    level = {"fcalls": 0, "mpk-shared": 1, "mpk-private": 2, "mpk-dss": 2.5, "ept": 4}
    return {p: 100 - len(p.layout) * 5 * (1 + level[p.mechanism]) - sum(cost[h] * 4 for h in p.hardened)
            for p in space.points()}


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("order", ["product", "paper"])
@pytest.mark.parametrize("monotone", [True, False])
def test_budget_answer_equals_brute_force(seed, order, monotone):
    space = small_space()
    values = monotone_values(space, seed)
    if not monotone:
        rng = random.Random(seed + 100)
        values = {p: v + rng.uniform(-15, 15) for p, v in values.items()}
    points = list(values)
    for budget in (20, 45, 70):
        fast = safest_within_budget(space, feasible_from_values(space, values.get, budget, True), order)
        assert set(fast) == set(exhaustive(points, values, budget, True, order))


@pytest.mark.parametrize("budget", [400e3, 500e3, 800e3])
def test_plan_on_stored_redis_data_finds_the_exhaustive_answer_with_few_builds(budget, tmp_path):
    db = BenchDB.load(user_dir=tmp_path)
    values = {m.point: m.mean for m in db.series("redis", "GET")}
    points = sorted(values, key=lambda p: p.key())
    truth = set(exhaustive(points, values, budget, True))
    unchecked = plan(points, values.__getitem__, budget, True, verify=False)
    checked = plan(points, values.__getitem__, budget, True)
    assert set(unchecked.answer) == truth == set(checked.answer)
    assert len(unchecked.measured) <= 20 and len(checked.measured) <= len(points) // 3


def test_unchecked_plan_never_measures_what_it_could_infer(tmp_path):
    space = small_space()
    values = monotone_values(space, 1)
    points = list(values)
    result = plan(points, values.__getitem__, 45, True, verify=False)
    done = []
    for point, value in result.measured:
        for earlier, v in done:
            assert not (v < 45 and leq(earlier, point)) and not (v >= 45 and leq(point, earlier))
        done.append((point, value))


def test_checked_plan_survives_nginx_data_where_safer_is_not_always_slower(tmp_path):
    db = BenchDB.load(user_dir=tmp_path)
    values = {m.point: m.mean for m in db.series("nginx", "REQ")}
    points = sorted(values, key=lambda p: p.key())
    truth = set(exhaustive(points, values, 60e3, True))
    assert set(plan(points, values.__getitem__, 60e3, True, verify=False).answer) != truth
    checked = plan(points, values.__getitem__, 60e3, True)
    assert set(checked.answer) == truth and len(checked.measured) < len(points)


@pytest.mark.parametrize("seed", range(3))
def test_checked_answer_is_measured_and_no_measured_safer_neighbour_meets_the_budget(seed):
    space = small_space()
    rng = random.Random(seed)
    values = {p: v + rng.uniform(-10, 10) for p, v in monotone_values(space, seed).items()}
    points = list(values)
    result = plan(points, values.__getitem__, 45, True)
    measured = dict(result.measured)
    assert result.answer and all(measured[p] >= 45 for p in result.answer)
    for p in result.answer:
        assert not any(q != p and leq(p, q) and measured.get(q, 0) >= 45 for q in points)


def test_space_plan_with_the_model_as_oracle_matches_the_model_answer(tmp_path):
    model = Estimator(BenchDB.load(user_dir=tmp_path)).fit("redis", "GET")
    space = ConfigSpace.generate(sorted(model.libraries), max_compartments=3, hardenable=["lwip", "redis"])
    truth = set(safest_within_budget(space, feasible_from_model(space, model, 700e3)))
    result = plan_space(space, model, model.predict, 700e3)
    assert set(result.answer) == truth and result.rounds == 1
    assert len(result.measured) < space.size / 4
    noisy = random.Random(3)
    again = plan_space(space, model, lambda p: model.predict(p) * noisy.uniform(0.97, 1.03), 700e3)
    assert again.answer and again.rounds >= 1


@pytest.mark.parametrize("text, value", [("500000", 5e5), ("500k", 5e5), ("1.2M", 1.2e6), (" 2g ", 2e9)])
def test_budget_accepts_plain_numbers_and_k_m_g_suffixes(text, value):
    assert parse_budget(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["fast", "", "k", "inf", "nan", "0", "-5k"])
def test_budget_rejects_what_is_not_a_positive_number(text):
    with pytest.raises(ValueError, match="is not a budget"):
        parse_budget(text)

"""The re-planning brain on its own: the stand-in metric as oracle, results fed in any order."""

from __future__ import annotations

import random

from standin_build import metric

from flexui.model.explore.plan import LoopPlan
from flexui.model.isolation.design import DesignPoint
from flexui.model.safety.exploration import exhaustive
from flexui.model.safety.space import ConfigSpace

SPACE = ConfigSpace.generate(["newlib", "flexos-example"], max_compartments=2,
                             mechanisms=["fcalls", "mpk-shared", "mpk-dss"])
POINTS = sorted(SPACE.points(), key=DesignPoint.key)
VALUES = {p: metric(p) for p in POINTS}


def drive(plan: LoopPlan, slots: int, seed: int, fail=()) -> int:
    """Finish jobs in a random order, `slots` at a time, like workers do; returns jobs run."""
    rng, jobs = random.Random(seed), 0
    while not plan.done:
        plan.next(slots - len(plan.running))
        point = rng.choice(sorted(plan.running, key=DesignPoint.key))
        jobs += 1
        if point in fail:
            plan.record_failure(point)
        else:
            plan.record(point, VALUES[point])
    return jobs


def test_answer_equals_the_exhaustive_one_with_fewer_measurements_whatever_the_order():
    for budget in (1300, 1500, 1700):
        truth = set(exhaustive(POINTS, VALUES, budget, higher_is_better=False))
        for slots, seed in ((1, 0), (2, 1), (3, 2)):
            plan = LoopPlan(POINTS, budget, higher_is_better=False)
            jobs = drive(plan, slots, seed)
            assert set(plan.answer()) == truth, (budget, slots)
            assert jobs < len(POINTS)


def test_over_budget_drops_everything_safer_without_measuring_it():
    plan = LoopPlan(POINTS, 1100, higher_is_better=False)
    worst_safe = next(p for p in POINTS if p.key() == "flexos-example|newlib;;fcalls")
    plan.record(worst_safe, 1200)
    assert all(plan.verdict(p) == "over" for p in POINTS if p != worst_safe
               and len(p.layout) == 2)


def test_a_failed_configuration_implies_nothing_about_the_others():
    plan = LoopPlan(POINTS, 1500, higher_is_better=False)
    victim = plan.next(1)[0]
    plan.record_failure(victim)
    assert plan.verdict(victim) == "failed"
    assert sum(plan.verdict(p) == "open" for p in POINTS) == len(POINTS) - 1
    drive(plan, 2, 3, fail={victim})
    values = {**VALUES, victim: float("inf")}
    assert set(plan.answer()) == set(exhaustive(POINTS, values, 1500, higher_is_better=False))


def test_without_verification_the_deliberate_exception_is_missed():
    plan = LoopPlan(POINTS, 1500, higher_is_better=False, verify=False)
    drive(plan, 1, 0)
    assert set(plan.answer()) != set(exhaustive(POINTS, VALUES, 1500, higher_is_better=False))



def test_the_first_check_starts_while_the_last_exploring_job_runs_and_costs_no_extra_job():
    for budget in (1300, 1500, 1700):
        serial, picks, exploring = LoopPlan(POINTS, budget, higher_is_better=False), [], []
        while not serial.done:
            point = serial.next(1)[0]
            picks.append(point)
            exploring.append(serial.verdict(point) == "open")
            serial.record(point, VALUES[point])
        last = max(i for i, e in enumerate(exploring) if e)
        assert last < len(picks) - 1, budget  # checks follow the exploration
        plan = LoopPlan(POINTS, budget, higher_is_better=False)
        for point in picks[:last + 1]:
            assert plan.next(1) == [point]
            if point != picks[last]:
                plan.record(point, VALUES[point])
        assert plan.next(1) == [picks[last + 1]], budget  # a second build slot is not left idle
        for point in picks[last:last + 2]:
            plan.record(point, VALUES[point])
        jobs = last + 2 + drive(plan, 1, 0)
        assert set(plan.answer()) == set(exhaustive(POINTS, VALUES, budget, higher_is_better=False))
        assert jobs == len(picks), budget

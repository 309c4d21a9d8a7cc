"""Guided exploration against exhaustive measurement, and budget-query scaling.

Part 1 replays `plan` with the stored Figure 6 data as the oracle: how many of
the 80 configurations it measures per budget (with and without checking the
frontier), and whether its answer equals the exhaustive one. Part 2 times
budget queries (and the additive model's feasibility pass) and guided plans
(oracle: the model with 2% noise) on generated spaces of growing size, up to
millions.

    python benchmarks/exploration.py
"""

from __future__ import annotations

import random
import time

from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.estimator import FittedModel, units
from flexui.model.safety.exploration import (
    count,
    exhaustive,
    feasible_from_model,
    maximal,
    plan,
    plan_space,
)
from flexui.model.safety.space import ConfigSpace
from flexui.model.vocabulary import MECHANISMS

CASES = [("redis", "GET", [400e3, 500e3, 600e3, 800e3, 1e6]),
         ("nginx", "REQ", [60e3, 80e3, 100e3, 120e3])]


def replay() -> None:
    db = BenchDB.load(user_dir="/nonexistent")
    print("guided exploration, stored Fig. 6 data as the oracle (product order)")
    print("  (unchecked: trusts 'safer is slower' everywhere; checked: also measures the answer and"
          " its one-step-safer neighbours)")
    print(f"  {'app':6} {'budget':>10} {'unchecked':>10} {'same':>5} {'checked':>8} {'same':>5} "
          f"{'exhaustive':>11} {'answer':>7}")
    for app, metric, budgets in CASES:
        values = {m.point: m.mean for m in db.series(app, metric)}
        points = sorted(values, key=lambda p: p.key())
        for budget in budgets:
            result = plan(points, values.__getitem__, budget, True)
            quick = plan(points, values.__getitem__, budget, True, verify=False)
            truth = exhaustive(points, values, budget, True)
            print(f"  {app:6} {budget:>10,.0f} {len(quick.measured):>10} {_same(quick.answer, truth):>5} "
                  f"{len(result.measured):>8} {_same(result.answer, truth):>5} {len(points):>11} {len(truth):>7}")


def _same(answer, truth) -> str:
    return "yes" if set(answer) == set(truth) else "NO"


def synthetic_model(libraries: list[str], seed: int) -> FittedModel:
    rng = random.Random(seed)
    unit_of = units(frozenset(libraries))
    names = sorted(set(unit_of.values()))
    return FittedModel(
        app="synthetic", metric="ops", unit="op/s", higher_is_better=True,
        libraries=frozenset(libraries), base=1e-6,
        boundary_cost={frozenset((a, b)): rng.uniform(0, 2e-7) for i, a in enumerate(names)
                       for b in names[i + 1:]},
        harden_cost={u: rng.uniform(0, 3e-7) for u in names},
        harden_pair_cost={}, gates={"fcalls": 2, "mpk-shared": 62, "mpk-private": 108,
                                    "mpk-dss": 108, "ept": 462},
        reference_mechanism="mpk-dss", unit_of=unit_of)


def scaling() -> None:
    print("\nbudget query on generated spaces (additive model; no pairwise comparison)")
    print(f"  {'libraries':>9} {'configurations':>15} {'generate':>9} {'query':>8} {'per 1M':>8} "
          f"{'answer':>7} {'plan':>7} {'measured':>9}")
    for n in (4, 5, 6, 7, 8):
        libraries = [f"lib{i}" for i in range(n)]
        start = time.perf_counter()
        space = ConfigSpace.generate(libraries, mechanisms=MECHANISMS)
        generated = time.perf_counter() - start
        model = synthetic_model(libraries, n)
        budget = 1 / (model.base * 3)
        start = time.perf_counter()
        answer = maximal(space, feasible_from_model(space, model, budget))
        query = time.perf_counter() - start
        rng = random.Random(n)
        start = time.perf_counter()
        guided = plan_space(space, model, lambda p, model=model, rng=rng: model.predict(p) * rng.uniform(0.98, 1.02),
                            budget)
        planned = time.perf_counter() - start
        print(f"  {n:>9} {space.size:>15,} {generated:>8.3f}s {query:>7.3f}s "
              f"{query / space.size * 1e6:>7.3f}s {count(answer):>7} {planned:>6.2f}s {len(guided.measured):>9,}")


def main() -> None:
    replay()
    scaling()


if __name__ == "__main__":
    main()

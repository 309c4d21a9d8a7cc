"""The safest configurations within a budget, measured and estimated, for one app and metric.

Measured: the safest among the configurations with data. Estimated: the
safest of every layout x hardening x mechanism of the app's libraries by the
additive model, minus those already answered by measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.estimator import Estimate, Estimator
from flexui.model.safety.exploration import (
    feasible_from_model,
    feasible_from_values,
    safest_within_budget,
)
from flexui.model.safety.space import ConfigSpace


@dataclass(frozen=True)
class Answer:
    point: DesignPoint
    estimate: Estimate


def hardenable_with_data(model) -> set[str]:
    """Only libraries whose hardening was measured: for the others its cost is unknown, not zero."""
    return {lib for lib, unit in model.unit_of.items() if unit in model.harden_cost}


def safest_within(app: str, metric: str, budget: float, db: BenchDB, estimator: Estimator,
                  order: str = "product") -> list[Answer]:
    """Measured answers first, then estimated ones; each group best value first."""
    model = estimator.fit(app, metric)
    values = {m.point: m.mean for m in db.series(app, metric)}
    found: list[DesignPoint] = []
    if values:
        space = ConfigSpace.spanned_by(sorted(values, key=DesignPoint.key))
        found = safest_within_budget(space, feasible_from_values(space, values.get, budget,
                                                                 model.higher_is_better), order)
    generated = ConfigSpace.generate(sorted(model.libraries), hardenable=hardenable_with_data(model))
    seen = set(found)
    found += [p for p in safest_within_budget(generated, feasible_from_model(generated, model, budget), order)
              if p not in seen]
    answers = [Answer(p, est) for p in found if (est := estimator.estimate(app, metric, p)) is not None]
    sign = -1 if model.higher_is_better else 1
    return sorted(answers, key=lambda a: (a.estimate.kind != "measured", sign * a.estimate.value,
                                          a.point.key()))


def none_meets(higher_is_better: bool) -> str:
    """A budget is a floor for throughput and a ceiling for times and cycles: the hint points the way that helps."""
    return f"none meets the budget; try a {'lower' if higher_is_better else 'higher'} one"

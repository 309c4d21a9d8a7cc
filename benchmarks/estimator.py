"""Leave-one-out accuracy of the overhead estimator on the stored Figure 6 data.

Prints the median absolute percentage error when each configuration is
predicted by a model fitted on all the others; targets: <= 2% Redis GET,
<= 4% Nginx. Then the same when the model only sees configurations with at
most one, or at most two, hardened library units (predicting the more
hardened ones from them: beyond two, the hardening floor of
`FittedModel.harden_time` is what keeps pair terms from pulling them down).
Then whether the error band is honest: how often the 90% band around a
leave-one-out prediction holds the measured value (target 85-95%), and
whether the safest set under a budget computed from leave-one-out
predictions equals the one from the measurements.

    python benchmarks/estimator.py
"""

from __future__ import annotations

import statistics
import tempfile

from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.estimator import (
    fit,
    interval_coverage,
    loo_errors,
    loo_predictions,
    units,
)
from flexui.model.safety.exploration import feasible_from_values, safest_within_budget
from flexui.model.safety.space import ConfigSpace

TARGETS = {("redis", "GET"): 0.02, ("redis", "SET"): None, ("nginx", "REQ"): 0.04}
BUDGETS = {("redis", "GET"): [400e3, 500e3, 600e3, 800e3, 1e6], ("redis", "SET"): [400e3, 500e3, 700e3],
           ("nginx", "REQ"): [60e3, 80e3, 100e3, 120e3]}
COVERAGE = (0.85, 0.95)


def hardened_units(m) -> int:
    unit_of = units(m.point.libraries)
    return len({unit_of[h] for h in m.point.hardened})


def extrapolated(data, most: int) -> tuple[int, list[float]]:
    """Fitted on the configurations with at most `most` hardened units: how many, and the errors on the rest."""
    seen = [m for m in data if hardened_units(m) <= most]
    model = fit(seen)
    return len(seen), [abs(model.predict(m.point) - m.mean) / m.mean for m in data if hardened_units(m) > most]


def main() -> None:
    with tempfile.TemporaryDirectory() as nothing:
        db = BenchDB.load(user_dir=nothing)
    print(f"{'data':12} {'configs':>7} {'LOO MdAPE':>10} {'p90':>7} {'target':>7}   "
          f"{'fit on <=1 hardened: configs':>29} {'MdAPE on the rest':>18}   {'<=2: configs':>12} {'rest':>6}")
    for (app, metric), target in TARGETS.items():
        data = db.series(app, metric)
        errors = loo_errors(data)
        light, rest = extrapolated(data, 1)
        two, rest2 = extrapolated(data, 2)
        verdict = "" if target is None else (f"{target:.0%} " + ("OK" if statistics.median(errors) <= target
                                                                  else "MISSED"))
        print(f"{app + ' ' + metric:12} {len(data):>7} {statistics.median(errors):>10.2%} "
              f"{sorted(errors)[int(0.9 * len(errors))]:>7.2%} {verdict:>7}   "
              f"{light:>29} {statistics.median(rest):>18.2%}   {two:>12} {statistics.median(rest2):>6.2%}")

    print()
    print(f"{'data':12} {'90% band coverage (LOO)':>24} {'target':>8}   budget answers from LOO = measured")
    for (app, metric), budgets in BUDGETS.items():
        data = db.series(app, metric)
        coverage = interval_coverage(data)
        ok = "OK" if COVERAGE[0] <= coverage <= COVERAGE[1] else "MISSED"
        predicted = dict(zip((m.point for m in data), loo_predictions(data)))
        measured = {m.point: m.mean for m in data}
        space = ConfigSpace.spanned_by(list(measured))
        same = []
        for budget in budgets:
            answers = [set(safest_within_budget(space, feasible_from_values(space, v.get, budget, True)))
                       for v in (measured, predicted)]
            same.append(f"{budget / 1e3:g}k:{'yes' if answers[0] == answers[1] else 'NO'}")
        print(f"{app + ' ' + metric:12} {coverage:>24.1%} {'85-95% ' + ok:>8}   {' '.join(same)}")


if __name__ == "__main__":
    main()

"""Leave-one-out accuracy of the overhead estimator on the stored Figure 6 data.

Prints the median absolute percentage error when each configuration is
predicted by a model fitted on all the others; targets: <= 2% Redis GET,
<= 4% Nginx. Then the same when the model only sees configurations with at
most one hardened library unit (predicting the multi-hardened ones from it).

    python benchmarks/estimator.py
"""

from __future__ import annotations

import statistics
import tempfile

from flexui.model.benchdata import BenchDB
from flexui.model.estimator import fit, loo_errors, units

TARGETS = {("redis", "GET"): 0.02, ("redis", "SET"): None, ("nginx", "REQ"): 0.04}


def hardened_units(m) -> int:
    unit_of = units(m.point.libraries)
    return len({unit_of[h] for h in m.point.hardened})


def main() -> None:
    with tempfile.TemporaryDirectory() as nothing:
        db = BenchDB.load(user_dir=nothing)
    print(f"{'data':12} {'configs':>7} {'LOO MdAPE':>10} {'p90':>7} {'target':>7}   "
          f"{'fit on <=1 hardened: configs':>29} {'MdAPE on the rest':>18}")
    for (app, metric), target in TARGETS.items():
        data = db.series(app, metric)
        errors = loo_errors(data)
        light = [m for m in data if hardened_units(m) <= 1]
        heavy = [m for m in data if hardened_units(m) > 1]
        model = fit(light)
        rest = [abs(model.predict(m.point) - m.mean) / m.mean for m in heavy]
        verdict = "" if target is None else (f"{target:.0%} " + ("OK" if statistics.median(errors) <= target
                                                                  else "MISSED"))
        print(f"{app + ' ' + metric:12} {len(data):>7} {statistics.median(errors):>10.2%} "
              f"{sorted(errors)[int(0.9 * len(errors))]:>7.2%} {verdict:>7}   "
              f"{len(light):>29} {statistics.median(rest):>18.2%}")


if __name__ == "__main__":
    main()

"""The estimate and safety position of the session's configuration, for every screen.

Compares the configuration with the app's measured configurations (its
benchmark data): measured or estimated value, overhead against the baseline,
and how many measured configurations are safer or less safe than it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flexui.model.isolation.configuration import COUPLED_LIBRARIES
from flexui.model.isolation.design import MECHANISM_LEVEL, DesignPoint
from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.estimator import Estimate, Estimator, project
from flexui.model.safety.order import count_relations, safer_steps
from flexui.model.vocabulary import MECHANISM_LABELS

# The metric each app's summary uses (the paper's headline numbers).
HEADLINE = {"redis": "GET", "nginx": "REQ", "iperf": "throughput", "sqlite": "time"}


@dataclass(frozen=True)
class SafetySummary:
    app: str
    metric: str | None
    point: DesignPoint
    estimate: Estimate | None = None
    baseline: Estimate | None = None
    safer: int = 0
    less_safe: int = 0
    compared: int = 0
    note: str = ""  # why no measured configuration compares with this one, when that is so

    @property
    def overhead(self) -> float | None:
        if self.estimate is None or self.baseline is None:
            return None
        return self.estimate.relative_to(self.baseline)

    def line(self) -> str:
        if self.estimate is None:
            return f"{self.app}: no benchmark data (record some with flexui measure record)"
        e = self.estimate
        band = "" if e.kind == "measured" else f" ±{(e.high - e.value) / e.value:.0%}"
        over = f" · overhead {self.overhead:+.0%}" if self.overhead is not None else ""
        return (f"{self.app} {self.metric}: {compact(e.value)} {e.unit} {e.kind}{band}{over}"
                f" · safer: {self.safer} · less safe: {self.less_safe} of {self.compared} measured")

    def short_line(self) -> str:
        """The same for narrow terminals (80 columns)."""
        if self.estimate is None:
            return f"{self.app}: no benchmark data"
        over = f" {self.overhead:+.0%}" if self.overhead is not None else ""
        value = with_unit(self.estimate.value, self.estimate.unit)
        return (f"{self.metric} {value} {self.estimate.kind}{over}"
                f" · ▲{self.safer} safer ▼{self.less_safe} less safe /{self.compared}")


def with_unit(value: float, unit: str) -> str:
    """888k req/s, 2.86 s: a value never without its unit."""
    return f"{compact(value)} {unit}".rstrip()


def compact(value: float) -> str:
    """1.07M, 888k, 0.106: readable at a glance in tables and status lines."""
    if value >= 1e6:
        return f"{value / 1e6:.2f}M"
    if value >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:.3g}"


def default_metric(app: str, db: BenchDB) -> str | None:
    """The paper's headline metric for the app, else its first measured one."""
    metrics = db.metrics(app)
    return HEADLINE[app] if HEADLINE.get(app) in metrics else (metrics[0] if metrics else None)


def summarize(app: str, point: DesignPoint, db: BenchDB, estimator: Estimator | None = None,
              metric: str | None = None, order: str = "product") -> SafetySummary:
    metric = metric if metric in db.metrics(app) else default_metric(app, db)
    if metric is None:
        return SafetySummary(app, None, point)
    estimator = estimator or Estimator(db)
    model = estimator.fit(app, metric)
    projected = project(point, model.libraries)
    measured = [m.point for m in db.series(app, metric)]
    safer, less = count_relations(projected, measured, order)
    return SafetySummary(app, metric, projected, estimator.estimate(app, metric, projected),
                         estimator.baseline(app, metric), safer, less, len(measured),
                         _incomparable_note(projected, measured) if measured and not safer + less else "")


def _incomparable_note(point: DesignPoint, measured: list[DesignPoint]) -> str:
    """The real nginx app's kraft.yaml (MPK private stacks, no DSS) against the paper's
    measurements (all with DSS): same strength, neither safer, so 0 and 0 needed a word."""
    mechanisms = sorted({p.mechanism for p in measured})
    if point.mechanism in mechanisms:
        return ""
    level = MECHANISM_LEVEL[point.mechanism]
    if any(MECHANISM_LEVEL[m] != level for m in mechanisms):
        return ""
    theirs = " or ".join(MECHANISM_LABELS[m] for m in mechanisms)
    return (f"no measured configuration compares with this one: they use {theirs}, as strong as "
            f"{MECHANISM_LABELS[point.mechanism]} but not the same; choose it (F3) to compare")


@dataclass(frozen=True)
class Step:
    point: DesignPoint
    estimate: Estimate
    what: str


def next_safer_steps(summary: SafetySummary, estimator: Estimator) -> list[Step]:
    """The configurations one step safer, cheapest first."""
    if summary.metric is None:
        return []
    model = estimator.fit(summary.app, summary.metric)
    steps = []
    measured_hardening = {lib for lib, unit in model.unit_of.items() if unit in model.harden_cost}
    for p in safer_steps(summary.point, measured_hardening, coupled=COUPLED_LIBRARIES):
        est = estimator.estimate(summary.app, summary.metric, p)
        if est is not None:
            steps.append(Step(p, est, describe_step(summary.point, p)))
    sign = -1 if model.higher_is_better else 1
    # Values equal to 4 digits are ties (floating noise must not reorder them): by name.
    return sorted(steps, key=lambda s: (sign * float(f"{s.estimate.value:.4g}"), s.what,
                                        s.point.key()))


def describe_step(a: DesignPoint, b: DesignPoint) -> str:
    """What the one step from `a` up to `b` does, as the Safety screen lists it."""
    if b.hardened != a.hardened:
        return "harden " + ", ".join(sorted(b.hardened - a.hardened))
    if b.mechanism != a.mechanism:
        return f"stronger mechanism: {MECHANISM_LABELS[b.mechanism]}"
    new = [g for g in b.layout if g not in a.layout]
    smallest = min(new, key=lambda g: (len(g), sorted(g)))
    return "isolate " + ",".join(sorted(smallest))

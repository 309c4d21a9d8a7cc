"""Estimated performance of a configuration from the benchmark database.

A measured point returns its measurement. Otherwise a model fitted to the
app's data predicts it: time per operation (1/throughput, or the time itself)
is a base cost, plus a cost for each pair of library units a compartment
boundary separates (scaled by the mechanism's published gate latency), plus a
cost per hardened library unit and per pair of hardened units (sanitizers in
two libraries that call each other cost more than the sum of each alone:
without the pair terms Nginx's leave-one-out error rises from 3.0% to 4.2%).
Beyond the hardened sets the data measured, a set costs at least what any
of its subsets costs (see `FittedModel.harden_time`).
The fit minimises relative errors (unscaled times gave Nginx 3.8%). The error
band comes from leave-one-out residuals. The coefficients are exposed so that
exploration can evaluate whole configuration spaces without calling `predict`
per point.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from dataclasses import dataclass, field

from flexui.model.isolation.design import DesignPoint, canonical_layout, library_units
from flexui.model.perf.benchdata import BenchDB, Measurement
from flexui.model.vocabulary import (
    MECH_EPT,
    MECH_FCALLS,
    MECH_MPK_DSS,
    MECH_MPK_PRIVATE,
    MECH_MPK_SHARED,
)

# Gate cycles when the data has no table (Fig. 11); mpk-private uses the DSS
# figure: the gate is the same, only stack-variable sharing differs.
DEFAULT_GATES = {MECH_FCALLS: 2.0, MECH_MPK_SHARED: 62.0, MECH_MPK_DSS: 108.0, MECH_MPK_PRIVATE: 108.0, MECH_EPT: 462.0}
RIDGE = 1e-6
BAND_QUANTILE = 0.9


@dataclass(frozen=True)
class Estimate:
    value: float
    kind: str  # "measured" | "estimated"
    low: float
    high: float
    unit: str
    higher_is_better: bool
    basis: str

    def relative_to(self, baseline: Estimate) -> float:
        """Overhead versus `baseline` as a fraction (positive = slower)."""
        if self.higher_is_better:
            return baseline.value / self.value - 1.0
        return self.value / baseline.value - 1.0

    def meets(self, budget: float) -> bool:
        return self.value >= budget if self.higher_is_better else self.value <= budget


def units(libraries: frozenset[str]) -> dict[str, str]:
    """Library -> unit name; coupled libraries (uksched+ukschedcoop) form one unit."""
    return {lib: "+".join(sorted(unit)) for unit in library_units(libraries) for lib in unit}


def project(point: DesignPoint, libraries: frozenset[str]) -> DesignPoint:
    """`point` restricted to `libraries`; libraries it does not place join its largest compartment."""
    groups = [set(g & libraries) for g in point.layout]
    groups = [g for g in groups if g]
    missing = libraries - set().union(*groups) if groups else set(libraries)
    if missing:
        if groups:
            max(groups, key=lambda g: (len(g), sorted(g))).update(missing)
        else:
            groups = [set(missing)]
    return DesignPoint(canonical_layout(groups), point.hardened & libraries, point.mechanism)


@dataclass
class FittedModel:
    """time = base + gate_scale(mechanism) * sum(boundary_cost) + harden_time(hardened)."""

    app: str
    metric: str
    unit: str
    higher_is_better: bool
    libraries: frozenset[str]
    base: float
    boundary_cost: dict[frozenset[str], float]
    harden_cost: dict[str, float]
    harden_pair_cost: dict[frozenset[str], float]
    gates: dict[str, float]
    reference_mechanism: str
    band: float = 0.0
    unit_of: dict[str, str] = field(default_factory=dict)
    measured_hardening: frozenset[frozenset[str]] = frozenset()  # the sets of hardened units the data has
    _harden_memo: dict[frozenset[str], float] = field(default_factory=dict, repr=False, compare=False)

    def mechanism_factor(self, mechanism: str) -> float:
        return self.gates.get(mechanism, 0.0) / self.gates[self.reference_mechanism]

    def to_time(self, value: float) -> float:
        return 1.0 / value if self.higher_is_better else value

    def to_metric(self, time: float) -> float:
        return 1.0 / time if self.higher_is_better else time

    def boundary_time(self, layout) -> float:
        where = {self.unit_of[lib]: i for i, group in enumerate(layout) for lib in group
                 if lib in self.unit_of}
        return sum(cost for pair, cost in self.boundary_cost.items()
                   if len({where.get(u) for u in pair}) == 2)

    def harden_time(self, hardened) -> float:
        """The fitted terms of the hardened units, or more: for a set the data never measured, the
        most that any of its subsets costs (the floor).

        Pair terms below zero (two sanitizers cost less together than apart)
        fit the measured sets, but summed over larger sets they made one more
        hardened library predict a faster program: fitted on the configurations
        with at most two hardened units, the rest came out 6.5 % off for Redis
        GET and 8.3 % for SET, 3.9 % and 3.7 % with the floor. A measured set
        keeps the fit as it is: in Nginx's data, 24 of 160 hardening steps
        were measured faster.
        """
        return self.harden_floor(frozenset(self.unit_of[h] for h in hardened if h in self.unit_of))

    def harden_floor(self, hard: frozenset[str]) -> float:
        """`harden_time` of a set of units; each set is worked out once (from its subsets less one)."""
        if hard not in self._harden_memo:
            below = [] if hard in self.measured_hardening else [self.harden_floor(hard - {u}) for u in hard]
            self._harden_memo[hard] = max([self.harden_sum(hard), *below])
        return self._harden_memo[hard]

    def harden_sum(self, hard: frozenset[str]) -> float:
        """The fitted terms of a set of hardened units, as they are."""
        return (sum(self.harden_cost.get(u, 0.0) for u in hard)
                + sum(c for pair, c in self.harden_pair_cost.items() if pair <= hard))

    def predict_time(self, point: DesignPoint) -> float:
        p = project(point, self.libraries)
        return (self.base + self.mechanism_factor(p.mechanism) * self.boundary_time(p.layout)
                + self.harden_time(p.hardened))

    def predict(self, point: DesignPoint) -> float:
        return self.to_metric(max(self.predict_time(point), 1e-12))


def _normal_equations(rows: list[list[float]], ys: list[float]) -> tuple[list[list[float]], list[float]]:
    """X'X plus the ridge (never on the base term), and X'y."""
    n = len(rows[0])
    a = [[sum(r[i] * r[j] for r in rows) + (RIDGE if i == j and i else 0.0) for j in range(n)]
         for i in range(n)]
    return a, [sum(r[i] * y for r, y in zip(rows, ys)) for i in range(n)]


def _inverse(a: list[list[float]]) -> list[list[float]]:
    """Gauss-Jordan with partial pivoting; a singular direction gets a zero row (small systems only)."""
    n = len(a)
    m = [row[:] + [float(i == j) for j in range(n)] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-300:
            m[col] = [0.0] * (2 * n)
            continue
        scale = m[col][col]
        m[col] = [x / scale for x in m[col]]
        for r in range(n):
            if r != col and m[r][col]:
                f = m[r][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [row[n:] for row in m]


def _dot(u: list[float], v: list[float]) -> float:
    return sum(x * y for x, y in zip(u, v))


@dataclass(frozen=True)
class _Design:
    """The model's terms for one data set: which unit pairs, hardened units and gate scales."""

    libraries: frozenset[str]
    unit_of: dict[str, str]
    pairs: list[frozenset[str]]
    hardenable: list[str]
    hard_pairs: list[frozenset[str]]
    reference: str
    scale: dict[str, float]

    @classmethod
    def of(cls, data: list[Measurement], gates: dict[str, float]) -> _Design:
        libraries = frozenset().union(*(m.point.libraries for m in data))
        unit_of = units(libraries)
        names = sorted(set(unit_of.values()))
        hardenable = sorted({unit_of[h] for m in data for h in m.point.hardened if h in unit_of})
        mechanisms = sorted({m.point.mechanism for m in data})
        reference = max(mechanisms, key=lambda m: sum(d.point.mechanism == m for d in data))
        return cls(libraries, unit_of, [frozenset(p) for p in itertools.combinations(names, 2)],
                   hardenable, [frozenset(p) for p in itertools.combinations(hardenable, 2)],
                   reference, {m: gates.get(m, 0.0) / gates[reference] for m in gates})

    def features(self, point: DesignPoint) -> list[float]:
        p = project(point, self.libraries)
        where = {self.unit_of[lib]: i for i, g in enumerate(p.layout) for lib in g}
        hard = {self.unit_of[h] for h in p.hardened}
        factor = self.scale.get(p.mechanism, 0.0)
        return [1.0, *[factor * (where[a] != where[b]) for a, b in map(sorted, self.pairs)],
                *[float(u in hard) for u in self.hardenable],
                *[float(pair <= hard) for pair in self.hard_pairs]]

    @property
    def nonnegative(self) -> range:
        """The feature indices of the boundaries and of the hardened units."""
        return range(1, 1 + len(self.pairs) + len(self.hardenable))

    def same_terms(self, other: _Design) -> bool:
        return (self.libraries, self.hardenable, self.reference) == \
            (other.libraries, other.hardenable, other.reference)


def _times(data: list[Measurement]) -> list[float]:
    return [1.0 / m.mean if data[0].higher_is_better else m.mean for m in data]


def _relative(rows: list[list[float]], ys: list[float]) -> tuple[list[list[float]], list[float], list[float]]:
    """Rows and times scaled by mean/time, so that least squares minimises relative errors.

    The band and the budget checks judge a prediction by its relative error,
    and measurement noise is relative; unscaled, the slowest configurations
    (hardened ones, at several times the base's time) would decide the fit.
    """
    mean = statistics.fmean(ys)
    scales = [mean / y for y in ys]
    return [[x * s for x in row] for row, s in zip(rows, scales)], [y * s for y, s in zip(ys, scales)], scales


def fit(data: list[Measurement], gates: dict[str, float] | None = None) -> FittedModel:
    """Fit the additive model to one app/metric's measurements."""
    if not data:
        raise ValueError("no measurements to fit")
    gates = {**DEFAULT_GATES, **(gates or {})}
    design = _Design.of(data, gates)
    rows, ys, _ = _relative([design.features(m.point) for m in data], _times(data))
    a, b = _normal_equations(rows, ys)
    coef, _ = _active_set(a, b, design.nonnegative, set())
    return _model(data, gates, design, coef)


def _active_set(a: list[list[float]], b: list[float], nonnegative: range,
                held: set[int]) -> tuple[list[float], list[list[float]]]:
    """Least squares from the normal equations with the `nonnegative` terms kept at zero or
    above, starting with the terms `held` at zero; the coefficients and the inverse normal
    matrix of the terms left free (zero for a term held at zero).

    A boundary crossing or a sanitizer never speeds a program up, but an
    unconstrained fit gave Redis's lwip | scheduler boundary -0.2 % (Nginx
    -1 %): the cost breakdown showed a boundary whose removal made the
    configuration slower. An active set (Lawson and Hanson's): the most
    negative such term is held at zero and the rest refitted, and a held term
    whose gradient says it would lower the error is freed again. Hardening
    pairs stay free: two sanitizers together may cost less than each alone.
    """
    n = len(b)
    held = set(held)
    for _ in range(4 * n):  # the ridge makes the optimum unique; this only bounds a cycle
        coef, inverse = _solve_free(a, b, held)
        negative = [(coef[j], j) for j in nonnegative if j not in held and coef[j] < 0]
        if negative:
            held.add(min(negative)[1])
            continue
        gradient = {j: b[j] - _dot(a[j], coef) for j in held}
        freed = max(held, key=gradient.__getitem__, default=None)
        if freed is None or gradient[freed] <= _TOLERANCE * (1.0 + abs(b[freed])):
            break
        held.discard(freed)
    return coef, inverse


_TOLERANCE = 1e-9


def _solve_free(a: list[list[float]], b: list[float], held: set[int]) -> tuple[list[float], list[list[float]]]:
    free = [j for j in range(len(b)) if j not in held]
    inverse = _inverse([[a[i][j] for j in free] for i in free])
    reduced = [_dot(row, [b[j] for j in free]) for row in inverse]
    coef = [0.0] * len(b)
    full = [[0.0] * len(b) for _ in b]
    for r, j in enumerate(free):
        coef[j] = reduced[r]
        for c, k in enumerate(free):
            full[j][k] = inverse[r][c]
    return coef, full


def _model(data: list[Measurement], gates: dict[str, float], design: _Design,
           coef: list[float]) -> FittedModel:
    first, n_pairs, n_hard = data[0], len(design.pairs), len(design.hardenable)
    return FittedModel(
        app=first.app, metric=first.metric, unit=first.unit, higher_is_better=first.higher_is_better,
        libraries=design.libraries, base=coef[0],
        boundary_cost=dict(zip(design.pairs, coef[1:1 + n_pairs])),
        harden_cost=dict(zip(design.hardenable, coef[1 + n_pairs:])),
        harden_pair_cost=dict(zip(design.hard_pairs, coef[1 + n_pairs + n_hard:])),
        gates=gates, reference_mechanism=design.reference, unit_of=design.unit_of,
        measured_hardening=frozenset(frozenset(design.unit_of[h] for h in m.point.hardened if h in design.unit_of)
                                     for m in data))


def loo_errors(data: list[Measurement], gates: dict[str, float] | None = None) -> list[float]:
    """Relative error of each point predicted by a model fitted without it."""
    return [abs(p - m.mean) / m.mean for p, m in zip(loo_predictions(data, gates), data)]


def loo_predictions(data: list[Measurement], gates: dict[str, float] | None = None) -> list[float]:
    """Each point's value predicted by a model fitted without it.

    One fit, not one per point: for ridge least squares the prediction
    without point i is (fitted_i - h_ii * y_i) / (1 - h_ii), h the hat
    matrix, in the scaled rows (point i's own scale only converts the result
    back). A point whose removal changes the model's terms (its library or
    hardening appears nowhere else), that alone decides a term (h_ii near
    1) is refitted without it instead; one without which the terms held at
    zero (see `_active_set`) would differ is solved again from the same sums less
    its own.
    """
    gates = {**DEFAULT_GATES, **(gates or {})}
    design = _Design.of(data, gates)
    rows, ys, scales = _relative([design.features(m.point) for m in data], _times(data))
    a, b = _normal_equations(rows, ys)
    coef, inverse = _active_set(a, b, design.nonnegative, set())
    model = _model(data, gates, design, coef)
    n = len(b)
    free = [j for j in design.nonnegative if coef[j] != 0.0]
    held = [j for j in design.nonnegative if coef[j] == 0.0]
    # A held term's gradient without point i is g + step * ((A A^-1 x)_j - x_j); its row of
    # A A^-1 once for all points.
    gradient = {j: b[j] - _dot(a[j], coef) for j in held}
    through = {j: [_dot(a[j], [inverse[r][k] for r in range(n)]) for k in range(n)] for j in held}
    predictions = []
    for i, (m, x, y, scale, changes) in enumerate(zip(data, rows, ys, scales,
                                                      _changes_terms(data, design))):
        # x' A^-1 x over x's nonzero terms only: the same sums, in the same order, without the zeros.
        nonzero = [j for j, v in enumerate(x) if v]
        h = sum(x[j] * sum(inverse[j][k] * x[k] for k in nonzero) for j in nonzero)
        if not (1.0 - h < 1e-3 or changes):
            # Without point i the coefficients are coef - step A^-1 x, step = its residual / (1 - h).
            step = (y - _dot(x, coef)) / (1.0 - h)
            negative = any(coef[j] - step * sum(inverse[j][k] * x[k] for k in nonzero) < 0 for j in free)
            freed = {j for j in held if gradient[j] + step * (sum(through[j][k] * x[k] for k in nonzero) - x[j])
                     > _TOLERANCE * (1.0 + abs(b[j]))}
            if not negative and not freed:
                predictions.append(model.to_metric(max((_dot(x, coef) - h * y) / (1.0 - h) / scale, 1e-12)))
                continue
            # Other terms held at zero without it: solved again from the same sums less its own.
            without, _ = _active_set([[a[j][k] - x[j] * x[k] for k in range(n)] for j in range(n)],
                                     [b[j] - x[j] * y for j in range(n)], design.nonnegative,
                                     set(held) - freed)
            predictions.append(model.to_metric(max(_dot(x, without) / scale, 1e-12)))
            continue
        predictions.append(fit(data[:i] + data[i + 1:], gates).predict(m.point))
    return predictions


def _changes_terms(data: list[Measurement], design: _Design) -> list[bool]:
    """For each point, whether the model without it has other terms (`_Design.same_terms` false).

    Counted once for all points rather than designing the rest anew for each:
    leaving a point out drops a library or a hardened unit that only it has,
    or moves the reference mechanism (the most measured one).
    """
    libraries = Counter(lib for m in data for lib in m.point.libraries)
    hardened = [{design.unit_of[h] for h in m.point.hardened if h in design.unit_of} for m in data]
    hardened_count = Counter(unit for units in hardened for unit in units)
    mechanisms = Counter(m.point.mechanism for m in data)
    changes = []
    for m, units in zip(data, hardened):
        counts = mechanisms.copy()
        counts[m.point.mechanism] -= 1
        left = sorted(mech for mech, n in counts.items() if n > 0)
        changes.append(any(libraries[lib] == 1 for lib in m.point.libraries)
                       or any(hardened_count[unit] == 1 for unit in units)
                       or not left or max(left, key=lambda mech: counts[mech]) != design.reference)
    return changes


def interval_coverage(data: list[Measurement], gates: dict[str, float] | None = None,
                      quantile: float = BAND_QUANTILE) -> float:
    """How often a point's value lies in the band around its leave-one-out prediction.

    The band for point i is computed without point i too (the quantile of the
    other points' leave-one-out errors), so this is the coverage a user sees
    for a configuration that was never measured.
    """
    predictions = loo_predictions(data, gates)
    errors = [abs(p - m.mean) / m.mean for p, m in zip(predictions, data)]
    inside = 0
    for i, (p, m) in enumerate(zip(predictions, data)):
        band = _quantile(errors[:i] + errors[i + 1:], quantile)
        inside += p * (1 - band) <= m.mean <= p * (1 + band)
    return inside / len(data) if data else 0.0


class Estimator:
    def __init__(self, db: BenchDB) -> None:
        self.db = db
        self._models: dict[tuple[str, str], FittedModel] = {}

    @property
    def gates(self) -> dict[str, float]:
        table = self.db.tables.get("gate_cycles", {})
        return {**DEFAULT_GATES, **{k: v for k, v in table.items() if k in DEFAULT_GATES}}

    def fit(self, app: str, metric: str) -> FittedModel:
        key = (app, metric)
        if key not in self._models:
            self._models[key] = fit(self.db.series(app, metric), self.gates)
        return self._models[key]

    def band(self, app: str, metric: str) -> float:
        """The model's relative error band; computed on first need (one refit per point)."""
        model = self.fit(app, metric)
        if not model.band:
            data = self.db.series(app, metric)
            # Too few points to measure the model's error: a wide, honest band.
            model.band = _quantile(loo_errors(data, self.gates), BAND_QUANTILE) if len(data) >= 4 else 0.25
        return model.band

    def estimate(self, app: str, metric: str, point: DesignPoint) -> Estimate | None:
        if metric not in self.db.metrics(app):
            return None
        model = self.fit(app, metric)
        projected = project(point, model.libraries)
        measured = self.db.lookup(app, metric, projected)
        if measured is not None:
            source = self.db.provenance.get(measured.source)
            basis = f"measured: {source.figure} of the paper" if source and source.figure \
                else "measured: your own measurement"
            return Estimate(measured.mean, "measured", measured.mean - measured.stdev,
                            measured.mean + measured.stdev, measured.unit,
                            measured.higher_is_better, basis)
        value = model.predict(projected)
        relative = self.band(app, metric)
        return Estimate(value, "estimated", value * (1 - relative), value * (1 + relative), model.unit,
                        model.higher_is_better,
                        f"estimated from {len(self.db.series(app, metric))} measurements "
                        f"(±{relative:.0%}, leave-one-out)")

    def baseline(self, app: str, metric: str) -> Estimate | None:
        """The least isolated measured configuration: one compartment, nothing hardened."""
        series = self.db.series(app, metric)
        plain = [m for m in series if len(m.point.layout) == 1 and not m.point.hardened]
        if not plain:
            return None
        best = max(plain, key=lambda m: m.mean if m.higher_is_better else -m.mean)
        return self.estimate(app, metric, best.point)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median_ape(errors: list[float]) -> float:
    return statistics.median(errors) if errors else 0.0

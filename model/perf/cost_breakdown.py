"""Where a configuration's cost comes from: the estimator's terms, one by one.

The additive model is time = base + gate factor x (sum of crossed boundaries)
+ (sum of hardened libraries) + (hardened pairs), raised to what a subset of
the hardened libraries costs where that is more (the floor). Each term is shown as the
slowdown it adds over the base and as the value without it, so a user sees
which boundary to merge or which library to un-harden first.
"""

from __future__ import annotations

from dataclasses import dataclass

from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.estimator import FittedModel, project
from flexui.model.vocabulary import MECHANISM_LABELS


@dataclass(frozen=True)
class Term:
    kind: str  # "boundary" | "hardening" | "hardening pair" | "hardening floor"
    what: str  # "lwip | redis", "harden lwip"
    time: float  # in the model's time (1/value for throughputs)
    slowdown: float  # time / base: +0.12 is 12 % slower than the base
    without: float  # the predicted value without it (a hardening's pairs go with it)


@dataclass(frozen=True)
class Breakdown:
    metric: str
    unit: str
    mechanism: str
    gate_factor: float  # boundary costs scale by this for the configuration's mechanism
    base: float  # predicted value with no boundary and nothing hardened
    predicted: float
    terms: list[Term]
    higher_is_better: bool

    @property
    def overhead(self) -> float:
        return sum(t.slowdown for t in self.terms)

    def lines(self, limit: int | None = None) -> list[str]:
        """Plain lines, costliest term first (CLI and screen show the same)."""
        head = [f"Cost by term (estimated): {figure(self.predicted)} {self.unit} against a base of "
                f"{figure(self.base)} {self.unit}, {self.overhead:+.0%} in all",
                f"  boundaries weigh × {self.gate_factor:.2f} with {MECHANISM_LABELS[self.mechanism]}"]
        if not self.terms:
            return [*head, "  no boundary crossed, nothing hardened: no overhead term"]
        shown = self.terms if limit is None else self.terms[:limit]
        rows = [f"  {t.slowdown:>+7.1%}  {' '.join(filter(None, (t.kind, t.what)))}  {self._note(t)}" for t in shown]
        rest = len(self.terms) - len(shown)
        return head + rows + ([f"  … {rest} smaller term(s)"] if rest > 0 else [])


    def _note(self, term: Term) -> str:
        if not term.time:
            return "(no cost the data can see)"
        if term.kind == "hardening pair":  # not a thing to remove: what the two do together
            return f"(hardened together they cost {'more' if term.time > 0 else 'less'} than apart)"
        if term.kind == "hardening floor":
            return "(no measured set this large: hardening more is never estimated faster)"
        slower = term.without < self.predicted if self.higher_is_better else term.without > self.predicted
        if slower:  # the data's own sub-additivity, where it measured such a set
            return f"(without it {figure(term.without)} {self.unit}: slower, as the measurements have it)"
        return f"(without it {figure(term.without)} {self.unit})"


def figure(value: float) -> str:
    """1,052,568 or 2.861: every digit a value of thousands has, never an exponent."""
    return f"{value:,.4g}" if value < 1e3 else f"{value:,.0f}"


def breakdown(model: FittedModel, point: DesignPoint) -> Breakdown:
    p = project(point, model.libraries)
    factor = model.mechanism_factor(p.mechanism)
    where = {model.unit_of[lib]: i for i, group in enumerate(p.layout) for lib in group
             if lib in model.unit_of}
    raw = [("boundary", " | ".join(sorted(pair)), factor * cost)
           for pair, cost in model.boundary_cost.items() if len({where.get(u) for u in pair}) == 2]
    hard = {model.unit_of[h] for h in p.hardened if h in model.unit_of}
    raw += [("hardening", u, model.harden_cost[u]) for u in sorted(hard) if model.harden_cost.get(u)]
    raw += [("hardening pair", " + ".join(sorted(pair)), c)
            for pair, c in model.harden_pair_cost.items() if pair <= hard and c]
    units = frozenset(hard)
    floor = model.harden_floor(units) - model.harden_sum(units)
    if floor > 0:
        raw.append(("hardening floor", "", floor))
    total = model.predict_time(p)

    def without(kind: str, what: str, t: float) -> float:
        """Un-hardening a library ends its pairs too: the value of the configuration without it."""
        gone = model.harden_floor(units) - model.harden_floor(units - {what}) if kind == "hardening" else t
        return model.to_metric(max(total - gone, 1e-12))

    terms = [Term(kind, what, t, t / model.base, without(kind, what, t)) for kind, what, t in raw]
    terms.sort(key=lambda t: (-round(abs(t.slowdown), 9), t.kind, t.what))  # ties: by name
    return Breakdown(model.metric, model.unit, p.mechanism, factor, model.to_metric(model.base),
                     model.predict(p), terms, model.higher_is_better)

"""The exploration plan, re-planned as results arrive (the closed loop's brain).

The same strategy as `exploration.plan`, made incremental and parallel: each
start picks the unknown configuration in the middle of the longest unknown
chains, preferring ones no running job can settle; each result settles the
configurations it implies (over budget: everything safer is dropped; within
budget: everything less safe is in); a failed build marks only its own
configuration failed. When everything is settled the answer and its
one-step-safer neighbours are measured until they agree with inference
("checked" mode), so a break of "safer is slower" near the budget is caught.
A check that is due whatever the running jobs find starts while they run,
instead of leaving a build slot idle until they report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchdata import Measurement
from flexui.model.perf.estimator import FittedModel, fit
from flexui.model.safety.order import leq

SPECULATE = 3  # running jobs whose outcomes are enumerated (2**3 cases) to find checks due in every case


@dataclass
class LoopPlan:
    points: list[DesignPoint]
    budget: float
    higher_is_better: bool
    order: str = "product"
    verify: bool = True
    values: dict[DesignPoint, float] = field(default_factory=dict)
    failed: set[DesignPoint] = field(default_factory=set)
    running: set[DesignPoint] = field(default_factory=set)
    model: FittedModel | None = None

    def __post_init__(self) -> None:
        n = len(self.points)
        self._index = {p: i for i, p in enumerate(self.points)}
        self._above = [{j for j in range(n) if leq(self.points[i], self.points[j], self.order)} for i in range(n)]
        self._below = [{j for j in range(n) if leq(self.points[j], self.points[i], self.order)} for i in range(n)]
        self._state: list[bool | None] = [None] * n
        self._verifying = False
        self._checks: set[int] = set()  # started as checks before the exploration had ended
        for p, v in list(self.values.items()):
            self._settle(p, v)
        for p in list(self.failed):
            self._state[self._index[p]] = False

    # -- results ------------------------------------------------------------------
    def meets(self, value: float) -> bool:
        return value >= self.budget if self.higher_is_better else value <= self.budget

    def record(self, point: DesignPoint, value: float) -> None:
        self.running.discard(point)
        self.values[point] = value
        self._settle(point, value)

    def record_failure(self, point: DesignPoint) -> None:
        """A configuration that does not build or boot: not feasible, implies nothing else."""
        self.running.discard(point)
        self.failed.add(point)
        self._state[self._index[point]] = False

    def _settle(self, point: DesignPoint, value: float) -> None:
        i = self._index[point]
        ok = self.meets(value)
        if self._verifying or i in self._checks:
            self._state[i] = ok
            return
        self._propagate(self._state, i, ok)

    def _propagate(self, state: list[bool | None], i: int, ok: bool) -> None:
        for j in (self._below[i] if ok else self._above[i]):
            if state[j] is None:
                state[j] = ok
        state[i] = ok

    def refit(self, app: str, metric: str, unit: str) -> FittedModel | None:
        """The estimator fitted on this run's measurements (None until there are enough)."""
        if len(self.values) < 3:
            return None
        data = [Measurement(app, metric, p, v, 0.0, 1, unit, self.higher_is_better, "closed-loop")
                for p, v in self.values.items()]
        self.model = fit(data)
        return self.model

    # -- what next ----------------------------------------------------------------
    def settled(self, point: DesignPoint) -> bool:
        return point in self.values or point in self.failed or self._state[self._index[point]] is not None

    def next(self, slots: int) -> list[DesignPoint]:
        """Up to `slots` configurations to start now (nothing when the answer is known)."""
        chosen: list[DesignPoint] = []
        for _ in range(max(0, slots)):
            point = self._pick()
            if point is None:
                break
            self.running.add(point)
            chosen.append(point)
        return chosen

    def _pick(self) -> DesignPoint | None:
        busy = {self._index[p] for p in self.running}
        unknown = [i for i, s in enumerate(self._state) if s is None and i not in busy]
        if unknown:
            return self.points[self._best(unknown, busy)]
        if not self.verify:
            return None
        if busy and not self._verifying:  # the running jobs may settle everything that is left
            due = self._due_whatever(busy)
            if due is not None:
                self._checks.add(due)
                return self.points[due]
            return None
        self._verifying = True
        todo = [i for i in self._frontier() if i not in busy]
        return self.points[todo[0]] if todo else None

    def _best(self, unknown: list[int], busy: set[int]) -> int:
        def free(i: int) -> bool:
            return not any(j in self._above[i] or j in self._below[i] for j in busy)

        def score(i: int) -> tuple:
            up = sum(self._state[j] is None and j not in busy for j in self._above[i])
            down = sum(self._state[j] is None and j not in busy for j in self._below[i])
            near = 0.0
            if self.model is not None:
                near = -abs(self.model.predict(self.points[i]) - self.budget) / self.budget
            return (free(i), up * down, near, -i)

        return max(unknown, key=score)

    def _due_whatever(self, busy: set[int]) -> int | None:
        """A check the plan will make whichever way each running job turns out, if there is one."""
        running = sorted(busy)
        if len(running) > SPECULATE:
            return None
        due: set[int] | None = None
        for outcome in range(2 ** len(running)):
            state = list(self._state)
            for bit, i in enumerate(running):
                self._propagate(state, i, bool(outcome >> bit & 1))
            if any(s is None for s in state):
                return None  # in this case the exploration goes on: no check is due yet
            todo = set(self._frontier(state)) - busy
            due = todo if due is None else due & todo
        return min(due) if due else None

    def _frontier(self, state: list[bool | None] | None = None) -> list[int]:
        """The answer and its one-step-safer neighbours that are not measured yet (under `state`)."""
        state = self._state if state is None else state
        measured = {self._index[p] for p in [*self.values, *self.failed]}
        feasible = [i for i, s in enumerate(state) if s]
        answer = [i for i in feasible if not any(j != i and state[j] for j in self._above[i])]
        covers = {j for i in answer for j in self._above[i] if j != i
                  and not any(k not in (i, j) and j in self._above[k] for k in self._above[i])}
        return sorted(i for i in {*answer, *covers} if i not in measured)

    @property
    def done(self) -> bool:
        if self.running:
            return False
        if any(s is None for s in self._state):
            return False
        return not self.verify or not self._frontier()

    def answer(self) -> list[DesignPoint]:
        feasible = [i for i, s in enumerate(self._state) if s]
        return [self.points[i] for i in feasible
                if not any(j != i and self._state[j] for j in self._above[i])]

    def verdict(self, point: DesignPoint) -> str:
        """How the plan sees a configuration: meets, over, failed, or open."""
        if point in self.failed:
            return "failed"
        state = self._state[self._index[point]]
        return "open" if state is None else ("meets" if state else "over")

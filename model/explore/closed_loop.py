"""Closed-loop exploration: build, boot and measure only what the plan asks for.

The driver keeps the engine's slots busy with the plan's next
configurations, records each result as it arrives (journal, user benchmark
data), feeds it back to the plan, which drops what it settles and refits the
estimator, and stops when the safest set under the budget is known. The CLI
and the Run plan screen both call `run_loop`; it reports through `on_update`
(from the calling thread) and stops as a whole when `cancel` is set.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flexui.model.explore.bench_spec import BenchSpec
from flexui.model.explore.jobs import BenchJob, BenchOutcome, BuildJob
from flexui.model.explore.journal import (
    Entry,
    Journal,
    inputs_digest,
    record_measurement,
)
from flexui.model.explore.plan import LoopPlan
from flexui.model.isolation.design import DesignPoint
from flexui.model.safety.budget_answer import none_meets
from flexui.model.workdir.job_trees import TreeSource, prune

PHASES = ("queued", "building", "booting", "measuring", "done", "failed", "reused", "cancelled")
POLL = 0.1


@dataclass
class Row:
    """One configuration the run started (or reused), as the live table shows it."""

    point: DesignPoint
    phase: str = "queued"
    value: float | None = None
    stdev: float = 0.0
    verdict: str = ""  # meets | over | failed
    error: str = ""
    build_seconds: float = 0.0
    boot_seconds: float = 0.0


@dataclass
class LoopStatus:
    rows: dict[DesignPoint, Row]
    answer: list[DesignPoint]
    settled: int
    total: int
    measured: int
    done: bool = False
    cancelled: bool = False
    wall: float = 0.0
    higher_is_better: bool = True

    def no_answer(self) -> str:
        return no_answer(self.rows, self.measured, self.higher_is_better)


def nothing_measured(rows: dict[DesignPoint, Row], measured: int) -> bool:
    """Every configuration failed: the safest set is unknown, not empty."""
    return measured == 0 and any(r.phase == "failed" for r in rows.values())


def no_answer(rows: dict[DesignPoint, Row], measured: int, higher_is_better: bool) -> str:
    """Why a finished run has no answer, in the words both the CLI and the Run plan screen show."""
    if nothing_measured(rows, measured):
        first = next(r.error for r in rows.values() if r.phase == "failed")
        return f"nothing could be measured: every configuration failed; the first failure: {first}"
    return none_meets(higher_is_better)


@dataclass
class ClosedLoop:
    app: str
    metric: str
    spec: BenchSpec
    points: list[DesignPoint]
    budget: float
    source: TreeSource
    configure: Callable[[DesignPoint], dict[str, str]]  # the files flexui writes for a configuration
    journal: Journal
    user_benchdata: Path
    commands: list[list[str]] | None = None
    image_name: str = ""
    order: str = "product"
    verify: bool = True
    accel: str = "auto"
    trees: Path | None = None  # None: a temporary folder (local), the worker's temp dir (cluster)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])


@dataclass
class LoopResult:
    answer: list[DesignPoint]
    plan: LoopPlan
    rows: dict[DesignPoint, Row]
    measured: int
    reused: int
    failed: int
    cancelled: bool
    wall: float
    job_seconds: list[float] = field(default_factory=list)  # build + benchmark time per job


def run_loop(loop: ClosedLoop, engine, on_update: Callable[[LoopStatus], None] = lambda s: None,
             cancel: threading.Event | None = None) -> LoopResult:
    start = time.monotonic()
    metric = loop.spec.metrics[loop.metric]
    plan = LoopPlan(list(loop.points), loop.budget, metric.higher_is_better, loop.order, loop.verify)
    commits = loop.source.commits()
    rows: dict[DesignPoint, Row] = {}
    inputs: dict[DesignPoint, tuple[str, dict[str, str]]] = {}
    futures: dict = {}
    job_seconds: list[float] = []
    reused = 0
    own_trees = loop.trees is None and engine.local
    trees = Path(tempfile.mkdtemp(prefix="flexui-trees-")) if own_trees else loop.trees

    def status(done: bool = False, cancelled: bool = False) -> LoopStatus:
        return LoopStatus(rows, plan.answer() if done else [], sum(plan.settled(p) for p in plan.points),
                          len(plan.points), len(plan.values), done, cancelled, time.monotonic() - start,
                          metric.higher_is_better)

    def inputs_of(point: DesignPoint) -> tuple[str, dict[str, str]]:
        if point not in inputs:
            files = loop.configure(point)
            inputs[point] = (inputs_digest(point, files, loop.commands, commits, loop.spec.digest(),
                                           loop.metric), files)
        return inputs[point]

    cancelled = False
    try:
        while not plan.done:
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            started = plan.next(engine.slots() - len(futures))
            for point in started:
                digest, files = inputs_of(point)
                earlier = loop.journal.measured(digest)
                if earlier is not None:
                    rows[point] = Row(point, "reused", earlier.mean, earlier.stdev,
                                      "meets" if plan.meets(earlier.mean) else "over")
                    plan.record(point, earlier.mean)
                    reused += 1
                    continue
                rows[point] = Row(point)
                build = BuildJob(point.key(), loop.run_id, loop.source, trees or Path(tempfile.gettempdir()) /
                                 "flexui-trees", files, loop.commands, loop.image_name)
                bench = BenchJob(point.key(), loop.run_id, point.mechanism, loop.spec, loop.metric, loop.accel)
                futures[engine.submit(build, bench)] = point
            if not futures:
                if not started:
                    break
                continue
            on_update(status())
            engine.wait(futures, POLL)
            for key, phase in engine.statuses(loop.run_id):
                row = rows.get(DesignPoint.from_key(key))
                if row is not None and row.phase not in ("done", "failed"):
                    row.phase = phase
            for future in [f for f in futures if f.done()]:
                point = futures.pop(future)
                outcome = engine.result(future)
                _finish(loop, plan, rows[point], outcome, inputs_of(point)[0], commits, job_seconds)
                plan.refit(loop.app, loop.metric, metric.unit)
    finally:
        if cancelled or futures:
            cancelled = True
            engine.cancel(loop.run_id)
            for point in futures.values():
                rows[point].phase = "cancelled"
                plan.running.discard(point)
        if own_trees and trees is not None:
            shutil.rmtree(trees, ignore_errors=True)
            prune(loop.source)
    final = status(done=not cancelled, cancelled=cancelled)
    on_update(final)
    return LoopResult(final.answer if not cancelled else [], plan, rows, len(plan.values) - reused, reused,
                      len(plan.failed), cancelled, time.monotonic() - start, job_seconds)


def _finish(loop: ClosedLoop, plan: LoopPlan, row: Row, outcome, digest: str, commits: dict[str, str],
            job_seconds: list[float]) -> None:
    """Record one finished job: a measurement, or a failed configuration."""
    metric = loop.spec.metrics[loop.metric]
    if not isinstance(outcome, BenchOutcome):
        row.phase, row.verdict = "failed", "failed"
        row.error = f"the job was lost: {type(outcome).__name__}: {outcome}"
        plan.record_failure(row.point)
        loop.journal.add(Entry(row.point.key(), digest, "failed", unit=metric.unit, error=row.error,
                               commits=commits))
        return
    row.build_seconds = outcome.build.duration if outcome.build else 0.0
    row.boot_seconds = sum(outcome.boot_seconds)
    job_seconds.append(row.build_seconds + row.boot_seconds)
    entry = Entry(row.point.key(), digest, "measured" if outcome.ok else "failed", unit=metric.unit,
                  error=outcome.error, host=outcome.host, cpu=outcome.cpu, accel=outcome.accel,
                  build_seconds=row.build_seconds, boot_seconds=outcome.boot_seconds, commits=commits)
    if outcome.cancelled:
        row.phase = "cancelled"
        plan.running.discard(row.point)
        return
    if not outcome.ok:
        row.phase, row.verdict, row.error = "failed", "failed", outcome.error
        plan.record_failure(row.point)
        loop.journal.add(entry)
        return
    entry.values, entry.mean, entry.stdev = outcome.values, outcome.mean, outcome.stdev
    row.phase, row.value, row.stdev = "done", outcome.mean, outcome.stdev
    plan.record(row.point, outcome.mean)
    row.verdict = "meets" if plan.meets(outcome.mean) else "over"
    loop.journal.add(entry)
    record_measurement(loop.user_benchdata, loop.app, loop.metric, metric.higher_is_better, entry)

"""`flexui explore --execute`: carry the plan out (build, boot, measure) on Dask.

Headless (no Textual). Exit codes: 0 the answer is known, 2 invalid input,
3 interrupted or cancelled (rerun the same command to resume), 4 nothing
could be measured (every configuration failed to build or boot: the answer
is unknown, not empty), 1 internal.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flexui.model.vocabulary import KRAFT_YAML, spelled_as

if TYPE_CHECKING:  # the loop's modules load only when --execute is given
    from flexui.model.explore.bench_spec import BenchSpec
    from flexui.model.explore.closed_loop import ClosedLoop, LoopResult

EXIT_CANCELLED = 3
EXIT_NOTHING_MEASURED = 4


class Invalid(Exception):
    """Bad arguments: one line on stderr, exit code 2."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("closed loop (--execute)")
    g.add_argument("--execute", action="store_true",
                   help="build, boot and measure the plan's configurations (the app must be a directory)")
    where = g.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=2, help="build workers of the local Dask cluster (default 2)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="send the jobs to an existing Dask cluster")
    g.add_argument("--sources", type=Path, metavar="DIR",
                   help="the work directory the build trees are made from (default: the app's)")
    g.add_argument("--spec", type=Path, metavar="FILE", help="the benchmark spec (default: the app's, see benchspecs/)")
    g.add_argument("--build-cmd", action="append", metavar="CMD", default=None,
                   help="build command(s) instead of the FlexOS sequence")
    g.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto")
    g.add_argument("--no-verify", action="store_true",
                   help="trust 'safer is slower' and skip measuring the answer's safer neighbours")


def resolve(args: argparse.Namespace) -> tuple[ClosedLoop, BenchSpec]:
    from flexui.model.explore.bench_spec import find_spec, load_spec
    from flexui.model.explore.closed_loop import ClosedLoop
    from flexui.model.explore.journal import user_journal
    from flexui.model.files.userdirs import data_dir
    from flexui.model.isolation.design import DesignPoint, apply_point
    from flexui.model.isolation.kraftyaml import load_kraft
    from flexui.model.safety.exploration import parse_budget
    from flexui.model.safety.space import ConfigSpace
    from flexui.model.workdir.enclosing import workdir_of

    app_dir = Path(args.app).absolute()
    if not (app_dir / KRAFT_YAML).is_file():
        raise Invalid(f"{args.app}: no kraft.yaml there; --execute needs an app directory in a work directory")
    kraft = load_kraft(app_dir / KRAFT_YAML)
    name = kraft.data.get("name")
    name = name if isinstance(name, str) else app_dir.name
    workdir = (args.sources or workdir_of(app_dir))
    if workdir is None or not (Path(workdir) / "apps" / app_dir.name).is_dir():
        raise Invalid(f"{app_dir}: not in a work directory (apps/<app> next to unikraft/); give --sources DIR")
    spec_path = args.spec or find_spec(name)
    if spec_path is None:
        raise Invalid(f"no benchmark spec for app {name!r}; write one (see benchspecs/README.md) and pass --spec FILE")
    spec = load_spec(spec_path)
    # No metric: the Run plan screen of an app without data.
    args.metric = spelled_as(args.metric, spec.metrics) if args.metric else next(iter(spec.metrics))
    if args.metric not in spec.metrics:
        raise Invalid(f"{spec_path}:1: no metric {args.metric!r}; the spec has {', '.join(spec.metrics)}")
    try:
        budget = parse_budget(args.budget)
    except ValueError as e:
        raise Invalid(f"--budget {e}") from None
    iso = kraft.isolation()
    libraries = spec.libraries or sorted(iso.libraries)
    space = ConfigSpace.generate(libraries, max_compartments=args.max_compartments or spec.max_compartments,
                                 hardenable=spec.hardenable, mechanisms=spec.mechanisms)
    points = sorted(space.points(), key=DesignPoint.key)

    build_settings = _build_settings(app_dir)

    def configure(point: DesignPoint) -> dict[str, str]:
        from flexui.cmd_apply import plan_preset
        from flexui.model.presets.preset import Preset

        config = kraft.isolation()
        apply_point(config, point)
        plan = plan_preset(Preset(f"explore {point.key()}", "", name, config, build=build_settings), app=app_dir,
                           workdir=Path(workdir))
        return {str(path.relative_to(app_dir)): text for path, text in plan.files.items()}

    from flexui.model.workdir.job_trees import TreeSource

    commands = [shlex.split(c) for c in args.build_cmd] if args.build_cmd else None
    loop = ClosedLoop(app=name, metric=args.metric, spec=spec, points=points, budget=budget,
                      source=TreeSource(Path(workdir).absolute(), app_dir.name), configure=configure,
                      journal=user_journal(name, args.metric),
                      user_benchdata=data_dir() / "benchdata", commands=commands,
                      image_name=f"{app_dir.name}_kvm-x86_64", order=args.order,
                      verify=not args.no_verify, accel=args.accel)
    return loop, spec


def _build_settings(app_dir: Path):
    """The app's flexui-build.yaml: every configuration is built with the make variables the app's own build has."""
    from flexui.model.build.settings import load_build_settings
    from flexui.model.files.problems import InputError

    try:
        return load_build_settings(app_dir)
    except InputError as e:
        raise Invalid(str(e.problems[0])) from None


def execute(args: argparse.Namespace) -> int:
    from flexui.model.explore.closed_loop import LoopStatus, run_loop
    from flexui.model.explore.engine import ClusterError, DaskEngine

    try:
        loop, spec = resolve(args)
    except Invalid as e:
        print(f"flexui explore: {e}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("flexui explore: --workers must be at least 1", file=sys.stderr)
        return 2
    metric = spec.metrics[loop.metric]
    if not args.json:  # --json: stdout is the one JSON document
        print(f"{loop.app} {loop.metric}: {len(loop.points)} configurations; budget "
              f"{'>=' if metric.higher_is_better else '<='} {loop.budget:,.6g} {metric.unit}", flush=True)
    shown: set = set()

    def on_update(status: LoopStatus) -> None:
        if args.json:
            return
        for point, row in status.rows.items():
            if row.phase in ("done", "failed", "reused") and point not in shown:
                shown.add(point)
                value = f"{row.value:,.6g} ±{row.stdev:.3g} {row.verdict}" if row.value is not None else row.error
                print(f"  [{status.settled}/{status.total}] {row.phase:<6} {value}  {point.label()}", flush=True)

    engine = DaskEngine(workers=args.workers, scheduler=args.scheduler)
    cancel = threading.Event()
    try:
        engine.start()
        result = run_loop(loop, engine, on_update, cancel)
    except ClusterError as e:
        print(f"flexui explore: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("flexui explore: interrupted; the measurements so far are kept: rerun the same command "
              "to resume", file=sys.stderr)
        return EXIT_CANCELLED
    finally:
        engine.close()
    return _report(args, loop, result, metric.unit)


def _report(args: argparse.Namespace, loop: ClosedLoop, result: LoopResult, unit: str) -> int:
    from flexui.model.explore.closed_loop import no_answer, nothing_measured
    from flexui.model.isolation.design import DesignPoint

    answer = sorted(result.answer, key=DesignPoint.key)
    measured = result.measured + result.reused
    if args.json:
        json.dump({"app": loop.app, "metric": loop.metric, "budget": loop.budget, "space_size": len(loop.points),
                   "measured": result.measured, "reused": result.reused, "failed": result.failed,
                   "cancelled": result.cancelled, "wall_seconds": result.wall,
                   "answer": [{"configuration": p.key(), "label": p.label(),
                               "value": result.plan.values.get(p)} for p in answer],
                   "jobs": [{"configuration": p.key(), "phase": r.phase, "value": r.value, "stdev": r.stdev,
                             "verdict": r.verdict, "error": r.error, "build_seconds": r.build_seconds,
                             "boot_seconds": r.boot_seconds} for p, r in result.rows.items()]},
                  sys.stdout, indent=1)
        print()
    else:
        print(f"{result.measured} measured, {result.reused} reused, {result.failed} failed of "
              f"{len(loop.points)} configurations in {result.wall:.1f} s")
        for p in answer:
            value = result.plan.values.get(p)
            print(f"  {value:>14,.6g} {unit:<6} {p.label()}" if value is not None else f"  {'':>14} {p.label()}")
        if not answer and not result.cancelled:
            print(f"  {no_answer(result.rows, measured, loop.spec.metrics[loop.metric].higher_is_better)}")
    if result.cancelled:
        return EXIT_CANCELLED
    return EXIT_NOTHING_MEASURED if nothing_measured(result.rows, measured) else 0

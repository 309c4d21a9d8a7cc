"""`flexui explore`: the safest configurations that meet a performance budget.

Headless (no Textual import); exit codes as for --apply: 0 done, 2 invalid
input, 1 internal failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flexui.model.benchdata import BenchDB
from flexui.model.budget_answer import hardenable_with_data
from flexui.model.config_space import ConfigSpace
from flexui.model.design import DesignPoint
from flexui.model.estimator import Estimator
from flexui.model.exploration import (feasible_from_model, feasible_from_values, maximal, members,
                                      parse_budget, plan, safest_within_budget)
from flexui.model.order_dot import to_dot, write_dot
from flexui.model.safety_order import ORDERS, count_safer, leq


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="flexui explore",
        description="List the safest configurations of an app that meet a performance budget.",
        epilog="Exit codes: 0 done, 2 invalid input, 1 internal failure.")
    p.add_argument("--app", required=True,
                   help="an app with benchmark data (redis, nginx, iperf, sqlite) or an app directory")
    p.add_argument("--metric", required=True, help="e.g. GET or SET (redis), REQ (nginx)")
    p.add_argument("--budget", required=True, help="the value to meet, e.g. 500000 or 500k")
    p.add_argument("--order", choices=ORDERS, default="product",
                   help="product: any combination of safety steps (default); paper: the paper's coarser order")
    p.add_argument("--space", choices=("measured", "generated"), default="measured",
                   help="measured: the configurations with data (default); generated: every layout x "
                        "hardening x mechanism of the app's libraries, with estimates")
    p.add_argument("--max-compartments", type=int, default=None,
                   help="with --space generated: at most this many compartments")
    p.add_argument("--plan", action="store_true",
                   help="print the order in which to build and measure configurations to find the answer")
    p.add_argument("--dot", metavar="FILE", type=Path,
                   help="write the safety order around the answer as Graphviz dot (and FILE.svg)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


class Invalid(Exception):
    """Bad arguments: one line on stderr, exit code 2."""


def _invalid(message: str) -> Invalid:
    return Invalid(f"flexui explore: {message}")


def resolve_app(ref: str) -> tuple[str, frozenset[str] | None]:
    path = Path(ref)
    if (path / "kraft.yaml").is_file():
        from flexui.model.kraftyaml import load_kraft

        kraft = load_kraft(path / "kraft.yaml")
        iso = kraft.isolation()
        name = kraft.data.get("name") if isinstance(kraft.data.get("name"), str) else None
        return name or path.name, frozenset(iso.libraries)
    if path.exists() or "/" in ref:
        raise _invalid(f"{ref}: no kraft.yaml there; give an app directory or an app name")
    return ref, None


def main(argv: list[str]) -> int:
    try:
        return explore(build_parser().parse_args(argv))
    except Invalid as e:
        print(e, file=sys.stderr)
        return 2


def explore(args: argparse.Namespace) -> int:
    try:
        budget = parse_budget(args.budget)
    except ValueError as e:
        raise _invalid(f"--budget {e}") from None
    app, libraries = resolve_app(args.app)
    db = BenchDB.load()
    if app not in db.apps():
        raise _invalid(f"no benchmark data for app {app!r}; apps with data: {', '.join(db.apps())} "
                       "(add yours with flexui measure record)")
    if args.metric not in db.metrics(app):
        raise _invalid(f"app {app} has no metric {args.metric!r}; choose one of {', '.join(db.metrics(app))}")
    estimator = Estimator(db)
    model = estimator.fit(app, args.metric)
    values = {m.point: m.mean for m in db.series(app, args.metric)}
    if args.space == "measured":
        points = sorted(values, key=DesignPoint.key)
        space = ConfigSpace.spanned_by(points)
        feasible = feasible_from_values(space, values.get, budget, model.higher_is_better)
    else:
        space = ConfigSpace.generate(sorted(libraries or model.libraries),
                                     max_compartments=args.max_compartments,
                                     hardenable=hardenable_with_data(model))
        feasible = feasible_from_model(space, model, budget)
    answer = sorted(safest_within_budget(space, feasible, args.order), key=DesignPoint.key)
    rows = []
    for point in answer:
        est = estimator.estimate(app, args.metric, point)
        rows.append({"configuration": point.key(), "label": point.label(), "value": est.value,
                     "kind": est.kind, "low": est.low, "high": est.high, "unit": est.unit,
                     "safer_in_space": count_safer(point, space)})
    steps = _plan(args, space, model, values, budget) if args.plan else None
    dot_path = svg = None
    if args.dot:
        around = _neighbourhood(answer, values if args.space == "measured" else {}, args.order)
        dot_path = args.dot
        svg = write_dot(args.dot, to_dot(around, order=args.order, highlight=set(answer),
                                         title=f"{app} {args.metric} >= {budget:g}"))
    if args.json:
        json.dump({"app": app, "metric": args.metric, "budget": budget, "order": args.order,
                   "space": args.space, "space_size": space.size, "answer": rows,
                   "plan": steps, "dot": str(dot_path) if dot_path else None,
                   "svg": str(svg) if svg else None}, sys.stdout, indent=1)
        print()
        return 0
    direction = ">=" if model.higher_is_better else "<="
    print(f"{app} {args.metric} {direction} {budget:,.6g} {model.unit}: "
          f"{len(answer)} safest configuration(s) of {space.size:,} ({args.order} order, {args.space} space)")
    for row in rows:
        print(f"  {row['value']:>14,.6g} {row['unit']:<6} {row['kind']:<9} {row['label']}")
    if not rows:
        print("  none meets the budget; try a lower one")
    if steps is not None:
        print(f"measurement plan ({len(steps)} builds):")
        for i, step in enumerate(steps, 1):
            print(f"  {i:>3}. {step['label']}" + (f"  -> {step['value']:,.6g}" if "value" in step else ""))
    if dot_path:
        print(f"wrote {dot_path}" + (f" and {svg}" if svg else " (install graphviz for SVG)"))
    return 0


def _plan(args, space, model, values, budget) -> list[dict]:
    if args.space == "measured":
        points = sorted(values, key=DesignPoint.key)
        result = plan(points, values.__getitem__, budget, model.higher_is_better, args.order)
        return [{"configuration": p.key(), "label": p.label(), "value": v} for p, v in result.measured]
    hope = maximal(space, feasible_from_model(space, model, budget))
    return [{"configuration": p.key(), "label": p.label(), "predicted": model.predict(p)}
            for p in members(space, hope)]


def _neighbourhood(answer: list[DesignPoint], values: dict, order: str) -> list[DesignPoint]:
    """The answer plus the measured configurations directly around it, for drawing."""
    if not values:
        return list(answer)
    near = set(answer)
    for a in answer:
        near |= {p for p in values if leq(p, a, order) or leq(a, p, order)}
    return sorted(near, key=DesignPoint.key)[:60] if len(near) > 60 else sorted(near, key=DesignPoint.key)

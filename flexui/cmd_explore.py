"""`flexui explore`: the safest configurations that meet a performance budget.

Headless (no Textual import); exit codes as for --apply: 0 done, 2 invalid
input, 1 internal failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from flexui.model.files.problems import InputError
from flexui.model.isolation.configuration import IsolationConfig
from flexui.model.isolation.design import DesignPoint, realised
from flexui.model.isolation.kraftyaml import load_kraft
from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.cost_breakdown import breakdown, figure
from flexui.model.perf.estimator import Estimator
from flexui.model.presets.preset import Preset, isolation_section
from flexui.model.presets.store import name_refusal, save_user_preset
from flexui.model.safety.budget_answer import hardenable_with_data, none_meets
from flexui.model.safety.dot import export_order, marks
from flexui.model.safety.exploration import (
    feasible_from_model,
    feasible_from_values,
    maximal,
    members,
    parse_budget,
    plan,
    safest_within_budget,
)
from flexui.model.safety.order import ORDERS, count_safer, leq
from flexui.model.safety.space import ConfigSpace, SpaceTooLarge
from flexui.model.vocabulary import KRAFT_YAML, spelled_as
from flexui.paths import embedded_tree


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="flexui explore",
        description="List the safest configurations of an app that meet a performance budget.",
        epilog="Exit codes: 0 done, 2 invalid input, 3 --execute interrupted (rerun to resume), "
               "4 --execute measured nothing (every configuration failed to build or boot), 1 internal failure.")
    p.add_argument("--app", required=True,
                   help="an app with benchmark data (redis, nginx, iperf, sqlite, flexos-microbenchmarks) "
                        "or an app directory")
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
    p.add_argument("--json", action="store_true",
                   help="machine-readable output: each answer's isolation as a preset writes it")
    p.add_argument("--explain", action="store_true",
                   help="with each answer, the estimator's cost by term: which boundary or hardened "
                        "library costs how much")
    p.add_argument("--save-preset", metavar="NAME",
                   help="save the best-valued answer as your preset NAME (load it with flexui --preset NAME)")
    from flexui.cmd_execute import add_arguments

    add_arguments(p)
    return p


class Invalid(Exception):
    """Bad arguments: one line on stderr, exit code 2."""


def _invalid(message: str) -> Invalid:
    return Invalid(f"flexui explore: {message}")


def resolve_app(ref: str) -> tuple[str, IsolationConfig | None, frozenset[str] | None]:
    """Name, own isolation (an app directory's, else the embedded sample's), and the libraries
    an app directory restricts the generated space to."""
    path = Path(ref)
    if (path / KRAFT_YAML).is_file():
        kraft = load_kraft(path / KRAFT_YAML)
        name = kraft.data.get("name") if isinstance(kraft.data.get("name"), str) else None
        iso = kraft.isolation()
        return name or path.name, iso, frozenset(iso.libraries)
    if path.exists() or "/" in ref:
        raise _invalid(f"{ref}: no kraft.yaml there; give an app directory or an app name")
    sample = embedded_tree() / "apps" / ref / KRAFT_YAML
    return ref, load_kraft(sample).isolation() if sample.is_file() else None, None


def main(argv: list[str]) -> int:
    try:
        return explore(build_parser().parse_args(argv))
    except Invalid as e:
        print(e, file=sys.stderr)
        return 2


def explore(args: argparse.Namespace) -> int:
    if args.execute:
        from flexui.cmd_execute import execute

        return execute(args)
    try:
        budget = parse_budget(args.budget)
    except ValueError as e:
        raise _invalid(f"--budget {e}") from None
    refusal = name_refusal(args.save_preset) if args.save_preset is not None else None
    if refusal:
        raise _invalid(f"--save-preset {args.save_preset!r}: {refusal}")
    app, base, libraries = resolve_app(args.app)
    db = BenchDB.load()
    if app not in db.apps():
        raise _invalid(f"no benchmark data for app {app!r}; apps with data: {', '.join(db.apps())} "
                       "(add yours with flexui measure record)")
    args.metric = spelled_as(args.metric, db.metrics(app))
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
        if args.max_compartments is not None and args.max_compartments < 1:
            raise _invalid("--max-compartments must be at least 1")
        try:
            space = ConfigSpace.generate(sorted(libraries or model.libraries),
                                         max_compartments=args.max_compartments,
                                         hardenable=hardenable_with_data(model))
        except SpaceTooLarge as e:
            raise _invalid(f"--space generated: {e}") from None
        feasible = feasible_from_model(space, model, budget)
    sign = -1 if model.higher_is_better else 1
    estimates = {p: est for p in safest_within_budget(space, feasible, args.order)
                 if (est := estimator.estimate(app, args.metric, p)) is not None}
    answer = sorted(estimates, key=lambda p: (sign * estimates[p].value, p.key()))
    base = base if base is not None else IsolationConfig()
    rows = []
    explained = {point: breakdown(model, point) for point in answer} if args.explain else {}
    for point in answer:
        est = estimates[point]
        rows.append({"configuration": point.key(), "label": point.label(),
                     "isolation": isolation_section(realised(base, point), explicit=True),
                     "value": est.value, "kind": est.kind, "low": est.low, "high": est.high,
                     "unit": est.unit, "safer_in_space": count_safer(point, space)})
        if args.explain:
            rows[-1]["breakdown"] = asdict(explained[point])
    saved = _save(args, app, answer[0], realised(base, answer[0]), budget, model) \
        if args.save_preset is not None and answer else None
    if args.save_preset is not None and not answer:
        raise _invalid(f"--save-preset {args.save_preset}: no configuration meets the budget; nothing saved")
    steps = _plan(args, space, model, values, budget) if args.plan else None
    dot_path = svg = None
    if args.dot:
        around = _neighbourhood(answer, values if args.space == "measured" else {}, args.order)
        dot_path = args.dot
        svg = export_order(args.dot, around, order=args.order, highlight=set(answer),
                           mark=marks(lambda p: estimator.estimate(app, args.metric, p)),
                           title=f"{app} {args.metric} >= {budget:g}")
    if args.json:
        json.dump({"app": app, "metric": args.metric, "budget": budget, "unit": model.unit,
                   "higher_is_better": model.higher_is_better, "order": args.order,
                   "saved_preset": str(saved) if saved else None,
                   "space": args.space, "space_size": space.size, "answer": rows,
                   "plan": steps, "dot": str(dot_path) if dot_path else None,
                   "svg": str(svg) if svg else None}, sys.stdout, indent=1)
        print()
        return 0
    direction = ">=" if model.higher_is_better else "<="
    print(f"{app} {args.metric} {direction} {figure(budget)} {model.unit}: "
          f"{len(answer)} safest configuration(s) of {space.size:,} ({args.order} order, {args.space} space)")
    for point in answer:
        est = estimates[point]
        print(f"  {figure(est.value):>14} {est.unit:<6} {est.kind:<9} {point.label()}")
        if args.explain:
            print("\n".join("      " + line for line in explained[point].lines()))
    if not rows:
        print(f"  {none_meets(model.higher_is_better)}")
    if steps is not None:
        print(f"measurement plan ({len(steps)} builds):")
        for i, step in enumerate(steps, 1):
            print(f"  {i:>3}. {step['label']}" + (f"  -> {step['value']:,.6g}" if "value" in step else ""))
    if dot_path:
        print(f"wrote {dot_path}" + (f" and {svg}" if svg else " (install graphviz for SVG)"))
    if saved:
        print(f"saved the first answer as preset {args.save_preset}: {saved}")
    return 0


def _save(args, app: str, point: DesignPoint, iso: IsolationConfig, budget: float, model) -> Path:
    direction = ">=" if model.higher_is_better else "<="
    preset = Preset(args.save_preset, f"flexui explore: safest with {args.metric} {direction} {budget:g} "
                    f"{model.unit} ({args.order} order, {args.space} space): {point.label()}", app, iso)
    try:
        return save_user_preset(preset)
    except InputError as e:
        raise _invalid(str(e.problems[0])) from None


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

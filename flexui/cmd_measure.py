"""`flexui measure`: convert the paper's data, record and list measurements.

Headless (no Textual import). Exit codes: 0 done, 2 invalid input, 1 internal.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from flexui.model.files.userdirs import data_dir
from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchconvert import convert
from flexui.model.perf.benchdata import BenchDB, Measurement, record
from flexui.model.vocabulary import spelled_as
from flexui.paths import shipped_benchdata


class Invalid(Exception):
    """Bad arguments: one line on stderr, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flexui measure", description="Benchmark data of flexui.",
                                epilog="Exit codes: 0 done, 2 invalid input, 1 internal failure.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert", help="convert the paper's raw measurements (flexos-data) into our format")
    c.add_argument("--from", dest="source", required=True, type=Path, help="the flexos-data directory")
    c.add_argument("--out", type=Path, default=None, help="output directory (default: the shipped benchdata/)")
    r = sub.add_parser("record", help="record a measurement of your own (never overwrites shipped data)")
    r.add_argument("--app", required=True)
    r.add_argument("--metric", required=True)
    r.add_argument("--value", required=True, type=float)
    r.add_argument("--stdev", type=float, default=0.0)
    r.add_argument("--runs", type=int, default=1)
    r.add_argument("--unit", default=None, help="default: the unit of the app's stored metric")
    r.add_argument("--lower-is-better", action="store_true", help="for times (default: throughput)")
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--preset", help="the configuration of a preset (name or file)")
    which.add_argument("--kraft", type=Path, help="the configuration of a kraft.yaml")
    which.add_argument("--key", help="a configuration key as printed by flexui explore --json")
    r.add_argument("--note", default="")
    ls = sub.add_parser("list", help="list stored measurements")
    ls.add_argument("--app", default=None)
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"convert": cmd_convert, "record": cmd_record, "list": cmd_list}[args.command](args)
    except Invalid as e:
        print(f"flexui measure: {e}", file=sys.stderr)
        return 2


def cmd_convert(args: argparse.Namespace) -> int:
    if not args.source.is_dir():
        raise Invalid(f"{args.source}: not a directory; give the flexos-data directory")
    out = args.out or shipped_benchdata()
    f = convert(args.source)
    out.mkdir(parents=True, exist_ok=True)
    f.write(out / "flexos-asplos22.json")
    print(f"wrote {out / 'flexos-asplos22.json'}: {len(f.measurements)} measurements")
    return 0


def _point(args: argparse.Namespace) -> DesignPoint:
    if args.key:
        try:
            return DesignPoint.from_key(args.key)
        except ValueError as e:
            raise Invalid(str(e)) from None
    if args.kraft:
        from flexui.model.isolation.kraftyaml import load_kraft

        return DesignPoint.of(load_kraft(args.kraft).isolation())
    from flexui.model.files.userdirs import user_presets_dir
    from flexui.model.presets.preset import find_preset, load_preset
    from flexui.paths import shipped_presets

    return DesignPoint.of(load_preset(find_preset(args.preset, [user_presets_dir(), shipped_presets()])).isolation)


def cmd_record(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.value) and math.isfinite(args.stdev)):
        raise Invalid("--value and --stdev must be finite numbers (not nan or inf)")
    if args.value <= 0 or args.runs < 1 or args.stdev < 0:
        raise Invalid("--value must be positive, --runs at least 1, --stdev not negative")
    db = BenchDB.load()
    args.metric = spelled_as(args.metric, db.metrics(args.app))
    known = db.series(args.app, args.metric)
    unit = args.unit or (known[0].unit if known else None)
    if unit is None:
        raise Invalid(f"no stored {args.app} {args.metric} data to take the unit from; give --unit")
    higher = known[0].higher_is_better if known and not args.lower_is_better else not args.lower_is_better
    point = _point(args)
    m = Measurement(app=args.app, metric=args.metric, point=point, mean=args.value, stdev=args.stdev,
                    runs=args.runs, unit=unit, higher_is_better=higher, source="user", note=args.note)
    path = record(data_dir() / "benchdata", m)
    print(f"recorded {args.app} {args.metric} = {args.value:g} {unit} for {point.label()} in {path}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    db = BenchDB.load()
    for origin, items in (("shipped", db.shipped), ("yours", db.user)):
        for m in items:
            if args.app is None or m.app == args.app:
                print(f"{origin:8} {m.app:8} {m.metric:10} {m.mean:>14,.6g} {m.unit:6} ±{m.stdev:<10.4g} "
                      f"n={m.runs:<3} {m.point.label()}")
    return 0

"""`flexui --build`: run the FlexOS build in the app directory, streaming its output.

Exit codes: 0 built or up to date, 3 the build failed (first errors and the
log path printed), 2 invalid input, 1 internal failure.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


EXIT_BUILD_FAILED = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build", action="store_true",
                        help="build the app's image (make prepare, kraft build "
                             "--compartmentalize); skipped when it is up to date")
    parser.add_argument("--force", action="store_true", help="with --build: rebuild even when up to date")
    parser.add_argument("--build-cmd", action="append", metavar="CMD", default=None,
                        help="with --build: run CMD instead of the FlexOS sequence (repeat for several steps)")
    parser.add_argument("--plain", action="store_true",
                        help="with --build: plain `make`, for images without FlexOS")


def run(args: argparse.Namespace) -> int:
    """Imports the runner here: the parser is built on every flexui call, the runner only for this one."""
    from flexui.model.build_runner import plan_build
    from flexui.model.workdir_build import build_in_workdir

    app_dir = (args.app or Path.cwd()).resolve()
    if not (app_dir / "kraft.yaml").is_file() and not args.build_cmd:
        print(f"flexui --build: {app_dir} has no kraft.yaml; apply a preset first (--apply)", file=sys.stderr)
        return 2
    commands = [shlex.split(c) for c in args.build_cmd] if args.build_cmd else None
    plan = plan_build(app_dir, flexos=not args.plain, commands=commands)
    result = build_in_workdir(plan, lambda line: print(line, flush=True), force=args.force)
    print(f"flexui: {result.describe()}", file=sys.stderr)
    for line in result.first_errors:
        print(f"  {line}", file=sys.stderr)
    return 0 if result.ok else EXIT_BUILD_FAILED

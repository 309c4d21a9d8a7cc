"""`flexui --build`: run the FlexOS build in the app directory, streaming its output.

Exit codes: 0 built or up to date, 3 the build failed (first errors and the
log path printed), 2 invalid input, 1 internal failure.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from flexui.model.atomic import write_atomic
from flexui.model.build_runner import plan_build, run_build

EXIT_BUILD_FAILED = 3
REWRITING_FILE = "flexui-rewriting.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build", action="store_true",
                        help="build the app's image (kraft configure, make prepare, kraft build "
                             "--compartmentalize); skipped when it is up to date")
    parser.add_argument("--force", action="store_true", help="with --build: rebuild even when up to date")
    parser.add_argument("--build-cmd", action="append", metavar="CMD", default=None,
                        help="with --build: run CMD instead of the FlexOS sequence (repeat for several steps)")
    parser.add_argument("--plain", action="store_true",
                        help="with --build: plain `make`, for images without FlexOS")


def workdir_repos(app_dir: Path) -> list[Path]:
    from flexui.model.workdir_git import git_repos

    for parent in [app_dir, *app_dir.parents]:
        if (parent / "unikraft").is_dir() and (parent / "apps").is_dir():
            return git_repos(parent)
    return []


def run(args: argparse.Namespace) -> int:
    from flexui.model.workdir_git import record_dict, rewritten_between, snapshot

    app_dir = (args.app or Path.cwd()).resolve()
    if not (app_dir / "kraft.yaml").is_file() and not args.build_cmd:
        print(f"flexui --build: {app_dir} has no kraft.yaml; apply a preset first (--apply)", file=sys.stderr)
        return 2
    commands = [shlex.split(c) for c in args.build_cmd] if args.build_cmd else None
    plan = plan_build(app_dir, flexos=not args.plain, commands=commands)
    repos = workdir_repos(app_dir)
    before = snapshot(repos)
    result = run_build(plan, lambda line: print(line, flush=True), sources=record_dict(before),
                       force=args.force)
    if not result.up_to_date and repos:
        rewritten = rewritten_between(before, snapshot(repos))
        write_atomic(plan.build_dir / REWRITING_FILE, json.dumps(rewritten, indent=1) + "\n", keep_old=False)
    print(f"flexui: {result.describe()}", file=sys.stderr)
    for line in result.first_errors:
        print(f"  {line}", file=sys.stderr)
    return 0 if result.ok else EXIT_BUILD_FAILED

"""`flexui --build`: run the FlexOS build in the app directory, streaming its output.

Exit codes: 0 built or up to date, 3 the build failed (first errors and the
log path printed), 2 invalid input or a missing prerequisite, 130/143 stopped
by Ctrl-C/SIGTERM (the build's whole process group with it), 1 internal failure.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from flexui.model.vocabulary import KRAFT_YAML

EXIT_BUILD_FAILED = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build", action="store_true",
                        help="build the app's image (make prepare, kraft build "
                             "--compartmentalize); skipped when it is up to date")
    parser.add_argument("--force", action="store_true", help="with --build: rebuild even when up to date")
    parser.add_argument("--reset", action="store_true",
                        help="with --build: first undo another layout's FlexOS rewriting (as workdir clean)")
    parser.add_argument("--sources", type=Path, metavar="DIR",
                        help="with --build: source archives (TLSF, newlib ...) for offline builds; "
                             "remembered for the work directory")
    parser.add_argument("--build-cmd", action="append", metavar="CMD", default=None,
                        help="with --build: run CMD instead of the FlexOS sequence (repeat for several steps)")
    parser.add_argument("--plain", action="store_true",
                        help="with --build: plain `make`, for images without FlexOS")


def run(args: argparse.Namespace) -> int:
    """Imports the runner here: the parser is built on every flexui call, the runner only for this one."""
    from flexui.model.build.preflight import build_refusal
    from flexui.model.build.process_group import Interrupted, stop_on_signals
    from flexui.model.build.runner import plan_build
    from flexui.model.build.sources import remember_sources, remembered_sources
    from flexui.model.workdir.enclosing import workdir_of
    from flexui.model.workdir.git import WorkdirError
    from flexui.model.workdir.rewriting import build_in_workdir

    app_dir = (args.app or Path.cwd()).resolve()
    if not (app_dir / KRAFT_YAML).is_file() and not args.build_cmd:
        print(f"flexui --build: {app_dir} has no kraft.yaml; apply a preset first (--apply)", file=sys.stderr)
        return 2
    commands = [shlex.split(c) for c in args.build_cmd] if args.build_cmd else None
    workdir = workdir_of(app_dir)
    plan = plan_build(app_dir, flexos=not args.plain, commands=commands, workdir=workdir)
    refusal = build_refusal(plan, workdir)
    if refusal is not None:
        first, *rest = refusal.lines()
        print(f"flexui --build: {first}", *rest, sep="\n", file=sys.stderr)
        return 2
    sources = args.sources
    if sources is not None:
        if not sources.is_dir():
            print(f"flexui --build: --sources {sources}: not a directory of source archives", file=sys.stderr)
            return 2
        if workdir is not None:
            remember_sources(workdir, sources)
    sources = sources or remembered_sources(workdir)
    stop_on_signals()
    try:
        result = build_in_workdir(plan, lambda line: print(line, flush=True), force=args.force,
                                  reset=args.reset, sources_dir=sources)
    except Interrupted as e:
        print(f"flexui: build stopped by {e}; its processes were killed", file=sys.stderr)
        return e.code
    except WorkdirError as e:
        print(f"flexui --build: {e}", file=sys.stderr)
        return 2
    print(f"flexui: {result.describe()}", file=sys.stderr)
    for line in result.first_errors:
        print(f"  {line}", file=sys.stderr)
    return 0 if result.ok else EXIT_BUILD_FAILED

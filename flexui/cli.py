"""Command-line entry point.

The headless commands are a scripting API: nothing on their import path may
import Textual, and their exit codes are part of the API (see README).
Headless options (`--apply`, ...) and subcommands each live in their own
module under flexui, imported only when used.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2

# Subcommand name -> module under flexui providing `main(argv) -> int`.
SUBCOMMANDS: dict[str, str] = {"explore": "cmd_explore", "measure": "cmd_measure",
                               "workdir": "cmd_workdir"}

# Headless option (its argparse dest) -> module under flexui providing
# `run(args: argparse.Namespace) -> int`. Given together, they run in this
# order and stop at the first non-zero exit code.
HEADLESS_ACTIONS: dict[str, str] = {"apply": "cmd_apply", "build": "cmd_build", "run": "cmd_run"}

DEBUG_ENV = "FLEXUI_DEBUG"


def build_parser() -> argparse.ArgumentParser:
    """The top-level options; other commands add theirs here."""
    parser = argparse.ArgumentParser(
        prog="flexui",
        description="Configure FlexOS isolation: Kconfig, compartments, presets. Without a "
                    "headless option, opens the terminal UI.",
        epilog=f"Exit codes: {EXIT_OK} done, {EXIT_INVALID} invalid input (each problem printed as "
               f"file:line: message), 3 the build failed (--build) or the guest failed or timed out (--run), "
               f"{EXIT_FAILURE} internal failure (rerun with {DEBUG_ENV}=1 for the traceback).")
    parser.add_argument("--apply", metavar="PRESET",
                        help="apply a preset (a shipped or saved preset name, or a file) to the app "
                             "without the UI: writes kraft.yaml, .config and flexui.mk")
    parser.add_argument("--app", metavar="DIR", type=Path,
                        help="the app directory (default: the current directory); a new or empty "
                             "directory starts from the tree's app of the preset")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tree", metavar="DIR", type=Path,
                       help="the Unikraft/FlexOS core tree (libraries next to it in ../libs)")
    where.add_argument("--workdir", metavar="DIR", type=Path,
                       help="a UK_WORKDIR holding unikraft/, libs/ and apps/")
    parser.add_argument("--preset", metavar="NAME",
                        help="open the UI with this preset loaded")
    parser.add_argument("--dry-run", action="store_true",
                        help="with --apply: print a diff of what would change and write nothing")
    from flexui import cmd_build, cmd_run

    cmd_build.add_arguments(parser)
    cmd_run.add_arguments(parser)
    from flexui import __version__

    parser.add_argument("--version", action="version", version=f"flexui {__version__}")
    return parser


def guarded(action: Callable[[], int]) -> int:
    """Run a headless action: invalid input -> exit 2, anything unexpected -> exit 1.

    An InputError escaping a command is still invalid input, printed as
    `file:line: message`; any other exception is a bug of ours, shown as one
    line unless FLEXUI_DEBUG asks for the traceback.
    """
    from flexui.model.build.process_group import Interrupted
    from flexui.model.files.problems import InputError, UserError

    try:
        return action()
    except InputError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    except UserError as e:
        print(" ".join(str(e).split()) if ":" in str(e) else f"flexui: {e}", file=sys.stderr)
        return EXIT_INVALID
    except Interrupted as e:  # a signal between two steps: the children are already stopped
        print(f"flexui: stopped by {e}", file=sys.stderr)
        return e.code
    except Exception as e:
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        print(f"flexui: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        if not os.environ.get(DEBUG_ENV):
            print(f"flexui: rerun with {DEBUG_ENV}=1 to see the traceback", file=sys.stderr)
        return EXIT_FAILURE


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        module = importlib.import_module(f"flexui.{SUBCOMMANDS[argv[0]]}")
        return guarded(lambda: module.main(argv[1:]))
    parser = build_parser()
    args = parser.parse_args(argv)
    bad = argument_problem(args)
    if bad:
        print(f"flexui: {bad}", file=sys.stderr)
        return EXIT_INVALID
    actions = [module for dest, module in HEADLESS_ACTIONS.items() if getattr(args, dest, None)]
    if not actions:
        if args.dry_run:
            parser.error("--dry-run goes with a headless option such as --apply")
        return launch_ui(args)
    for module_name in actions:
        module = importlib.import_module(f"flexui.{module_name}")
        code = guarded(functools.partial(module.run, args))
        if code != EXIT_OK:
            return code
    return EXIT_OK


def argument_problem(args: argparse.Namespace) -> str | None:
    """Values argparse accepts but no action can use (a NaN timeout would wait forever)."""
    import math
    import shlex

    timeout = getattr(args, "timeout", None)
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        return f"--timeout {timeout}: give a number of seconds greater than 0, e.g. --timeout 60"
    for command in getattr(args, "build_cmd", None) or []:
        try:
            words = shlex.split(command)
        except ValueError as e:
            return f"--build-cmd {command!r}: {e}; quote it as a shell would"
        if not words:
            return "--build-cmd '': the command is empty; give the command to run, e.g. --build-cmd make"
    return None


def launch_ui(args: argparse.Namespace) -> int:
    """Open the Textual app; the only path that imports Textual."""
    import importlib.util

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("flexui: the terminal UI needs a terminal (stdin and stdout are not one); "
              "for scripts use the headless options, e.g. flexui --apply PRESET", file=sys.stderr)
        return EXIT_INVALID
    if importlib.util.find_spec("textual") is None:
        print("flexui: the terminal UI is not available (missing module textual); "
              "the headless options still work, e.g. flexui --apply PRESET", file=sys.stderr)
        return EXIT_FAILURE
    from flexui.launch import run_ui

    return guarded(lambda: _open_ui(run_ui, args))


def _open_ui(run_ui: Callable[..., int], args: argparse.Namespace) -> int:
    """Decide what to open (model/session/startup.py) and hand it to the app."""
    from flexui.model.files.userdirs import user_presets_dir
    from flexui.model.presets.preset import find_preset, load_preset
    from flexui.model.session.recent import load_recent
    from flexui.model.session.startup import OpenRequest, StartupError, resolve
    from flexui.paths import shipped_presets

    preset = None
    if args.preset:
        preset = load_preset(find_preset(args.preset, [user_presets_dir(), shipped_presets()]))
    request = OpenRequest(app=args.app, tree=args.tree, workdir=args.workdir,
                          preset_app=preset.app if preset else None)
    try:
        target = resolve(request, load_recent(), Path.cwd())
    except StartupError as e:
        print(f"flexui: {e}", file=sys.stderr)
        return EXIT_INVALID
    notice = None
    if target.how == "the sample app":
        notice = (f"No app here: editing flexui's own copy of the sample app in {target.app_dir} "
                  "(flexui --app DIR opens yours)")
    build_commands = None
    if args.build_cmd:
        import shlex

        build_commands = [shlex.split(c) for c in args.build_cmd]
    return run_ui(target.app_dir, workdir=target.workdir, preset=preset, build_commands=build_commands,
                  notice=notice)


if __name__ == "__main__":
    sys.exit(main())

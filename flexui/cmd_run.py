"""`flexui --run`: boot the app's image (or `--image FILE`) on QEMU, streaming its serial output.

Exit codes: 0 the guest exited with status 0 or shut down cleanly, 3 the guest failed, crashed,
QEMU could not start it, or it timed out (the reason is printed), 2 invalid input (no image),
130/143 stopped by Ctrl-C/SIGTERM (QEMU killed with it), 1 internal failure.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from flexui.cli import EXIT_FAILURE, EXIT_INVALID, EXIT_OK

EXIT_GUEST_FAILED = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", action="store_true",
                        help="boot the app's image on QEMU/KVM (after --apply/--build when given)")
    parser.add_argument("--image", type=Path, metavar="FILE", help="with --run: boot this image instead")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S",
                        help="with --run: stop the guest after S seconds (default 60)")
    parser.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto",
                        help="with --run: KVM, software emulation, or KVM with fallback (default)")
    parser.add_argument("--qemu", metavar="FILE", help="with --run: the QEMU binary (VM/EPT: FlexOS's patched one)")
    parser.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                        help="with --run: one more QEMU argument (repeat); per app: qemu_args in flexui-run.yaml")


def run(args: argparse.Namespace) -> int:
    """Imports the runner here: the parser is built on every flexui call, the runner only for this one."""
    from flexui.model.build.prereqs import check_run
    from flexui.model.build.process_group import Interrupted, stop_on_signals
    from flexui.model.run.qemu_command import RunSpec, run_spec_for
    from flexui.model.run.qemu_runner import run as run_qemu

    if not math.isfinite(args.timeout) or args.timeout <= 0:
        print(f"flexui --run: --timeout {args.timeout}: give a positive number of seconds", file=sys.stderr)
        return EXIT_INVALID
    app_dir = (args.app or Path.cwd()).resolve()
    options = {"accel": args.accel, "timeout": args.timeout, "qemu": args.qemu, "extra": list(args.qemu_arg)}
    if args.image is not None:
        if not args.image.is_file():
            print(f"flexui --run: {args.image}: no such image; give an existing kernel file "
                  "or drop --image to boot the app's build", file=sys.stderr)
            return EXIT_INVALID
        spec = RunSpec(args.image, **options)
    else:
        found = run_spec_for(app_dir, **options)
        if found is None:
            print(f"flexui --run: no image in {app_dir / 'build'}; build one with --build "
                  "(or give --image FILE)", file=sys.stderr)
            return EXIT_INVALID
        spec = found
    missing = check_run(spec.mechanism, args.qemu)
    if missing:
        print(f"flexui --run: {missing[0]}", file=sys.stderr)
        return EXIT_INVALID
    stop_on_signals()
    try:
        result = run_qemu(spec, lambda line: print(line, flush=True))
    except Interrupted as e:
        print(f"flexui: run stopped by {e}; QEMU was killed", file=sys.stderr)
        return e.code
    except FileNotFoundError as e:  # QEMU itself is missing
        print(f"flexui --run: {e}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"flexui: {result.describe()} ({result.accel}, {result.duration:.1f} s"
          + (f"; KVM failed: {result.fell_back}" if result.fell_back else "") + ")", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_GUEST_FAILED

"""`flexui --run`: boot the app's image (or `--image FILE`) on QEMU, streaming its serial output.

Exit codes: 0 the guest exited with status 0 or shut down cleanly, 3 the guest failed or timed out
(its status is printed), 2 invalid input (no image), 1 internal failure.
"""

from __future__ import annotations

import argparse
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


def run(args: argparse.Namespace) -> int:
    """Imports the runner here: the parser is built on every flexui call, the runner only for this one."""
    from flexui.model.qemu_command import RunSpec, run_spec_for
    from flexui.model.qemu_runner import run as run_qemu

    app_dir = (args.app or Path.cwd()).resolve()
    if args.image is not None:
        if not args.image.is_file():
            print(f"flexui --run: {args.image}: no such image; give an existing kernel file "
                  "or drop --image to boot the app's build", file=sys.stderr)
            return EXIT_INVALID
        spec = RunSpec(args.image, accel=args.accel, timeout=args.timeout)
    else:
        spec = run_spec_for(app_dir, accel=args.accel, timeout=args.timeout)
        if spec is None:
            print(f"flexui --run: no image in {app_dir / 'build'}; build one with --build "
                  "(or give --image FILE)", file=sys.stderr)
            return EXIT_INVALID
    try:
        result = run_qemu(spec, lambda line: print(line, flush=True))
    except FileNotFoundError as e:  # QEMU itself is missing
        print(f"flexui --run: {e}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"flexui: {result.describe()} ({result.accel}, {result.duration:.1f} s"
          + (f"; KVM failed: {result.fell_back}" if result.fell_back else "") + ")", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_GUEST_FAILED

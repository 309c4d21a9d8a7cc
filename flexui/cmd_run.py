"""`flexui --run`: boot the app's image (or `--image FILE`) on QEMU, streaming its serial output.

Exit codes: 0 the guest exited with status 0, 3 the guest failed or timed out
(its status is printed), 2 invalid input (no image), 1 internal failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flexui.model.qemu_command import RunSpec
from flexui.model.qemu_runner import run as run_qemu

EXIT_GUEST_FAILED = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", action="store_true",
                        help="boot the app's image on QEMU/KVM (after --apply/--build when given)")
    parser.add_argument("--image", type=Path, metavar="FILE", help="with --run: boot this image instead")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S",
                        help="with --run: stop the guest after S seconds (default 60)")
    parser.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto",
                        help="with --run: KVM, software emulation, or KVM with fallback (default)")


def app_images(app_dir: Path) -> tuple[Path | None, list[Path], str]:
    """The image to boot, VM/EPT compartment images, and the mechanism, from the app dir."""
    from flexui.model.design import DesignPoint
    from flexui.model.kraftyaml import load_kraft

    kraft_path = app_dir / "kraft.yaml"
    mechanism = DesignPoint.of(load_kraft(kraft_path).isolation()).mechanism if kraft_path.is_file() else "fcalls"
    build = app_dir / "build"
    images = sorted(p for p in build.glob("*_kvm-x86_64") if p.is_file()) if build.is_dir() else []
    comps = sorted(build.glob("*_kvm-x86_64.comp[0-9]*")) if build.is_dir() else []
    return (images[0] if images else (comps[0] if comps else None)), comps, mechanism


def run(args: argparse.Namespace) -> int:
    app_dir = (args.app or Path.cwd()).resolve()
    if args.image is not None:
        if not args.image.is_file():
            print(f"flexui --run: {args.image}: no such image", file=sys.stderr)
            return 2
        spec = RunSpec(args.image, accel=args.accel, timeout=args.timeout)
    else:
        image, comps, mechanism = app_images(app_dir)
        if image is None:
            print(f"flexui --run: no image in {app_dir / 'build'}; build one with --build "
                  "(or give --image FILE)", file=sys.stderr)
            return 2
        spec = RunSpec(image, mechanism=mechanism, accel=args.accel, timeout=args.timeout,
                       compartment_images=comps)
    result = run_qemu(spec, lambda line: print(line, flush=True))
    print(f"flexui: {result.describe()} ({result.accel}, {result.duration:.1f} s"
          + (f"; KVM failed: {result.fell_back}" if result.fell_back else "") + ")", file=sys.stderr)
    return 0 if result.ok else EXIT_GUEST_FAILED

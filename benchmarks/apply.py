"""Time `flexui --apply` on the embedded tree against bare kconfiglib.

Applying a preset parses the tree's Kconfig, which no configurator can skip;
everything flexui adds (presets, kraft.yaml, validation, assignments, three
atomic writes) should cost little on top. The floor is kconfiglib loading
the same tree in the same environment and writing a .config.

Figures: best and median seconds of each, in-process and as a fresh process
(`python -m flexui --apply ...`, interpreter start-up included), and the
ratio apply / bare. Usage: python benchmarks/apply.py [--repeat N] [--app redis]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flexui.cli import main as flexui_main
from flexui.model.kconfig.tree import load_kconfig, locate
from flexui.model.presets.preset import load_preset
from flexui.paths import embedded_tree, shipped_presets

# Two presets applied in turn, so that every run really rewrites the files.
PRESETS = {"redis": ("redis-mpk2", "redis-mpk3-hardened"), "nginx": ("nginx-mpk2", "nginx-mpk3-hardened")}


def timed(fn: Callable[[int], object], repeat: int) -> list[float]:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return times


def row(label: str, times: list[float]) -> str:
    return f"{label:<38} best {min(times):7.3f} s   median {statistics.median(times):7.3f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--app", choices=sorted(PRESETS), default="redis")
    args = parser.parse_args()
    tree = embedded_tree()
    presets = PRESETS[args.app]
    for name in presets:
        load_preset(shipped_presets() / f"{name}.yaml")  # fail early on a missing preset

    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / args.app
        shutil.copytree(tree / "apps" / args.app, app)
        argv = ["--apply", "", "--app", str(app), "--workdir", str(tree)]

        def apply(i: int) -> None:
            argv[1] = presets[i % 2]
            with contextlib.redirect_stdout(io.StringIO()):
                code = flexui_main(argv)
            if code != 0:
                raise SystemExit(f"flexui --apply {argv[1]} failed with exit code {code}")

        wd = locate(workdir=tree)
        bare_app = Path(tmp) / "bare"
        shutil.copytree(tree / "apps" / args.app, bare_app)

        def bare(_: int) -> None:
            loaded = load_kconfig(wd, bare_app, read_config=False)
            loaded.kconf.write_config(str(bare_app / ".config"))

        apply(0)  # warm the file cache and imports for both
        bare(0)
        in_apply = timed(apply, args.repeat)
        in_bare = timed(bare, args.repeat)

        bare_code = ("import sys; from flexui.model.kconfig.tree import load_kconfig, locate; "
                     f"w = locate(workdir={str(tree)!r}); "
                     f"load_kconfig(w, {str(bare_app)!r}, read_config=False).kconf.write_config("
                     f"{str(bare_app / '.config')!r})")
        cold_apply = timed(lambda i: subprocess.run(
            [sys.executable, "-m", "flexui", "--apply", presets[i % 2], "--app", str(app),
             "--workdir", str(tree)], check=True, capture_output=True), args.repeat)
        cold_bare = timed(lambda i: subprocess.run([sys.executable, "-c", bare_code], check=True,
                                                   capture_output=True), args.repeat)

    print(f"flexui --apply on the embedded tree, app {args.app}, presets {' / '.join(presets)}, "
          f"{args.repeat} runs each")
    print(row("in-process: flexui --apply", in_apply))
    print(row("in-process: kconfiglib load + write", in_bare))
    in_ratio = statistics.median(in_apply) / statistics.median(in_bare)
    print(f"{'in-process ratio apply / bare (median)':<38} {in_ratio:.2f}x")
    print(row("new process: python -m flexui --apply", cold_apply))
    print(row("new process: kconfiglib load + write", cold_bare))
    cold_ratio = statistics.median(cold_apply) / statistics.median(cold_bare)
    print(f"{'new-process ratio apply / bare (median)':<38} {cold_ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Key press to repaint on a 2,000+ symbol tree: how long until the terminal shows the result.

flexui runs in a pseudo-terminal (120x40) on the embedded tree with a
generated 2,400-symbol app Config.uk. The script jumps to the generated
600-entry flat menu, then sends keys one at a time and timestamps the bytes
the app writes back: latency = key written -> last byte of the repaint (the
output then stays quiet for QUIET seconds). Moves (j/k), toggles (space,
which runs the whole cascade and the undo snapshot) and menu enter/leave are
measured separately. Target: under 30 ms at the 95th percentile, over 100
presses of each: with fewer, the p95 is the second or third slowest press,
and a single pause of Python's cyclic garbage collector (50-140 ms here,
gone with the collector off) decides it.

    python benchmarks/keypress.py [--presses N]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from gen_big_kconfig import write_app_config

from flexui.paths import embedded_tree

ROWS, COLS = 40, 120
QUIET = 0.15
TARGET_MS = 30.0


class Terminal:
    """A child process on a pty; reads everything it paints."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS))
        self.proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                                     env=env, start_new_session=True)
        os.close(slave)
        self.output = bytearray()

    def drain(self, quiet: float = QUIET, limit: float = 30.0) -> float | None:
        """Read until nothing arrives for `quiet` s; return when the last byte came."""
        last = None
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([self.master], [], [], quiet)
            if not ready:
                break
            chunk = os.read(self.master, 65536)
            if not chunk:
                break
            last = time.perf_counter()
            self.output += chunk
        return last

    def wait_for(self, text: bytes, limit: float = 30.0) -> None:
        deadline = time.perf_counter() + limit
        while text not in self.output:
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out waiting for {text!r}")
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                self.output += os.read(self.master, 65536)

    def press(self, key: bytes) -> float | None:
        """Milliseconds from writing `key` to the last byte of the repaint it caused."""
        self.drain(quiet=0.05)
        sent = time.perf_counter()
        os.write(self.master, key)
        last = self.drain()
        return None if last is None else (last - sent) * 1000

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def summary(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    verdict = "OK" if p95 < TARGET_MS else "OVER TARGET"
    return (f"  {label:<28} median {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms   "
            f"max {max(samples):6.1f} ms   ({len(samples)} presses)  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=100)
    args = parser.parse_args()
    tree = embedded_tree()
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "redis"
        shutil.copytree(tree / "apps" / "redis", app)
        write_app_config(app)
        term = Terminal([sys.executable, "-m", "flexui", "--app", str(app), "--workdir", str(tree)],
                        app)
        try:
            term.wait_for(b"Library Configuration")
            term.drain(quiet=0.5)
            for key in (b"/", b"BIG_FLAT_00300", b"\r"):
                term.press(key)
            term.wait_for(b"Flat option 299")
            results = {"move down/up (j/k)": [], "toggle (space)": [], "leave/enter menu": []}
            for i in range(args.presses):
                results["move down/up (j/k)"].append(term.press(b"j" if i % 2 else b"k"))
                results["toggle (space)"].append(term.press(b" "))
                results["leave/enter menu"].append(term.press(b"h" if i % 2 else b"l"))
        finally:
            term.close()
    print(f"key press to repaint, embedded tree + 2,400 generated symbols, pty {COLS}x{ROWS}, "
          f"600-entry menu; target < {TARGET_MS:.0f} ms (p95)")
    for label, samples in results.items():
        got = [s for s in samples if s is not None]
        print(summary(label, got) if got else f"  {label:<28} no repaint seen")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Closed-loop exploration on the stand-in space: wall time with 1 and 2 workers.

The stand-in (tests/standin_build.py) builds our own QEMU test kernel in a
git build tree and takes `--build-seconds` per build; each configuration is
booted twice under QEMU, one benchmark at a time. Prints the wall time
with 1 and 2 build workers (target speed-up >= 1.6x on 2 cores), the
measurements used against the exhaustive count, and the Dask scheduler's
overhead per job (a build task and a benchmark task that do nothing).

The default build takes 10 s: a real FlexOS build takes minutes and the
boots about 1 s, so builds dominate a job. With 3 s builds the serial
benchmark phase was a quarter of each job and 2 workers gained 1.35x.

    python benchmarks/closed_loop.py [--build-seconds 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from standin_workdir import loop_for, make_workdir  # noqa: E402

from flexui.model.explore.closed_loop import run_loop  # noqa: E402
from flexui.model.explore.engine import DaskEngine  # noqa: E402

SPEED_UP = 1.6
OVERHEAD_JOBS = 40


def nothing(x=None):
    return x


def overhead(engine: DaskEngine) -> float:
    """Seconds per job the scheduler adds: a build task then a benchmark task, one job at a time."""
    client = engine.client
    start = time.perf_counter()
    for i in range(OVERHEAD_JOBS):
        built = client.submit(nothing, i, resources={"build": 1}, pure=False)
        client.submit(nothing, built, resources={"bench": 1}, pure=False).result()
    return (time.perf_counter() - start) / OVERHEAD_JOBS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-seconds", type=float, default=10.0)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = str(Path(tmp) / "data")  # a fresh journal: nothing is reused
        for workers in (1, 2):
            run = Path(tmp) / f"w{workers}"
            wd = make_workdir(run, sleep=args.build_seconds)
            loop = loop_for(run, wd)
            engine = DaskEngine(workers=workers).start()
            try:
                per_job = overhead(engine)
                result = run_loop(loop, engine)
            finally:
                engine.close()
            results[workers] = (result, per_job, len(loop.points))
            rows = [r for r in result.rows.values() if r.phase == "done"]
            build = sum(r.build_seconds for r in rows)
            boot = sum(r.boot_seconds for r in rows)
            print(f"{workers} worker(s): {result.wall:6.1f} s wall, {result.measured} measured of "
                  f"{len(loop.points)} (exhaustive), {result.failed} failed, "
                  f"answer {len(result.answer)} configuration(s); a job builds for "
                  f"{build / max(1, len(rows)):.1f} s and boots for {boot / max(1, len(rows)):.1f} s; "
                  f"build slots busy {build / (workers * result.wall):.0%} of the wall time; "
                  f"the scheduler adds {per_job * 1e3:.1f} ms per job", flush=True)
    one, two = results[1][0], results[2][0]
    speed_up = one.wall / two.wall
    print(f"speed-up with 2 workers: {speed_up:.2f}x (target >= {SPEED_UP}x) "
          f"{'OK' if speed_up >= SPEED_UP else 'MISSED'}; same answer: {set(one.answer) == set(two.answer)}")


if __name__ == "__main__":
    main()

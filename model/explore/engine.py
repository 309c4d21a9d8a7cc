"""The closed loop's engine: Dask distributed, locally or on an existing cluster.

Locally a LocalCluster runs K build workers (resource `build`) and one
benchmark worker (resource `bench`), so builds run side by side while at most
one timed benchmark runs on the machine. With `--scheduler ADDRESS` the same
tasks go to an existing cluster whose workers declare the same resources
(one worker per host with `bench=1`; see the README): a scheduler that does
not answer, or a cluster without a `build` or a `bench` worker, is refused at
start rather than waited for. Dask reschedules the
tasks of a lost worker; cancelling sets the run's event, which every task
watches to stop its build's and QEMU's process groups.

Every worker the jobs can reach runs without Dask's sampling profiler (see
no_profiler.py).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flexui.model.explore.jobs import BenchJob, BuildJob, bench_job, build_job

if TYPE_CHECKING:  # Dask loads only when a closed loop starts
    from distributed import Client, LocalCluster

ALLOWED_FAILURES = 3  # a task whose worker died this many times is reported failed
SLOTS_REFRESH = 5.0  # seconds: workers joining or leaving a cluster are seen this late
CONNECT_TIMEOUT = 10.0  # seconds: a scheduler that does not answer by then is reported, not waited for
WORKERS_GRACE = 5.0  # seconds an existing cluster has to show a worker of each resource the jobs ask for
RESOURCES = ("build", "bench")


class ClusterError(Exception):
    """The cluster cannot run the jobs (unreachable, or no worker with a resource they need)."""


def _start_resource_tracker() -> None:
    """Start multiprocessing's helper with the real stderr: a UI that captures prints has no fd there."""
    import sys
    from multiprocessing import resource_tracker

    saved = sys.stderr
    try:
        valid = saved.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        valid = False
    if not valid:
        sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


@dataclass
class DaskEngine:
    workers: int = 2
    scheduler: str | None = None
    client: Client | None = None
    cluster: LocalCluster | None = None
    _futures: dict = field(default_factory=dict)
    _slots: tuple[int, float] = (0, float("-inf"))  # (slots, when the scheduler was asked)

    def start(self) -> DaskEngine:
        import dask
        from distributed import Client, LocalCluster, Nanny

        from flexui.model.explore.no_profiler import NoProfiler

        dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                         "distributed.worker.daemon": False})
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, ValueError) as e:  # refused, unresolvable or silent (OSError), malformed
                raise ClusterError(f"cannot reach the Dask scheduler at {self.scheduler}: {e}") from None
            self.client.register_plugin(NoProfiler(), name=NoProfiler.name)
            self._require_resources()
            return self
        _start_resource_tracker()
        self.cluster = cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                    resources={"build": 1}, dashboard_address=None,
                                    scheduler_kwargs={"dashboard_address": ":0"},  # its /health server: any free
                                    silence_logs=40)
        options = {**cluster.new_spec["options"], "resources": {"bench": 1}}
        cluster.worker_spec["bench"] = {"cls": Nanny, "options": options}
        cluster.scale(len(cluster.worker_spec))
        self.client = client = Client(cluster)
        client.register_plugin(NoProfiler(), name=NoProfiler.name)
        client.wait_for_workers(self.workers + 1, timeout=120)
        return self

    def _require_resources(self) -> None:
        """Refuse a cluster whose tasks would wait forever for a worker with `build` or `bench`."""
        deadline = time.monotonic() + WORKERS_GRACE
        while True:
            info = self.started.scheduler_info(n_workers=-1)["workers"].values()
            missing = [r for r in RESOURCES if not any(w.get("resources", {}).get(r) for w in info)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"the Dask cluster at {self.scheduler} has no worker with resource {' or '.join(missing)} "
                    f"({len(info)} worker(s) in all); start its workers with --resources \"build=1,bench=1\" "
                    "(see the README)")
            time.sleep(0.5)

    @property
    def started(self) -> Client:
        if self.client is None:
            raise RuntimeError("the Dask engine is used before start()")
        return self.client

    @property
    def local(self) -> bool:
        return self.cluster is not None

    def slots(self) -> int:
        """Jobs worth having in flight: one per build slot, and at least two.

        With one build slot the second job builds while the first is
        benchmarked. With more, a job beyond one per build slot is chosen
        before the running ones report, blind: on the stand-in space it made
        2 workers measure 14-15 configurations instead of 11, and gained no time.
        """
        now = time.monotonic()
        if now - self._slots[1] > SLOTS_REFRESH:  # asked every poll: not a scheduler round trip each time
            info = self.started.scheduler_info(n_workers=-1)["workers"].values()
            builds = sum(int(w.get("resources", {}).get("build", 0)) for w in info)
            self._slots = (max(2, builds), now)
        return self._slots[0]

    def submit(self, build: BuildJob, bench: BenchJob):
        key = f"{build.run_id}-{build.key}"
        built = self.started.submit(build_job, build, key=f"build-{key}", resources={"build": 1}, pure=False)
        measured = self.started.submit(bench_job, bench, built, key=f"bench-{key}", resources={"bench": 1},
                                      pure=False)
        self._futures[measured] = built
        return measured

    def wait(self, futures, timeout: float):
        from distributed import wait

        with contextlib.suppress(TimeoutError):
            wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")

    def result(self, future):
        """The bench outcome, or the exception that ended the task (a lost worker, ...)."""
        try:
            return future.result()
        except Exception as e:  # KilledWorker, CancelledError, a bug in a task: reported, not raised
            return e
        finally:
            self._futures.pop(future, None)

    def statuses(self, run_id: str) -> list[tuple[str, str]]:
        from distributed import Queue

        queue = Queue(f"flexui-status-{run_id}", client=self.started)
        out = []
        try:
            while queue.qsize():
                out.append(tuple(queue.get(timeout=1)))
        except Exception:
            pass
        return out

    def cancel(self, run_id: str, grace: float = 10.0) -> None:
        """Stop every task of the run: they kill their process groups, then the futures go."""
        from distributed import Event, wait

        Event(f"flexui-cancel-{run_id}", client=self.started).set()
        pending = [*self._futures, *self._futures.values()]
        if pending:
            with contextlib.suppress(TimeoutError):
                wait(pending, timeout=grace)
            self.started.cancel(pending)
        self._futures.clear()

    def worker_pids(self) -> dict[str, int]:
        import os

        return self.started.run(os.getpid)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

"""A Dask worker plugin that stops the worker's sampling profiler, on every worker the jobs reach.

The profiler calls `sys._current_frames` every 10 ms. On CPython before
3.11.9 (gh-106883), a garbage collection inside that call whose finalizer
lets go of the GIL (a pipe closed, a child process reaped) while another
thread starts or ends deadlocks the whole worker: its event loop stops, no
result reaches the scheduler again, and the closed loop waits forever. A
job starts threads all the time (pipe readers, the cancel watch), and on a
busy 2-core machine with Python 3.11.7 it happened in one run in three.
flexui does not use what the profiler collects.
"""

from __future__ import annotations

from distributed import Worker
from distributed.diagnostics.plugin import WorkerPlugin

CALLBACKS = ("profile", "profile-cycle")  # the worker's periodic callbacks that sample and roll it


class NoProfiler(WorkerPlugin):
    name = "flexui-no-profiler"

    def setup(self, worker: Worker) -> None:
        for name in CALLBACKS:  # popped from a starting worker before it starts them
            callback = worker.periodic_callbacks.pop(name, None)
            if callback is not None:
                callback.stop()

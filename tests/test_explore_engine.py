"""The local Dask cluster of `explore --execute`: quiet next to other clusters."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.xdist_group("dask")

START = "from flexui.model.explore.engine import DaskEngine; DaskEngine(workers=1).start().close(); print('ok')"


def test_a_second_cluster_on_the_machine_prints_no_port_warnings():
    """Another Dask user (a notebook's cluster, a second explore) holds the default dashboard port 8787."""
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("0.0.0.0", 8787))
        holder.listen()
    except OSError:
        holder.close()
        holder = None  # already held by someone else: the situation this test is about
    try:
        run = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True, timeout=120)
    finally:
        if holder is not None:
            holder.close()
    assert run.stdout.strip() == "ok", run.stderr
    assert "already in use" not in run.stderr and "Warning" not in run.stderr, run.stderr


def test_no_worker_of_the_local_cluster_runs_the_sampling_profiler_that_deadlocks_python_3_11_7():
    """With it, about one closed loop in three hung for good on a busy 2-core machine (see no_profiler.py)."""
    from flexui.model.explore.engine import DaskEngine
    from flexui.model.explore.no_profiler import CALLBACKS

    engine = DaskEngine(workers=2).start()
    try:
        left = engine.started.run(lambda dask_worker: [n for n in CALLBACKS if n in dask_worker.periodic_callbacks])
    finally:
        engine.close()
    assert len(left) == 3 and all(names == [] for names in left.values()), left

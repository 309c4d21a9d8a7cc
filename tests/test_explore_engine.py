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

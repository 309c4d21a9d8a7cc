"""`flexui explore --execute --scheduler` on a real external Dask cluster, stand-in builds.

The cluster is real `dask scheduler` and `dask worker` processes on
127.0.0.1, started with the command lines the README's closed-loop section
gives users (only the address, the port and no dashboard changed), so a
README that tells users something that does not work fails here. The builds
are tests/standin_build.py, as in test_closed_loop.py, whose LocalCluster
runs find the same exhaustive oracle's answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client
from qemu_kernel_build import need_qemu
from standin_workdir import (
    ROOT,
    assert_workdir_untouched,
    execute_args,
    leftover_processes,
    loop_for,
    make_workdir,
    oracle,
)

from flexui.model.explore.no_profiler import CALLBACKS
from flexui.model.isolation.design import DesignPoint

pytestmark = pytest.mark.xdist_group("dask")  # one Dask cluster at a time, on one worker

RUN_TIMEOUT = 300  # seconds: a run that hangs fails the test instead of the suite


def readme_commands() -> dict[str, list[str]]:
    """The README's cluster set-up: `dask scheduler ...` and `dask worker ...`, as argument lists."""
    section = (ROOT / "README.md").read_text().split("## Closed-loop exploration", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    commands = {}
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["dask"]:
            commands[words[1]] = words
    assert commands.keys() == {"scheduler", "worker"}, block
    return commands


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def running_in(groups: list[int]) -> list[str]:
    """Live processes (not zombies) of these process groups."""
    out = []
    for pid in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (OSError, ValueError):
            continue
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) in groups and state != "Z":
            out.append(f"{pid} {stat[:60]}")
    return out


@contextlib.contextmanager
def dask_cluster(tmp: Path, worker: list[str] | None = None) -> Iterator[tuple[str, list[int]]]:
    """A scheduler and a worker as the README starts them (or `worker`); every process of both stopped after.

    Yields the scheduler's address and the process groups; TMPDIR puts the
    workers' scratch space and build trees in `tmp`.
    """
    port = free_port()
    commands = readme_commands()

    def here(words: list[str]) -> list[str]:
        return [w.replace("SCHEDULER", "127.0.0.1").replace("8786", str(port)) for w in words]

    env = {**os.environ, "TMPDIR": str(tmp)}
    procs: list[subprocess.Popen] = []
    try:
        for name, words in (("scheduler", commands["scheduler"]), ("worker", worker or commands["worker"])):
            argv = [sys.executable, "-m", *here(words), "--host", "127.0.0.1", "--no-dashboard"]
            with open(tmp / f"{name}.log", "w") as log:
                procs.append(subprocess.Popen(argv, cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                              stderr=subprocess.STDOUT, start_new_session=True))
        address = f"tcp://127.0.0.1:{port}"
        with Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
        yield address, [p.pid for p in procs]
    finally:
        for proc in reversed(procs):  # the worker first: it leaves the scheduler cleanly
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def flexui_explore(tmp: Path, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp / "data")}
    try:
        return subprocess.run([sys.executable, "-m", "flexui", "explore", *args], capture_output=True, text=True,
                              env=env, stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as e:  # say where it hung: what explore and the worker printed
        logs = "".join(f"\n--- {log.name}\n" + log.read_text()[-3000:] for log in sorted(tmp.glob("*.log")))
        said = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
        pytest.fail(f"flexui explore did not finish within {RUN_TIMEOUT} s; it printed:\n{said}{logs}")


def test_standin_build_loop_on_a_cluster_started_as_the_readme_says_finds_the_oracles_answer(tmp_path):
    need_qemu()
    wd = make_workdir(tmp_path)
    loop = loop_for(tmp_path, wd)
    with dask_cluster(tmp_path) as (address, groups):
        assert running_in(groups)
        run = flexui_explore(tmp_path, [*execute_args(tmp_path, wd), "--scheduler", address, "--json"])
        assert run.returncode == 0, run.stderr + (tmp_path / "worker.log").read_text()[-3000:]
        with Client(address, timeout=60) as client:  # the profiler that can deadlock a worker (no_profiler.py)
            left = client.run(lambda dask_worker: [n for n in CALLBACKS if n in dask_worker.periodic_callbacks])
            assert left == {w: [] for w in client.scheduler_info()["workers"]}
    out = json.loads(run.stdout)
    assert {DesignPoint.from_key(row["configuration"]) for row in out["answer"]} == oracle(loop)
    assert out["failed"] == 0 and 0 < out["measured"] < len(loop.points)
    assert all(job["phase"] == "done" for job in out["jobs"])
    assert running_in(groups) == []
    assert leftover_processes(str(tmp_path)) == []
    assert list((tmp_path / "flexui-trees").glob("*")) == []
    assert_workdir_untouched(wd)


@pytest.mark.parametrize("address, message", [
    ("tcp://127.0.0.1:{port}", "cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: Timed out"),
    ("127.0.0.1", "cannot reach the Dask scheduler at 127.0.0.1: missing port number"),
])
def test_execute_with_a_wrong_scheduler_address_says_so_in_one_line_and_exits_2(tmp_path, address, message):
    port = free_port()  # nothing listens there
    wd = make_workdir(tmp_path)
    run = flexui_explore(tmp_path, [*execute_args(tmp_path, wd), "--scheduler", address.format(port=port)])
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and message.format(port=port) in run.stderr
    assert not (tmp_path / "data").exists()


def test_execute_on_a_cluster_without_a_bench_worker_says_so_in_one_line_and_exits_2(tmp_path):
    wd = make_workdir(tmp_path)
    with dask_cluster(tmp_path, worker=["dask", "worker", "tcp://SCHEDULER:8786", "--resources", "build=1"]) \
            as (address, groups):
        run = flexui_explore(tmp_path, [*execute_args(tmp_path, wd), "--scheduler", address])
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines() == [
        f"flexui explore: the Dask cluster at {address} has no worker with resource bench (1 worker(s) in all); "
        'start its workers with --resources "build=1,bench=1" (see the README)']
    assert not (tmp_path / "data").exists()
    assert running_in(groups) == []

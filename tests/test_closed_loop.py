"""The closed loop end to end: real Dask LocalCluster, real QEMU, real git build trees, stand-in builds.

The build command is tests/standin_build.py (a stand-in: FlexOS cannot be
built here in test time); it assembles our own kernel whose guest prints a
metric derived from the configuration, so the loop's answer can be checked
against the exhaustive oracle.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest
from qemu_kernel_build import need_qemu
from standin_workdir import APP, assert_workdir_untouched, leftover_processes, loop_for, make_workdir, oracle

from flexui.model.explore.closed_loop import run_loop
from flexui.model.explore.engine import DaskEngine
from flexui.model.explore.plan import LoopPlan
from flexui.model.perf.benchdata import BenchDB

pytestmark = pytest.mark.xdist_group("dask")  # one Dask cluster at a time, on one worker


@pytest.fixture(scope="module")
def engine():
    need_qemu()
    e = DaskEngine(workers=2).start()
    yield e
    e.close()


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


def test_standin_build_loop_finds_the_oracles_safest_set_with_fewer_measurements(engine, tmp_path, data_home):
    wd = make_workdir(tmp_path)
    loop = loop_for(tmp_path, wd)
    result = run_loop(loop, engine)
    assert not result.cancelled and result.failed == 0
    assert set(result.answer) == oracle(loop)
    assert 0 < result.measured < len(loop.points)
    exception = next(p for p in loop.points if p.mechanism == "mpk-dss" and len(p.layout) == 2
                     and p.hardened == {APP})
    assert exception in result.answer  # inferred over budget, found within by the checked mode
    db = BenchDB.load(user_dir=data_home / "flexui" / "benchdata")
    mine = db.series(APP, "cycles")
    assert len(mine) == result.measured and all(m.runs == 2 for m in mine)
    setup = db.provenance[mine[0].source].setup
    assert "tcg" in setup and os.uname().nodename in setup
    assert_workdir_untouched(wd)


def test_standin_build_failure_is_a_failed_configuration_and_the_plan_goes_on(engine, tmp_path, data_home):
    probe = loop_for(tmp_path, make_workdir(tmp_path), small=True)
    victim = LoopPlan(probe.points, probe.budget, False).next(1)[0].key()  # the plan's first build
    loop = loop_for(tmp_path / "again", make_workdir(tmp_path / "again", fail=[victim]), small=True)
    result = run_loop(loop, engine)
    row = next(r for p, r in result.rows.items() if p.key() == victim)
    assert row.phase == "failed" and "does not build" in row.error
    assert result.failed == 1 and not result.cancelled
    assert set(result.answer) == oracle(loop, failed={victim})
    assert all(m.point.key() != victim for m in BenchDB.load().series(APP, "cycles"))


def test_standin_build_hung_guest_is_stopped_and_recorded_failed(engine, tmp_path, data_home):
    wd = make_workdir(tmp_path)
    baseline = next(p for p in loop_for(tmp_path, wd, small=True).points if len(p.layout) == 1 and not p.hardened
                    and p.mechanism == "fcalls")
    wd = make_workdir(tmp_path / "hang", hang=[baseline.key()])
    loop = loop_for(tmp_path / "hang", wd, small=True, timeout=3)
    result = run_loop(loop, engine)
    row = result.rows[baseline]
    assert row.phase == "failed" and "did not finish within 3 s" in row.error
    assert set(result.answer) == oracle(loop, failed={baseline.key()})
    assert leftover_processes(str(tmp_path)) == []


def test_standin_build_cancel_mid_run_stops_every_build_and_guest_then_resume_reuses(engine, tmp_path,
                                                                                    data_home):
    wd = make_workdir(tmp_path, sleep=1.0)
    loop = loop_for(tmp_path, wd, small=True)
    cancel = threading.Event()

    def on_update(status):
        if sum(r.phase == "done" for r in status.rows.values()) >= 2 and \
                any(r.phase == "building" for r in status.rows.values()):
            cancel.set()

    first = run_loop(loop, engine, on_update, cancel)
    assert first.cancelled and first.answer == []
    assert any(r.phase == "cancelled" for r in first.rows.values())
    assert leftover_processes(str(tmp_path)) == []
    assert_workdir_untouched(wd)
    again = run_loop(loop_for(tmp_path, wd, small=True), engine)
    assert again.reused == first.measured >= 2
    assert set(again.answer) == oracle(loop)
    assert not set(first.plan.values) & {p for p, r in again.rows.items() if r.phase == "done"}


def test_standin_build_lost_worker_is_retried(tmp_path, data_home):
    need_qemu()
    engine = DaskEngine(workers=2).start()
    try:
        wd = make_workdir(tmp_path, sleep=1.5)
        loop = loop_for(tmp_path, wd, small=True)
        killed = []

        def on_update(status):
            if killed:
                return
            for address, keys in engine.client.processing().items():
                if any(str(k).startswith("build-") for k in keys):
                    pid = engine.client.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return

        result = run_loop(loop, engine, on_update)
        assert killed
        assert not result.cancelled and result.failed == 0
        assert set(result.answer) == oracle(loop)
    finally:
        engine.close()

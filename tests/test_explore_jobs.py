"""A job's build in its own tree gets what the user's work directory was set up with, stand-in builds.

On the real FlexOS tree every job failed at `make prepare` while `flexui --build`
in the work directory succeeded: the job trees had neither the source archives
(`--build --sources DIR`, remembered per work directory), nor kraft's package
cache (`workdir kraft-cache`), nor the app's make variables (flexui-build.yaml).
The build command here is a stand-in that checks for each of them, then writes
our own kernel (tests/standin_build.py); the jobs are called as a Dask worker
calls them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from qemu_kernel_build import need_qemu
from standin_workdir import APP, ROOT, execute_args, loop_for, make_workdir

from flexui.cmd_explore import main as explore_main
from flexui.model.build.kraft_cache import STATE_DIR
from flexui.model.build.sources import remember_sources
from flexui.model.explore.jobs import BuildJob, build_job
from flexui.model.vocabulary import BUILD_FILE

ARCHIVE = "TLSF-2.4.6.tbz2"
# The library fetches its archive the way lib-tlsf's Makefile.uk does; the build looks for it in build/libtlsf/.
FETCH = ("LIBTLSF_VERSION=2.4.6\nLIBTLSF_URL=http://example.invalid/tlsf/TLSF-$(LIBTLSF_VERSION).tbz2\n"
         "$(eval $(call fetch,libtlsf,$(LIBTLSF_URL),TLSF-$(LIBTLSF_VERSION).tbz2))\n")
CHECK = """
import os, pathlib, sys
app = pathlib.Path.cwd()
archive = app / "build" / "libtlsf" / "TLSF-2.4.6.tbz2"
if not archive.is_file() or archive.read_bytes() != b"the archive":
    sys.exit(f"tar: {archive}: Cannot open: No such file or directory")
workdir = pathlib.Path(os.environ["UK_WORKDIR"])
if workdir != app.parent.parent:
    sys.exit(f"error: UK_WORKDIR is {workdir}, not this build tree")
for name in ("KRAFTRC", "MAKEFLAGS"):
    want = os.environ.get("EXPECT_" + name)
    if want and want not in os.environ.get(name, ""):
        sys.exit(f"error: {name} is {os.environ.get(name)!r}, without {want!r}")
"""


def workdir_with_archive(tmp: Path, remembered: bool = False) -> Path:
    """A work directory whose tlsf fetches an archive; `remembered`: as after `--build --sources DIR`."""
    wd = make_workdir(tmp)
    makefile = wd / "libs" / "tlsf" / "Makefile.uk"
    makefile.write_text(makefile.read_text() + FETCH)
    subprocess.run(["git", "commit", "-qam", "fetch the TLSF archive"], cwd=makefile.parent, check=True)
    if remembered:
        sources = tmp / "sources"
        sources.mkdir()
        (sources / ARCHIVE).write_bytes(b"the archive")
        remember_sources(wd, sources)
    return wd


def job_for(tmp: Path, wd: Path) -> BuildJob:
    loop = loop_for(tmp, wd)
    point = loop.points[0]
    commands = [[sys.executable, "-c", CHECK], [sys.executable, str(ROOT / "tests" / "standin_build.py")]]
    return BuildJob(point.key(), "test", loop.source, tmp / "trees", loop.configure(point), commands,
                    f"{APP}_kvm-x86_64")


def test_standin_build_job_without_the_archive_fails_naming_it(tmp_path):
    wd = workdir_with_archive(tmp_path)
    outcome = build_job(job_for(tmp_path, wd))
    assert not outcome.ok
    assert outcome.errors[0].startswith(f"libtlsf needs {ARCHIVE} (http://example.invalid/tlsf/{ARCHIVE})"), \
        outcome.errors


def test_standin_build_job_builds_with_the_work_directorys_archives_and_kraft_cache(tmp_path, monkeypatch):
    wd = workdir_with_archive(tmp_path, remembered=True)
    kraftrc = wd / STATE_DIR / "kraftrc"
    kraftrc.parent.mkdir()
    kraftrc.write_text("[list]\norigins = []\n")
    monkeypatch.setenv("EXPECT_KRAFTRC", str(kraftrc))
    job = job_for(tmp_path, wd)
    outcome = build_job(job)
    assert outcome.ok, outcome.errors
    assert list(outcome.images) == [f"{APP}_kvm-x86_64"]
    assert not (tmp_path / "trees").exists() or list((tmp_path / "trees").glob("test-*")) == []


def test_standin_build_every_configuration_is_built_with_the_apps_make_variables(tmp_path, monkeypatch):
    wd = workdir_with_archive(tmp_path, remembered=True)
    (wd / "apps" / APP / BUILD_FILE).write_text("make:\n  EXAMPLE_EXTRA: '-O2'\n")  # the user's, not committed
    monkeypatch.setenv("EXPECT_MAKEFLAGS", "EXAMPLE_EXTRA=-O2")
    outcome = build_job(job_for(tmp_path, wd))
    assert outcome.ok, outcome.errors
    status = subprocess.run(["git", "status", "--porcelain"], cwd=wd / "apps" / APP, capture_output=True,
                            text=True).stdout
    assert status.strip() == f"?? {BUILD_FILE}"  # read, never moved or committed


def test_standin_build_broken_build_settings_are_refused_before_any_job(tmp_path, capsys):
    wd = make_workdir(tmp_path)
    (wd / "apps" / APP / BUILD_FILE).write_text("make:\n  - not a mapping\n")
    assert explore_main(execute_args(tmp_path, wd)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{BUILD_FILE}:2" in err[0], err


@pytest.mark.xdist_group("dask")
def test_standin_build_nothing_measured_exits_4_naming_the_first_failure(tmp_path, monkeypatch, capsys):
    need_qemu()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    keys = [p.key() for p in loop_for(tmp_path / "probe", make_workdir(tmp_path / "probe"), small=True).points]
    wd = make_workdir(tmp_path / "all", fail=keys)
    code = explore_main([*execute_args(tmp_path / "all", wd, small=True), "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 4, out
    assert "nothing could be measured: every configuration failed; the first failure: build failed:" in out
    assert "none meets the budget" not in out  # unknown is not empty


@pytest.mark.parametrize("metric, budget, hint", [("GET", "10M", "try a lower one"),
                                                  ("time", "0.0001", "try a higher one")])
def test_no_answer_points_the_budget_the_way_that_helps(metric, budget, hint, capsys):
    app = "redis" if metric == "GET" else "sqlite"
    assert explore_main(["--app", app, "--metric", metric, "--budget", budget]) == 0
    assert f"none meets the budget; {hint}" in capsys.readouterr().out


def test_the_run_plan_screen_says_nothing_was_measured_as_the_cli_does():
    from flexui.model.explore.closed_loop import LoopStatus, Row
    from flexui.model.isolation.design import DesignPoint

    point = DesignPoint.from_key("tlsf;;fcalls")
    failed = LoopStatus({point: Row(point, "failed", verdict="failed", error="build failed: no image")}, [],
                        1, 1, 0, done=True, higher_is_better=False)
    assert failed.no_answer() == "nothing could be measured: every configuration failed; the first failure: " \
                                 "build failed: no image"
    over = LoopStatus({point: Row(point, "done", 9.0, verdict="over")}, [], 1, 1, 1, done=True,
                      higher_is_better=False)
    assert over.no_answer() == "none meets the budget; try a higher one"

"""The build runner against stand-in build commands (a real FlexOS build needs its toolchain)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time

from flexui.model.build.runner import plan_build, run_build, why_not_buildable
from flexui.paths import embedded_tree

STAND_IN = r'''
import os, sys, time, pathlib
mode = sys.argv[1]
for name in ("a.c", "b.c", "c.c"):
    print(f"  CC      libfoo/{name}", flush=True)
if mode == "sleep":
    child = os.fork()
    if child == 0:
        pathlib.Path("child.pid").write_text(str(os.getpid()))
        time.sleep(60)
    time.sleep(60)
if mode == "chatty":
    while True:
        print("  CC      libfoo/again.c", flush=True)
        time.sleep(0.001)
if mode == "fail":
    print("/bin/sh: 1: lex: not found", flush=True)
    print("libfoo/b.c:3:1: error: expected ';' before '}' token", flush=True)
    print("make: *** [libfoo/b.o] Error 1", flush=True)
    sys.exit(2)
if mode == "image":
    pathlib.Path("build").mkdir(exist_ok=True)
    pathlib.Path("build", pathlib.Path.cwd().name + "_kvm-x86_64").write_bytes(b"\x7fELF image")
'''


def app(tmp_path):
    target = tmp_path / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", target)
    (tmp_path / "stand_in.py").write_text(STAND_IN)
    return target


def stand_in_plan(app_dir, mode):
    return plan_build(app_dir, commands=[[sys.executable, str(app_dir.parent / "stand_in.py"), mode]])


def test_stand_in_build_streams_counts_objects_and_records(tmp_path):
    app_dir = app(tmp_path)
    lines, progress = [], []
    result = run_build(stand_in_plan(app_dir, "image"), lines.append, progress.append, sources={"x": 1})
    assert result.ok and result.images == [app_dir / "build" / "redis_kvm-x86_64"]
    assert "  CC      libfoo/c.c" in lines and progress[-1].objects == 3
    log = (app_dir / "build" / "flexui-build.log").read_text()
    assert "libfoo/a.c" in log
    record = (app_dir / "build" / "flexui-build.json").read_text()
    assert '"ok": true' in record and '"x": 1' in record and "kraft.yaml" in record
    assert result.record["sources"] == {"x": 1} and result.record["fingerprint"] == result.fingerprint
    assert result.record["inputs"]["kraft.yaml"] == (app_dir / "kraft.yaml").read_text()


def test_stand_in_same_inputs_is_up_to_date_and_a_config_change_rebuilds(tmp_path):
    app_dir = app(tmp_path)
    plan = stand_in_plan(app_dir, "image")
    assert run_build(plan).ok
    again = run_build(plan)
    assert again.up_to_date and "up to date" in again.describe()
    (app_dir / ".config").write_text("CONFIG_LIBUKDEBUG=y\n")
    changed = run_build(plan)
    assert changed.ok and not changed.up_to_date
    assert not run_build(plan, force=True).up_to_date


def test_stand_in_exit_zero_without_image_is_a_failure(tmp_path):
    app_dir = app(tmp_path)
    result = run_build(stand_in_plan(app_dir, "noimage"))
    assert not result.ok and "did not produce redis_kvm-x86_64" in result.first_errors[-1]


def test_stand_in_failure_shows_the_first_error_lines_and_log(tmp_path):
    app_dir = app(tmp_path)
    result = run_build(stand_in_plan(app_dir, "fail"))
    assert not result.ok and result.first_errors[0] == "/bin/sh: 1: lex: not found"
    assert result.first_errors[1].startswith("libfoo/b.c:3:1: error:")
    assert "make: *** [libfoo/b.o] Error 1" in result.first_errors
    assert str(result.log_path) in result.describe()


def test_stand_in_cancel_stops_a_build_that_never_stops_printing(tmp_path):
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    start = time.monotonic()
    result = run_build(stand_in_plan(app(tmp_path), "chatty"), cancel=cancel)
    assert result.cancelled and time.monotonic() - start < 10


def test_stand_in_cancel_kills_the_whole_process_group(tmp_path):
    app_dir = app(tmp_path)
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    start = time.monotonic()
    result = run_build(stand_in_plan(app_dir, "sleep"), cancel=cancel)
    assert result.cancelled and not result.ok and time.monotonic() - start < 10
    child = int((app_dir / "child.pid").read_text())
    time.sleep(0.2)
    try:
        os.kill(child, 0)
        with open(f"/proc/{child}/stat") as stat:
            alive = stat.read().split()[2] != "Z"
    except ProcessLookupError:
        alive = False
    assert not alive


def test_flexos_sequence_and_hardening_variables_reach_the_environment(tmp_path):
    app_dir = app(tmp_path)
    (app_dir / "flexui.mk").write_text("LIBLWIP_CFLAGS_EXTRA := -fsanitize=undefined\n")
    plan = plan_build(app_dir)
    assert [s.argv[:2] for s in plan.steps] == [["make", "prepare"], ["kraft", "-v"]]
    assert "--compartmentalize" in plan.steps[-1].argv
    assert plan.env == {"LIBLWIP_CFLAGS_EXTRA": "-fsanitize=undefined", "PWD": str(app_dir)}


ENV_DUMP = r'''
import json, os, pathlib, subprocess, sys
pathlib.Path("env.json").write_text(json.dumps({k: os.environ.get(k) for k in
    ("PWD", "UK_WORKDIR", "UK_ROOT", "UK_LIBS")} | {"cwd": os.getcwd()}))
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a daemon holding the pipe
print("[\x1b[37mINFO    \x1b[0m] Checking cache for staleness... no error", flush=True)
pathlib.Path("build").mkdir(exist_ok=True)
for i in (0, 1):
    pathlib.Path("build", pathlib.Path.cwd().name + f"_kvm-x86_64.comp{i}").write_bytes(b"\x7fELF")
'''


def test_stand_in_build_runs_in_the_app_dir_with_the_workdir_exported_and_ept_images_succeed(tmp_path):
    """Started from elsewhere, with a background child keeping the pipe open; VM/EPT leaves .comp0/.comp1."""
    wd = tmp_path / "wd"
    (wd / "unikraft").mkdir(parents=True)
    app_dir = wd / "apps" / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app_dir)
    (tmp_path / "dump.py").write_text(ENV_DUMP)
    plan = plan_build(app_dir, commands=[[sys.executable, str(tmp_path / "dump.py")]], workdir=wd)
    start = time.monotonic()
    result = run_build(plan)
    assert time.monotonic() - start < 20  # not the daemon's 60 s
    assert result.ok, result.first_errors
    assert [p.name for p in result.images] == ["redis_kvm-x86_64.comp0", "redis_kvm-x86_64.comp1"]
    assert result.first_errors == []  # kraft's INFO lines are not errors
    env = json.loads((app_dir / "env.json").read_text())
    assert env == {"PWD": str(app_dir), "cwd": str(app_dir), "UK_WORKDIR": str(wd),
                   "UK_ROOT": str(wd / "unikraft"), "UK_LIBS": str(wd / "libs")}
    assert run_build(plan).up_to_date


def test_flexos_sequence_without_a_config_or_outside_a_workdir_is_refused_with_the_next_step(tmp_path):
    app_dir = app(tmp_path)
    reason = why_not_buildable(plan_build(app_dir), None)
    assert "not in a FlexOS work directory" in reason and "flexui workdir init DIR --app redis" in reason
    wd = tmp_path / "wd"
    (wd / "unikraft").mkdir(parents=True)
    (wd / "unikraft" / "Makefile").write_text("all:\n")
    inside = wd / "apps" / "redis"
    shutil.copytree(app_dir, inside)
    (inside / ".config").unlink(missing_ok=True)
    assert "no Makefile" in why_not_buildable(plan_build(inside, workdir=wd), wd)
    (inside / "Makefile").write_text("all:\n")
    assert "no .config" in why_not_buildable(plan_build(inside, workdir=wd), wd)
    (inside / ".config").write_text("CONFIG_LIBFLEXOS=y\n")
    assert why_not_buildable(plan_build(inside, workdir=wd), wd) is None


REWRITES_CONFIG = r'''
import pathlib
cfg = pathlib.Path(".config")
cfg.write_text("# Automatically generated\n" + cfg.read_text() + "CONFIG_NEW_DEFAULT=y\n")
pathlib.Path("build").mkdir(exist_ok=True)
pathlib.Path("build", pathlib.Path.cwd().name + "_kvm-x86_64").write_bytes(b"\x7fELF")
'''


def test_stand_in_build_that_rewrites_config_is_up_to_date_after_it_and_after_saving_again(tmp_path):
    app_dir = app(tmp_path)
    (app_dir / ".config").write_text("CONFIG_LIBFLEXOS=y\n")
    (tmp_path / "rewrite.py").write_text(REWRITES_CONFIG)
    plan = plan_build(app_dir, commands=[[sys.executable, str(tmp_path / "rewrite.py")]])
    assert run_build(plan).ok
    assert run_build(plan).up_to_date  # the rewritten .config
    (app_dir / ".config").write_text("CONFIG_LIBFLEXOS=y\n")  # flexui saves the same configuration
    assert run_build(plan).up_to_date
    changed = plan_build(app_dir, commands=[s.argv for s in plan.steps],
                         extra_env={"FLEXOS_EXTRA": "1"})
    assert not run_build(changed).up_to_date  # an environment variable flexui sets is an input

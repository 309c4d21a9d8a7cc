"""Build/Run screen: a stand-in build streamed with progress and cancel; our test kernel booted and stopped."""

from __future__ import annotations

import shutil
import sys
import time

from qemu_kernel_build import build_kernel
from session_app import make_app, sample_app_copy

from flexui.app import FlexApp
from flexui.launch import open_session
from flexui.model.kconfig.tree import locate
from flexui.screens.build_run import BuildRunScreen

SIZE = (120, 34)

STAND_IN = r'''
import pathlib, shutil, sys, time
for i in range(5):
    print(f"  CC      lib/obj{i}.o", flush=True)
if sys.argv[1] == "sleep":
    time.sleep(60)
pathlib.Path("build").mkdir(exist_ok=True)
shutil.copy(sys.argv[2], "build/redis_kvm-x86_64")
'''


def stand_in_app(tmp_path, mode: str, kernel):
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    app = make_app(tmp_path, mode="build")
    app.build_commands = [[sys.executable, str(script), mode, str(kernel)]]
    return app


async def wait_idle(pilot, screen, limit: float = 30) -> None:
    start = time.monotonic()
    while screen.busy and time.monotonic() - start < limit:
        await pilot.pause(0.1)
    await pilot.pause()


def log_text(screen) -> str:
    return "\n".join(str(line.text) for line in screen.query_one("#build-log").lines)


async def test_stand_in_build_streams_then_run_boots_the_image(tmp_path):
    kernel = build_kernel(tmp_path, 0)
    app = stand_in_app(tmp_path, "image", kernel)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BuildRunScreen)
        await pilot.press("b")
        await wait_idle(pilot, screen)
        assert screen.last_build.ok and "lib/obj4.o" in log_text(screen)
        assert "built redis_kvm-x86_64" in str(screen.query_one("#build-status").render())
        await pilot.press("b")
        await wait_idle(pilot, screen)
        assert screen.last_build.up_to_date
        await pilot.press("r")
        await wait_idle(pilot, screen)
        assert screen.last_run.ok and "PKU: yes" in log_text(screen)  # redis is MPK: protection keys
        assert "guest exited with status 0" in str(screen.query_one("#build-status").render())


async def test_stand_in_build_cancel_and_unsaved_session_asks_first(tmp_path):
    app = stand_in_app(tmp_path, "sleep", tmp_path / "none")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        app.session.edit_isolation("harden lwip", lambda iso: iso.set_hardening(
            "lwip", iso.libraries["lwip"].hardening.full()))
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("y")  # "Save and build"
        await pilot.pause(1.0)
        assert not app.session.dirty and screen.busy == "build"
        await pilot.press("c")
        await wait_idle(pilot, screen, 15)
        assert screen.last_build.cancelled and "cancelled" in str(screen.query_one("#build-status").render())


async def test_a_guest_that_never_exits_is_stopped(tmp_path):
    app = make_app(tmp_path, mode="build")
    (app.session.app_dir / "build").mkdir()
    shutil.copy(build_kernel(tmp_path, 0, hang=True), app.session.app_dir / "build" / "redis_kvm-x86_64")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("r")
        await pilot.pause(1.5)
        await pilot.press("c")
        await wait_idle(pilot, screen, 15)
        assert screen.last_run.stopped and "looping forever" in log_text(screen)


async def test_build_on_the_embedded_tree_says_why_and_names_workdir_init(tmp_path):
    app = make_app(tmp_path, mode="build")  # the embedded tree: no Makefile, not a work directory
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        status = str(screen.query_one("#build-status").render())
        assert "not in a FlexOS work directory" in status
        await pilot.press("b")
        await pilot.pause()
        assert screen.busy is None and screen.last_build is None
        assert "flexui workdir init DIR --app redis" in log_text(screen)
        assert "No rule to make target" not in log_text(screen)


async def test_a_crashing_guest_is_a_failed_run(tmp_path):
    app = make_app(tmp_path, mode="build")
    (app.session.app_dir / "build").mkdir()
    shutil.copy(build_kernel(tmp_path, 0, crash=True), app.session.app_dir / "build" / "redis_kvm-x86_64")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("r")
        await wait_idle(pilot, screen, 30)
        assert not screen.last_run.ok
        assert "the run failed: CRIT: [libkvmplat] Unhandled Trap 14" in str(screen.query_one("#build-status").render())


async def test_the_presets_build_settings_are_shown_and_passed_to_the_standin_build(tmp_path):
    app_dir = sample_app_copy(tmp_path)
    (app_dir / "flexui-build.yaml").write_text("make: {STANDIN_OPT: -O2}\nenv: {STANDIN_TOOL: cross}\n")
    session, notes = open_session(app_dir, workdir=locate(), build_dir=tmp_path / "kbuild")
    app = FlexApp(session, mode="build", notes=notes)
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    app.build_commands = [[sys.executable, str(script), "image", str(build_kernel(tmp_path, 0))]]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "build with make STANDIN_OPT=-O2 · env STANDIN_TOOL=cross" in str(
            screen.query_one("#build-status").render())
        await pilot.press("b")
        await wait_idle(pilot, screen)
        assert screen.last_build.ok
        assert "(MAKEFLAGS=STANDIN_OPT=-O2)" in log_text(screen)  # a command that runs make gets them
        assert screen.last_build.record["env"]["STANDIN_TOOL"] == "cross"


async def test_the_screen_refuses_a_build_in_the_words_of_flexui_build(tmp_path, capsys):
    from flexui.cli import main

    app = make_app(tmp_path, mode="build")  # the embedded tree: not a work directory
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        refused = [line for line in log_text(app.screen).splitlines() if line.startswith("!! ")]
    assert main(["--build", "--app", str(app.session.app_dir)]) == 2
    cli = capsys.readouterr().err.strip().splitlines()
    assert len(cli) == 1 and cli[0].startswith("flexui --build: app redis is not in a FlexOS work directory")
    assert refused == [f"!! {cli[0].removeprefix('flexui --build: ')} · w creates it now and opens its app"]

"""Start-up speed: the first key answered next to kconfiglib's menuconfig, and each screen's first visit.

Both programs run in a real terminal (a detached tmux session, 120x40) the
way a user starts them; the clock stops when `tmux capture-pane` shows the
first entries of the top menu. Then `/` is typed and a second clock stops
when the search dialog is up: from launch until the program answers a key.
flexui paints its first frame before Textual is loaded (flexui/first_frame.py),
so it is also timed with that frame turned off (FLEXUI_FIRST_FRAME=0).
Trees: the embedded tree (app redis), the embedded tree with a generated
2,400-symbol app Config.uk, and a real FlexOS checkout when FLEXUI_REAL_TREE
is set. Targets: first menu and first key answered at most 2x menuconfig.

First visit of each screen after start: in a fresh process per run, the app
runs headless under Textual's Pilot on the same app, settles on the Kconfig
screen, then each screen's key is pressed once and timed until the screen
is composed and painted (Run plan: its dialog up, then cancelled before it
builds anything). Target: each under 150 ms. Also printed: the process's CPU
time in that window, and the same key on a second visit (the screen already
built): Pilot waits for idle in 20 ms slices, so that shows how much of each
figure is this waiting and a mere switch of screens.

flexui's modules are byte-compiled first, as `pip install` does: kconfiglib
and Textual come with their bytecode, and an environment with
PYTHONDONTWRITEBYTECODE set would otherwise make flexui alone compile its
sources on every start.

    python benchmarks/startup.py [--repeat N] [--visits-only]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gen_big_kconfig import write_app_config

import flexui
import flexui.model
import flexui.screens
from flexui.model.kconfig.tree import _prepare_build_dir, kconfig_env, locate
from flexui.paths import embedded_tree

SIZE = ("120", "40")
TIMEOUT = 30.0
# Top-level Unikraft menus: on screen in both programs once the first menu is drawn.
FIRST_MENU = ("Architecture Selection", "Platform Configuration", "Library Configuration")
# Text each program's search dialog shows once `/` has been handled.
FLEXUI_SEARCH = "every word must match"
MENUCONFIG_SEARCH = "Jump to symbol"
KEY_TARGET = 2.0  # flexui at most this many times menuconfig's time
VISIT_TARGET = 0.150  # seconds, each screen's first visit
# (screen shown, keys pressed before the timed one, the timed key, the screen class it shows)
VISITS = (("Compartments", (), "f3", "CompartmentsScreen"),
          ("Safety", (), "f4", "SafetyScreen"),
          ("Build/Run", (), "f5", "BuildRunScreen"),
          ("Presets", (), "f6", "PresetsScreen"),
          ("Run plan", ("f4", "b", *"500k", "enter"), "x", "RunPlanScreen"))


def screen(session: str) -> str:
    result = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                            capture_output=True, text=True)
    return result.stdout


def _wait_for(session: str, texts: tuple[str, ...], start: float, what: str) -> float:
    text = ""
    while time.perf_counter() - start < TIMEOUT:
        text = screen(session)
        if all(entry in text for entry in texts):
            return time.perf_counter() - start
        time.sleep(0.003)
    raise SystemExit(f"no {what} on screen after {TIMEOUT:.0f} s\n{text}")


def launch(command: list[str], env: dict[str, str], cwd: Path,
           search_marker: str | None = None) -> tuple[float, float | None]:
    """Seconds from starting `command` in a fresh tmux session to its first menu on screen,
    and, given the search dialog's marker text, to the dialog `/` opens."""
    session = f"flexui-bench-{os.getpid()}"
    env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    shell = f"cd {shlex.quote(str(cwd))} && exec {shlex.join(command)}"
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", SIZE[0], "-y", SIZE[1],
                    *env_args, shell], check=True)
    try:
        first = _wait_for(session, FIRST_MENU, start, f"menu from {shlex.join(command)}")
        if search_marker is None:
            return first, None
        subprocess.run(["tmux", "send-keys", "-t", session, "/"], check=True)
        return first, _wait_for(session, (search_marker,), start, "search dialog")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def _line(times: list[float]) -> str:
    return f"median {statistics.median(times):6.3f} s   best {min(times):6.3f} s"


def measure(label: str, workdir: Path, app: Path, build: Path, repeat: int) -> None:
    wd = locate(workdir=workdir)
    env = kconfig_env(wd, app, build)
    _prepare_build_dir(env)
    env["TERM"] = "xterm-256color"
    programs = {
        "flexui (python -m flexui)": (
            [sys.executable, "-m", "flexui", "--app", str(app), "--workdir", str(workdir)],
            {"TERM": "xterm-256color"}, app, FLEXUI_SEARCH),
        "flexui, first frame off": (
            [sys.executable, "-m", "flexui", "--app", str(app), "--workdir", str(workdir)],
            {"TERM": "xterm-256color", "FLEXUI_FIRST_FRAME": "0"}, app, FLEXUI_SEARCH),
        "kconfiglib menuconfig": (
            ["menuconfig", str(wd.unikraft / "Config.uk")], env, wd.unikraft, MENUCONFIG_SEARCH),
    }
    # Warm the file cache (and flexui's learned colours) once for each before timing.
    for command, run_env, cwd, marker in programs.values():
        launch(command, run_env, cwd, marker)
    first: dict[str, list[float]] = {name: [] for name in programs}
    ready: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(repeat):
        for name, (command, run_env, cwd, marker) in programs.items():
            shown, answered = launch(command, run_env, cwd, marker)
            first[name].append(shown)
            ready[name].append(answered)
    print(label)
    for name in programs:
        print(f"  {name:<30} first menu {_line(first[name])}"
              f"   answers a key: median {statistics.median(ready[name]):6.3f} s")
    ratio = statistics.median(first["flexui (python -m flexui)"]) / \
        statistics.median(first["kconfiglib menuconfig"])
    print(f"  ratio flexui / menuconfig, first menu   {ratio:.2f}x   (target <= 2.00x)"
          f"   {'OK' if ratio <= 2 else 'OVER TARGET'}")
    answer = statistics.median(ready["flexui (python -m flexui)"]) / \
        statistics.median(ready["kconfiglib menuconfig"])
    print(f"  ratio flexui / menuconfig, answers a key  {answer:.2f}x   (target <= {KEY_TARGET:.2f}x)"
          f"   {'OK' if answer <= KEY_TARGET else 'OVER TARGET'}")


async def _visit_times(app_dir: Path, workdir: Path) -> dict[str, dict[str, float]]:
    """One process's first visits, in seconds: key pressed -> the screen composed and painted
    (wall clock, and CPU), then a second visit of each screen the Kconfig screen's keys reach."""
    from flexui.app import FlexApp
    from flexui.launch import open_session
    from flexui.model.kconfig.tree import locate as locate_tree

    session, notes = open_session(app_dir, workdir=locate_tree(workdir=workdir))
    app = FlexApp(session, notes=notes)
    times: dict[str, dict[str, float]] = {"wall": {}, "cpu": {}, "again": {}}
    async with app.run_test(size=(int(SIZE[0]), int(SIZE[1]))) as pilot:
        for name, before, key, shown in VISITS:
            await pilot.press("f2")
            await pilot.pause(0.5)  # the Kconfig screen's after-paint work is done
            for earlier in before:
                await pilot.press(earlier)
            await pilot.pause(0.2)
            start, cpu = time.perf_counter(), time.process_time()
            await pilot.press(key)
            await pilot.pause()
            times["wall"][name] = time.perf_counter() - start
            times["cpu"][name] = time.process_time() - cpu
            if type(app.screen).__name__ != shown:
                raise SystemExit(f"{key} showed {type(app.screen).__name__}, not {shown}")
            if name == "Run plan":  # cancel, then close once every build and guest stopped
                await pilot.press("c")
                while type(app.screen).__name__ == shown:
                    await pilot.pause(0.1)
                    if app.screen.finished:
                        await pilot.press("c")
        for name, before, key, _ in VISITS:
            if not before:
                await pilot.press("f2")
                await pilot.pause(0.5)
                start = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                times["again"][name] = time.perf_counter() - start
    return times


def visits(label: str, workdir: Path, app: Path, repeat: int) -> None:
    """Each screen's first visit, each run in a fresh process (imports and CSS included)."""
    runs = []
    for _ in range(repeat + 1):  # the first warms the file cache
        done = subprocess.run([sys.executable, __file__, "--visits-child", str(app), str(workdir)],
                              capture_output=True, text=True, env={**os.environ, "TERM": "xterm-256color"})
        if done.returncode != 0:
            raise SystemExit(f"screen visits failed:\n{done.stdout}{done.stderr}")
        runs.append(json.loads(done.stdout.splitlines()[-1]))
    print(f"{label}: first visit of each screen, {repeat} fresh processes (Pilot, {SIZE[0]}x{SIZE[1]})")
    for name, *_ in VISITS:
        times = [run["wall"][name] for run in runs[1:]]
        median = statistics.median(times)
        cpu = statistics.median(run["cpu"][name] for run in runs[1:])
        again = [run["again"][name] for run in runs[1:] if name in run["again"]]
        second = f"second visit {statistics.median(again) * 1000:4.0f} ms" if again else " " * 21
        print(f"  {name:<14} median {median * 1000:5.0f} ms   best {min(times) * 1000:5.0f} ms"
              f"   CPU {cpu * 1000:4.0f} ms   {second}"
              f"   (target <= {VISIT_TARGET * 1000:.0f} ms)   {'OK' if median <= VISIT_TARGET else 'OVER TARGET'}")


HELLO = """from textual.app import App
from textual.widgets import Static


class Hello(App):
    def compose(self):
        yield Static("\\n".join({entries!r}))


Hello().run()
"""


def textual_floor(tmp: Path, repeat: int) -> None:
    """A bare Textual app showing the same three lines: the floor any Textual UI starts from."""
    script = tmp / "hello_textual.py"
    script.write_text(HELLO.format(entries=list(FIRST_MENU)))
    times = [launch([sys.executable, str(script)], {"TERM": "xterm-256color"}, tmp)[0]
             for _ in range(repeat)]
    print(f"reference: bare Textual app      median {statistics.median(times):6.3f} s"
          f"   best {min(times):6.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--visits-only", action="store_true", help="only the screens' first visits")
    parser.add_argument("--visits-child", nargs=2, metavar=("APP", "WORKDIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.visits_child:
        app, workdir = map(Path, args.visits_child)
        print(json.dumps(asyncio.run(_visit_times(app, workdir))))
        return 0
    if shutil.which("tmux") is None or shutil.which("menuconfig") is None:
        print("startup.py needs tmux and kconfiglib's menuconfig on PATH", file=sys.stderr)
        return 2
    for package in (flexui, flexui.model, flexui.screens):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    tree = embedded_tree()
    if args.visits_only:
        return _visits_all(tree, args.repeat)
    # A session that outlives the measured ones: a tmux server whose last session has
    # just ended may still be exiting when the next one starts.
    keeper = f"flexui-bench-keep-{os.getpid()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", keeper, "sleep 3600"], check=True)
    try:
        return _measure_all(tree, args.repeat)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)


def _visits_all(tree: Path, repeat: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "redis"
        shutil.copytree(tree / "apps" / "redis", app)
        visits("embedded tree, app redis", tree, app, repeat)
        real = os.environ.get("FLEXUI_REAL_TREE")
        if real:
            real_app = Path(tmp) / "real" / "redis"
            shutil.copytree(Path(real) / "apps" / "redis", real_app)
            visits(f"real FlexOS tree ({real}), app redis", Path(real), real_app, repeat)
    return 0


def _measure_all(tree: Path, repeat: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        app = tmp / "redis"
        shutil.copytree(tree / "apps" / "redis", app)
        print(f"time to first menu on screen, {repeat} runs each, tmux {SIZE[0]}x{SIZE[1]}\n")
        textual_floor(tmp, repeat)
        measure("embedded tree, app redis", tree, app, tmp / "build-embedded", repeat)
        big = tmp / "big" / "redis"
        shutil.copytree(tree / "apps" / "redis", big)
        write_app_config(big)
        measure("embedded tree + generated 2,400-symbol app Config.uk", tree, big,
                tmp / "build-big", repeat)
        real = os.environ.get("FLEXUI_REAL_TREE")
        if real:
            real_app = tmp / "real" / "redis"
            shutil.copytree(Path(real) / "apps" / "redis", real_app)
            measure(f"real FlexOS tree ({real}), app redis", Path(real), real_app,
                    tmp / "build-real", repeat)
        else:
            print("FLEXUI_REAL_TREE not set: real FlexOS tree skipped")
    print()
    return _visits_all(tree, repeat)


if __name__ == "__main__":
    sys.exit(main())

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

First visit of each screen after start: in the same real terminal, a fresh
process per visit starts on the Kconfig screen and, once its work after the
first paint is done, gets the screen's key; the clock stops when the screen's
own text is on the terminal (Run plan: its dialog up, then cancelled before it
builds anything). Target: each under 150 ms. Also printed: the process's CPU
time in that window, and the same key on a second visit (the screen already
built), which is what a mere switch of screens costs.

flexui's modules are byte-compiled first, as `pip install` does: kconfiglib
and Textual come with their bytecode, and an environment with
PYTHONDONTWRITEBYTECODE set would otherwise make flexui alone compile its
sources on every start.

    python benchmarks/startup.py [--repeat N] [--visits-only]
"""

from __future__ import annotations

import argparse
import compileall
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
SETTLE = 1.5  # seconds from the first menu to a visit's key: the work after the first paint is done
# (screen, keys sent before the timed one, the timed key, text on screen once it is drawn)
VISITS = (("Compartments", (), "F3", ("+ new", "1. comp1")),
          ("Safety", (), "F4", ("Next safer steps", "baseline (one compartment")),
          ("Build/Run", (), "F5", ("timeout (s)",)),
          ("Presets", (), "F6", ("Safer/less safe", "redis-mpk1-hardened")),
          ("Run plan", ("F4", "b", "500k", "Enter"), "x", ("c/Esc: cancel the run",)))


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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its threads so far (10 ms ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _send(session: str, *keys: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, *keys], check=True)


def visit(command: list[str], cwd: Path, before: tuple[str, ...], key: str,
          markers: tuple[str, ...]) -> dict[str, float]:
    """One fresh process: seconds from `key` sent to its screen on the terminal (and the
    process's CPU in that time), then, for screens reached from the Kconfig screen, the
    same key again once the screen exists, which is what switching screens costs."""
    session = f"flexui-visit-{os.getpid()}"
    shell = f"cd {shlex.quote(str(cwd))} && exec {shlex.join(command)}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", SIZE[0], "-y", SIZE[1],
                    "-e", "TERM=xterm-256color", shell], check=True)
    try:
        pid = int(subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"],
                                 capture_output=True, text=True, check=True).stdout)
        _wait_for(session, FIRST_MENU, time.perf_counter(), "first menu")
        if before:
            _send(session, *before)
        time.sleep(SETTLE)
        cpu, start = _cpu_seconds(pid), time.perf_counter()
        _send(session, key)
        times = {"wall": _wait_for(session, markers, start, f"screen after {key}")}
        times["cpu"] = _cpu_seconds(pid) - cpu
        if before:  # the Run plan: cancel, then wait until every build and guest stopped
            deadline = time.perf_counter() + TIMEOUT
            while "Run plan:" in screen(session):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"the Run plan did not close {TIMEOUT:.0f} s after c\n{screen(session)}")
                _send(session, "c")
                time.sleep(0.5)
        else:
            _send(session, "F2")
            time.sleep(SETTLE)
            start = time.perf_counter()
            _send(session, key)
            times["again"] = _wait_for(session, markers, start, f"screen after {key} again")
        return times
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def visits(label: str, workdir: Path, app: Path, repeat: int) -> None:
    """Each screen's first visit, each in a fresh process (imports and CSS included)."""
    command = [sys.executable, "-m", "flexui", "--app", str(app), "--workdir", str(workdir)]
    print(f"{label}: first visit of each screen, {repeat} fresh processes each"
          f" (tmux {SIZE[0]}x{SIZE[1]}, key sent {SETTLE:.1f} s after the first menu)")
    for name, before, key, markers in VISITS:
        runs = [visit(command, app, before, key, markers) for _ in range(repeat + 1)][1:]
        times = [run["wall"] for run in runs]
        median = statistics.median(times)
        cpu = statistics.median(run["cpu"] for run in runs)
        again = [run["again"] for run in runs if "again" in run]
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
    args = parser.parse_args()
    if shutil.which("tmux") is None or shutil.which("menuconfig") is None:
        print("startup.py needs tmux and kconfiglib's menuconfig on PATH", file=sys.stderr)
        return 2
    for package in (flexui, flexui.model, flexui.screens):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    tree = embedded_tree()
    # A session that outlives the measured ones: a tmux server whose last session has
    # just ended may still be exiting when the next one starts.
    keeper = f"flexui-bench-keep-{os.getpid()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", keeper, "sleep 3600"], check=True)
    try:
        return _visits_all(tree, args.repeat) if args.visits_only else _measure_all(tree, args.repeat)
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

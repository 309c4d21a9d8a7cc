"""Time from launch until the first Kconfig menu is on screen, next to kconfiglib's menuconfig.

Both programs run in a real terminal (a detached tmux session, 120x40) the
way a user starts them; the clock stops when `tmux capture-pane` shows the
first entries of the top menu. Then `/` is typed and a second clock stops
when the search dialog is up: from launch until the program answers a key.
flexui paints its first frame before Textual is loaded (flexui/first_frame.py),
so it is also timed with that frame turned off (FLEXUI_FIRST_FRAME=0).
Trees: the embedded tree (app redis), the embedded tree with a generated
2,400-symbol app Config.uk, and a real FlexOS checkout when FLEXUI_REAL_TREE
is set. Target: first menu at most 2x menuconfig.

flexui's modules are byte-compiled first, as `pip install` does: kconfiglib
and Textual come with their bytecode, and an environment with
PYTHONDONTWRITEBYTECODE set would otherwise make flexui alone compile its
sources on every start.

    python benchmarks/startup.py [--repeat N]
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
    print(f"  ratio flexui / menuconfig, answers a key  {answer:.2f}x")


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
        return _measure_all(tree, args.repeat)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)


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
    return 0


if __name__ == "__main__":
    sys.exit(main())

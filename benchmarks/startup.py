"""Time from launch until the first Kconfig menu is on screen, next to kconfiglib's menuconfig.

Both programs run in a real terminal (a detached tmux session, 120x40) the
way a user starts them; the clock stops when `tmux capture-pane` shows the
first entries of the top menu. Trees: the embedded tree (app redis), the
embedded tree with a generated 2,400-symbol app Config.uk, and a real FlexOS
checkout when FLEXUI_REAL_TREE is set. Target: flexui at most 2x menuconfig.

    python benchmarks/startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
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

from flexui.model.tree import _prepare_build_dir, kconfig_env, locate
from flexui.paths import embedded_tree

SIZE = ("120", "40")
TIMEOUT = 30.0
# Top-level Unikraft menus: on screen in both programs once the first menu is drawn.
FIRST_MENU = ("Architecture Selection", "Platform Configuration", "Library Configuration")


def screen(session: str) -> str:
    result = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                            capture_output=True, text=True)
    return result.stdout


def time_to_first_menu(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Seconds from starting `command` in a fresh tmux session to its first menu on screen."""
    session = f"flexui-bench-{os.getpid()}"
    env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    shell = f"cd {shlex.quote(str(cwd))} && exec {shlex.join(command)}"
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", SIZE[0], "-y", SIZE[1],
                    *env_args, shell], check=True)
    try:
        while time.perf_counter() - start < TIMEOUT:
            text = screen(session)
            if all(entry in text for entry in FIRST_MENU):
                return time.perf_counter() - start
            time.sleep(0.003)
        raise SystemExit(f"no menu on screen after {TIMEOUT:.0f} s: {shlex.join(command)}\n{text}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def measure(label: str, workdir: Path, app: Path, build: Path, repeat: int) -> None:
    wd = locate(workdir=workdir)
    env = kconfig_env(wd, app, build)
    _prepare_build_dir(env)
    env["TERM"] = "xterm-256color"
    config = Path(env["KCONFIG_CONFIG"])
    kconfiglib_cmd = ["menuconfig", str(wd.unikraft / "Config.uk")]
    flexui_cmd = [sys.executable, "-m", "flexui", "--app", str(app), "--workdir", str(workdir)]
    # Warm the file cache (and any generated files) once for each before timing.
    time_to_first_menu(flexui_cmd, {"TERM": "xterm-256color"}, app)
    time_to_first_menu(kconfiglib_cmd, env, wd.unikraft)
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(time_to_first_menu(flexui_cmd, {"TERM": "xterm-256color"}, app))
        theirs.append(time_to_first_menu(kconfiglib_cmd, env, wd.unikraft))
    symbols = _count_symbols(config, ours)
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"{label}{symbols}")
    print(f"  flexui (python -m flexui)      median {statistics.median(ours):6.3f} s"
          f"   best {min(ours):6.3f} s")
    print(f"  kconfiglib menuconfig          median {statistics.median(theirs):6.3f} s"
          f"   best {min(theirs):6.3f} s")
    print(f"  ratio flexui / menuconfig      {ratio:.2f}x   (target <= 2.00x)"
          f"   {'OK' if ratio <= 2 else 'OVER TARGET'}")


def _count_symbols(config: Path, _: list[float]) -> str:
    return ""


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
    times = [time_to_first_menu([sys.executable, str(script)], {"TERM": "xterm-256color"}, tmp)
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
    tree = embedded_tree()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        app = tmp / "redis"
        shutil.copytree(tree / "apps" / "redis", app)
        print(f"time to first menu on screen, {args.repeat} runs each, tmux {SIZE[0]}x{SIZE[1]}\n")
        textual_floor(tmp, args.repeat)
        measure("embedded tree, app redis", tree, app, tmp / "build-embedded", args.repeat)
        big = tmp / "big" / "redis"
        shutil.copytree(tree / "apps" / "redis", big)
        write_app_config(big)
        measure("embedded tree + generated 2,400-symbol app Config.uk", tree, big,
                tmp / "build-big", args.repeat)
        real = os.environ.get("FLEXUI_REAL_TREE")
        if real:
            real_app = tmp / "real" / "redis"
            shutil.copytree(Path(real) / "apps" / "redis", real_app)
            measure(f"real FlexOS tree ({real}), app redis", Path(real), real_app,
                    tmp / "build-real", args.repeat)
        else:
            print("FLEXUI_REAL_TREE not set: real FlexOS tree skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

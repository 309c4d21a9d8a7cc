"""Ctrl-C and SIGTERM during `flexui --build` and `--run`: one line, exit 130/143, no child left running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from qemu_kernel_build import build_kernel

from flexui.paths import embedded_tree

pytestmark = pytest.mark.xdist_group("qemu")  # guests with timeouts: one at a time, on one worker


SLEEPER = r'''
import os, pathlib, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
pathlib.Path("child.pid").write_text(str(child.pid))
print("  CC      libfoo/a.o", flush=True)
time.sleep(120)
'''


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _flexui(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flexui", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < end:
        time.sleep(0.05)


def test_stand_in_build_ctrl_c_stops_the_whole_group_exit_130(tmp_path):
    app = tmp_path / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app)
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    proc = _flexui(["--build", "--app", str(app), "--build-cmd", f"{sys.executable} {tmp_path / 'sleeper.py'}"],
                   tmp_path)
    _wait_for(app / "child.pid")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert err.strip().splitlines() == ["flexui: build stopped by SIGINT; its processes were killed"]
    time.sleep(0.2)
    assert not _alive(int((app / "child.pid").read_text()))


def test_run_sigterm_kills_qemu_exit_143(tmp_path):
    kernel = build_kernel(tmp_path, 0, hang=True)
    proc = _flexui(["--run", "--image", str(kernel), "--accel", "tcg", "--timeout", "60"], tmp_path)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    while line and "looping forever" not in line:
        line = proc.stdout.readline()
    qemu = [int(p) for p in os.listdir("/proc") if p.isdigit() and _child_of(int(p), proc.pid)]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 143 and err.strip().splitlines() == ["flexui: run stopped by SIGTERM; QEMU was killed"]
    time.sleep(0.2)
    assert qemu and not any(_alive(pid) for pid in qemu)


def _child_of(pid: int, parent: int) -> bool:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) == parent
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return False

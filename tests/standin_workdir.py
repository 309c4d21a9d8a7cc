"""A stand-in work directory and spec for the closed loop (tests and benchmarks/closed_loop.py), and the
checks its tests share.

The work directory is real git repositories copied from our embedded tree;
the build command is tests/standin_build.py, which writes our own kernel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from git_helpers import make_remote
from standin_build import metric

from flexui.cmd_execute import resolve
from flexui.cmd_explore import build_parser
from flexui.model.safety.exploration import exhaustive

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "unikraft-tree"
APP = "flexos-example"
BUDGET = 1500  # cycles: the stand-in's exception to monotonicity sits right above the answer here


def make_workdir(root: Path, *, fail=(), hang=(), sleep: float = 0.1) -> Path:
    """A git work directory (unikraft, libs, the app) copied from our embedded tree, plus standin.yaml."""
    wd = root / "wd"
    for rel in ("unikraft", "libs/tlsf", "libs/newlib", "libs/flexos-example", f"apps/{APP}"):
        shutil.copytree(TREE / rel, wd / rel)
        files = [str(p.relative_to(wd / rel)) for p in (wd / rel).rglob("*") if p.is_file()]
        if rel.startswith("apps/"):
            (wd / rel / "standin.yaml").write_text(yaml.safe_dump(
                {"fail": list(fail), "hang": list(hang), "sleep": sleep}))
            files.append("standin.yaml")
        make_remote(wd / Path(rel).parent, Path(rel).name, {f: (wd / rel / f).read_text() for f in files})
    return wd


SMALL = 1300  # the budget for the 8-configuration space of the fault tests


def write_spec(root: Path, timeout: float = 10, small: bool = False) -> Path:
    """The full stand-in space has 24 configurations; the small one (fault tests) 8."""
    path = root / "standin-spec.yaml"
    space = {"libraries": ["newlib", APP], "mechanisms": ["fcalls", "mpk-shared", "mpk-dss"],
             "max_compartments": 2}
    if small:
        space = {**space, "mechanisms": ["fcalls", "mpk-shared"], "hardenable": [APP]}
    path.write_text(yaml.safe_dump({
        "app": APP,
        "metrics": {"cycles": {"unit": "cycles", "higher_is_better": False, "pattern": r"^metric: (\d+)"}},
        "boot": {"memory_mb": 32}, "repetitions": 2, "warmup": 0, "timeout": timeout,
        "space": space}))
    return path


def execute_args(tmp: Path, wd: Path, small: bool = False, timeout: float = 10) -> list[str]:
    """The arguments of `flexui explore` that run the stand-in space's closed loop."""
    return ["--app", str(wd / "apps" / APP), "--metric", "cycles", "--budget", str(SMALL if small else BUDGET),
            "--execute", "--spec", str(write_spec(tmp, timeout, small)), "--accel", "tcg",
            "--build-cmd", f"{sys.executable} {ROOT / 'tests' / 'standin_build.py'}"]


def loop_for(tmp: Path, wd: Path, small: bool = False, timeout: float = 10):
    loop, _ = resolve(build_parser().parse_args(execute_args(tmp, wd, small, timeout)))
    return loop


def oracle(loop, failed=()):
    """The exhaustive answer from the stand-in's own metric; a failed configuration never meets the budget."""
    values = {p: (float("inf") if p.key() in failed else metric(p)) for p in loop.points}
    return set(exhaustive(loop.points, values, loop.budget, higher_is_better=False))


def assert_workdir_untouched(wd: Path) -> None:
    """Jobs build in their own trees: the user's repositories keep no change and no extra worktree."""
    for repo in [wd / "unikraft", *(wd / "libs").iterdir(), wd / "apps" / APP]:
        assert subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True,
                              text=True).stdout == ""
        worktrees = subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True, text=True).stdout
        assert len(worktrees.splitlines()) == 1, worktrees


def leftover_processes(marker: str) -> list[str]:
    """QEMU guests and stand-in builds whose command line names `marker` (the test's directory)."""
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmd and ("qemu" in cmd or "standin_build" in cmd):
                out.append(cmd)
    return out

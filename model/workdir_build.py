"""A build inside a git work directory: record the sources and the toolchain's rewriting around it.

The snapshots taken right before and after the build are what lets
`flexui workdir clean` undo exactly the FlexOS rewriting later (see
workdir_git), and the repository states join the build's fingerprint and
record so that an image can be reproduced and a rebuild skipped.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Callable

from .atomic import write_atomic
from .build_runner import BuildPlan, BuildResult, Progress, run_build
from .workdir_git import REWRITING_FILE, Rewriting, git_repos, record_dict, rewritten_between, snapshot


def workdir_of(app_dir: Path) -> Path | None:
    """The UK_WORKDIR holding this app (a parent with unikraft/ and apps/), if any."""
    for parent in [app_dir, *app_dir.parents]:
        if (parent / "unikraft").is_dir() and (parent / "apps").is_dir():
            return parent
    return None


def load_rewriting(path: Path) -> Rewriting:
    """The record an earlier build left, or nothing (a broken record is rebuilt, never trusted)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {repo: ({f: None for f in files if isinstance(f, str)} if isinstance(files, list)
                   else {f: d for f, d in files.items() if isinstance(d, str) or d is None})
            for repo, files in data.items() if isinstance(files, (list, dict))}


def without_rewriting(sources: dict, rewritten: Rewriting) -> dict:
    """Repository states minus the files still holding an earlier build's rewriting, so a rebuild can be up
    to date (a user's edit on top of the rewriting still counts as a change)."""
    return {path: {**state, "dirty": {f: h for f, h in state["dirty"].items()
                                      if rewritten.get(path, {}).get(f) != h}}
            for path, state in sources.items()}


def build_in_workdir(plan: BuildPlan, on_output: Callable[[str], None] = lambda line: None,
                     on_progress: Callable[[Progress], None] = lambda p: None,
                     cancel: threading.Event | None = None, *, force: bool = False) -> BuildResult:
    """run_build, bracketed by repository snapshots when the app lives in a git work directory."""
    workdir = workdir_of(plan.app_dir)
    repos = git_repos(workdir) if workdir else []
    record_path = plan.build_dir / REWRITING_FILE
    earlier = load_rewriting(record_path)
    before = snapshot(repos)
    result = run_build(plan, on_output, on_progress, cancel,
                       sources=without_rewriting(record_dict(before), earlier), force=force)
    if not result.up_to_date and repos:
        after = snapshot(repos)
        rewritten = {**{p: f for p, f in earlier.items() if p not in after},
                     **rewritten_between(before, after, earlier)}
        write_atomic(record_path, json.dumps(rewritten, indent=1) + "\n", keep_old=False)
    return result

"""A build inside a git work directory: record the sources and the toolchain's rewriting around it.

The snapshots taken right before and after the build are what lets
`flexui workdir clean` undo exactly the FlexOS rewriting later (see
workdir_git), and the repository states join the build's fingerprint and
record so that an image can be reproduced and a rebuild skipped.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import Path

import yaml

from flexui.model.build.runner import (
    BuildPlan,
    BuildResult,
    Progress,
    last_record,
    run_build,
)
from flexui.model.build.sources import Archive, app_archives, explain_missing, place_archives
from flexui.model.files.atomic import write_atomic
from flexui.model.vocabulary import KRAFT_YAML
from flexui.model.workdir.enclosing import workdir_of
from flexui.model.workdir.git import (
    REWRITING_FILE,
    Rewriting,
    WorkdirError,
    git_repos,
    record_dict,
    reset_rewriting,
    rewritten_between,
    snapshot,
)


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


def layout_of(app_dir: Path) -> str:
    """The isolation layout of kraft.yaml (compartments, and which library is in which) as a short digest."""
    try:
        data = yaml.safe_load((app_dir / KRAFT_YAML).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return ""
    if not isinstance(data, dict):
        return ""
    libs = data.get("libraries")
    libs = libs if isinstance(libs, dict) else {}
    shape = {"compartments": data.get("compartments"),
             "libraries": {str(k): (v or {}).get("compartment") if isinstance(v, dict) else None
                           for k, v in libs.items()}}
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()[:16]


def stale_rewriting(plan: BuildPlan, repos: list[Path], rewritten: Rewriting) -> int:
    """How many files of another layout's rewriting the tree still holds (0: this layout may build)."""
    record = last_record(plan) or {}
    if not rewritten or record.get("layout") in (None, layout_of(plan.app_dir)):
        return 0
    states = snapshot(repos)
    return sum(1 for repo, files in rewritten.items() if repo in states for f in files if f in states[repo].dirty)


def _refuse_other_apps_rewriting(plan: BuildPlan, workdir: Path, repos: list[Path]) -> None:
    """Another app's build left its rewriting in the shared repositories: only its own clean undoes it."""
    states = None
    for record in sorted(workdir.glob(f"apps/*/build/{REWRITING_FILE}")):
        app = record.parent.parent
        if app.resolve() == plan.app_dir.resolve():
            continue
        rewritten = load_rewriting(record)
        states = states or snapshot(repos)
        left = sum(1 for repo, files in rewritten.items()
                   if repo in states and repo != str(app) for f in files if f in states[repo].dirty)
        if left:
            raise WorkdirError(f"the work directory still holds the FlexOS rewriting of {app.name}'s build "
                               f"({left} file(s)); reset it first: `flexui workdir clean {workdir} --app {app}`")


def build_in_workdir(plan: BuildPlan, on_output: Callable[[str], None] = lambda line: None,
                     on_progress: Callable[[Progress], None] = lambda p: None,
                     cancel: threading.Event | None = None, *, force: bool = False,
                     reset: bool = False, sources_dir: Path | None = None) -> BuildResult:
    """run_build, bracketed by repository snapshots when the app lives in a git work directory.

    A tree still rewritten for another isolation layout is refused (the
    compiler errors it gives are cryptic) unless `reset` undoes that rewriting
    first; archives from `sources_dir` are placed where the libraries look.
    """
    workdir = workdir_of(plan.app_dir)
    repos = git_repos(workdir) if workdir else []
    record_path = plan.build_dir / REWRITING_FILE
    earlier = load_rewriting(record_path)
    if repos and workdir is not None:
        _refuse_other_apps_rewriting(plan, workdir, repos)
    if repos and (stale := stale_rewriting(plan, repos, earlier)):
        if not reset:
            raise WorkdirError(f"the work directory still holds the FlexOS rewriting of another isolation layout "
                               f"({stale} file(s)); reset it first: `flexui workdir clean {workdir} --app "
                               f"{plan.app_dir}`, or build with --reset")
        report = reset_rewriting(repos, earlier)
        on_output(f"[flexui] reset the previous layout's rewriting in {len(report.reset)} repositories")
        record_path.unlink(missing_ok=True)
        earlier = {}
        force = True
    missing: list[Archive] = []
    if workdir is not None:
        placed, missing = place_archives(app_archives(plan.app_dir, workdir, _libraries(plan.app_dir)),
                                         plan.build_dir, sources_dir)
        for line in placed:
            on_output(f"[flexui] source archive {line}")
    before = snapshot(repos)
    rewritten = earlier

    def sources_after() -> dict:
        nonlocal rewritten
        after = snapshot(repos)
        still_gone = {p: f for p, f in earlier.items() if p not in after}
        rewritten = {**still_gone, **rewritten_between(before, after, earlier)}
        return without_rewriting(record_dict(after), rewritten)

    result = run_build(plan, on_output, on_progress, cancel,
                       sources=without_rewriting(record_dict(before), earlier), force=force,
                       sources_after=sources_after, explain=lambda log: explain_missing(missing, log),
                       note={"layout": layout_of(plan.app_dir)})
    if not result.up_to_date and repos:
        write_atomic(record_path, json.dumps(rewritten, indent=1) + "\n", keep_old=False)
    return result


def _libraries(app_dir: Path) -> list[str]:
    try:
        data = yaml.safe_load((app_dir / KRAFT_YAML).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return []
    libs = data.get("libraries") if isinstance(data, dict) else None
    return [str(name) for name in libs] if isinstance(libs, dict) else []

"""`flexui --apply PRESET`: put a preset into an app without the UI.

Everything is decided before anything is written: the preset and the app's
kraft.yaml are loaded and checked, the Kconfig tree is loaded and every value
applied through kconfiglib, and the files (kraft.yaml, .config, flexui.mk,
and flexui-build.yaml for a preset's make variables and environment) are
rendered. Any problem stops there with exit code 2 and leaves
the app as it was; otherwise the files are replaced as one journaled
set (see model/files/atomic.py: a kill leaves the set old, new, or completed by the
next run, never a torn file).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import Node

from flexui.cli import EXIT_OK
from flexui.model.build.settings import settings_files
from flexui.model.files.atomic import JOURNAL, recover, write_all_atomic
from flexui.model.files.problems import InputError, Problem
from flexui.model.files.userdirs import user_presets_dir
from flexui.model.files.yamlsource import locate as locate_in_yaml
from flexui.model.files.yamlsource import parse
from flexui.model.isolation.apply import (
    effective_hardening,
    make_variables,
    make_vars_text,
)
from flexui.model.isolation.configuration import IsolationConfig, Origin
from flexui.model.isolation.kraftyaml import KraftFile, load_kraft
from flexui.model.kconfig.dotconfig import config_text
from flexui.model.kconfig.state import SymbolChange
from flexui.model.kconfig.tree import Workdir, app_library_names, load_kconfig, locate
from flexui.model.presets.apply import apply_kconfig, describe_dropped, plan_layout
from flexui.model.presets.compare import mechanism_label
from flexui.model.presets.preset import Preset, find_preset, load_preset
from flexui.model.vocabulary import KRAFT_YAML, MAKE_VARS_FILE
from flexui.paths import shipped_presets


@dataclass
class ApplyPlan:
    """What applying a preset would write, decided and checked in full."""

    preset: Preset
    app_dir: Path
    started_from: Path  # the kraft.yaml the app's new one is based on
    iso: IsolationConfig  # the configuration written, hardening included
    files: dict[Path, str]  # path -> new text
    kept_old: frozenset[Path]  # files whose previous version is kept as .old
    warnings: list[Problem] = field(default_factory=list)
    dropped: list[SymbolChange] = field(default_factory=list)  # old .config values not kept

    def changed(self) -> dict[Path, str]:
        return {p: t for p, t in self.files.items() if _read(p) != t}


def run(args: argparse.Namespace) -> int:
    app_dir = (args.app if args.app is not None else Path.cwd()).absolute()
    if app_dir.is_dir() and not args.dry_run:
        note = recover(app_dir)
        if note:
            print(f"flexui: {note}", file=sys.stderr)
    elif (app_dir / JOURNAL).is_file():
        print(f"{app_dir}: warning: an earlier write was interrupted; flexui --apply without --dry-run "
              "repairs it", file=sys.stderr)
    plan = plan_apply(args.apply, app=args.app, tree=args.tree, workdir=args.workdir)
    for problem in plan.warnings:
        print(_warning(problem), file=sys.stderr)
    if args.dry_run:
        print(dry_run_diff(plan), end="")
        return EXIT_OK
    written = write_all_atomic(plan.files, keep_old=plan.kept_old)
    print(summary(plan, written), end="")
    return EXIT_OK


def plan_apply(preset_ref: str, *, app: Path | None = None, tree: Path | None = None,
               workdir: Path | None = None, cwd: Path | None = None) -> ApplyPlan:
    """Decide every file `--apply` writes; InputError with all problems otherwise."""
    preset_path = find_preset(preset_ref, [user_presets_dir(), shipped_presets()])
    preset = load_preset(preset_path, shipped=preset_path.resolve().parent == shipped_presets().resolve())
    return plan_preset(preset, app=app, tree=tree, workdir=workdir, cwd=cwd)


def plan_preset(preset: Preset, *, app: Path | None = None, tree: Path | None = None,
                workdir: Path | None = None, cwd: Path | None = None) -> ApplyPlan:
    """plan_apply for a preset already in memory (explore --execute makes one per configuration)."""
    app_dir = (app if app is not None else (cwd or Path.cwd())).absolute()
    wd = locate(tree=tree, workdir=workdir or (None if tree else _enclosing_workdir(app_dir)))
    source = _starting_kraft(preset, app_dir, wd, explicit_app=app is not None)
    source_root, _ = parse(source.text or source.dump(), str(source.path))
    available = wd.libraries()

    layout = plan_layout(preset, source, app_dir / KRAFT_YAML, available)
    problems = [*layout.problems, *_app_mismatch(preset, source, source_root, wd)]
    _stop_on_errors(problems)

    loaded = load_kconfig(wd, app_dir, read_config=True,
                          libraries=app_library_names(app_dir, layout.kraft.data))
    problems += loaded.problems
    _stop_on_errors(problems)
    result = apply_kconfig(loaded.kconf, layout, wd)
    problems += result.problems
    _stop_on_errors(problems)

    kraft, iso = layout.kraft, layout.iso
    files = {
        kraft.path: kraft.dump(),
        loaded.config_path: config_text(loaded.kconf),
        app_dir / MAKE_VARS_FILE: make_vars_text(make_variables(iso, available)),
        **settings_files(preset.build, app_dir),
    }
    return ApplyPlan(preset=preset, app_dir=app_dir, started_from=source.path, iso=iso, files=files,
                     kept_old=frozenset({kraft.path, loaded.config_path}),
                     warnings=[p for p in problems if p.severity != "error"], dropped=result.dropped)


# -- steps ----------------------------------------------------------------------
def _enclosing_workdir(app_dir: Path) -> Path | None:
    """The work directory an app lives in (`<workdir>/apps/<app>`), if any."""
    parent = app_dir.parent
    if parent.name == "apps" and (parent.parent / "unikraft").is_dir():
        return parent.parent
    return None


def _starting_kraft(preset: Preset, app_dir: Path, wd: Workdir, *, explicit_app: bool) -> KraftFile:
    """The app's kraft.yaml, or for a new app the tree's kraft.yaml of the preset's app."""
    own = app_dir / KRAFT_YAML
    if own.is_file() or own.exists():  # anything else there is reported, never replaced
        return load_kraft(own)
    if app_dir.exists() and not app_dir.is_dir():
        raise InputError([Problem("not a directory; pass --app the app's directory",
                                  origin=Origin(str(app_dir)))])
    if not explicit_app and app_dir.is_dir() and any(app_dir.iterdir()):
        raise InputError([Problem(
            "the current directory has no kraft.yaml; run flexui in the app's directory or pass "
            f"--app DIR (a new or empty directory starts from the tree's {preset.app} app)",
            origin=Origin(str(app_dir)))])
    if not app_dir.parent.is_dir():
        raise InputError([Problem(f"{app_dir.parent} does not exist; create it first or pass "
                                  "--app a directory in an existing folder", origin=Origin(str(app_dir)))])
    template = wd.apps / preset.app / KRAFT_YAML if wd.apps else None
    if template is None or not template.is_file():
        raise InputError([Problem(
            f"no kraft.yaml here, and the tree has no app '{preset.app}' to start from "
            f"({template or 'no apps/ folder'}); pass --app an app directory with a kraft.yaml",
            origin=preset.origins.get("app", Origin(str(app_dir))))])
    return load_kraft(template)


def _app_mismatch(preset: Preset, kraft: KraftFile, root: Node | None, wd: Workdir) -> list[Problem]:
    """A preset for another app of the tree would drop this app's libraries."""
    name = kraft.data.get("name")
    tree_apps = {p.name for p in wd.app_dirs()}
    if not isinstance(name, str) or name == preset.app or name not in tree_apps:
        return []
    return [Problem(
        f"this app is {name} but preset {preset.name} is for {preset.app}; apply a preset for {name} "
        f"or pass --app a {preset.app} app", subject=name,
        origin=locate_in_yaml(root, str(kraft.path), "name"))]


def _stop_on_errors(problems: list[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        for p in problems:
            if p.severity != "error":
                print(_warning(p), file=sys.stderr)
        raise InputError(errors)


# -- output ---------------------------------------------------------------------
def _warning(problem: Problem) -> str:
    where = str(problem.origin) if problem.origin else "flexui"
    return f"{where}: warning: {problem.message}"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None


def dry_run_diff(plan: ApplyPlan) -> str:
    """A unified diff of every file the plan would change."""
    chunks: list[str] = []
    for path, new in plan.changed().items():
        old = _read(path)
        chunks += difflib.unified_diff(
            (old or "").splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=str(path) if old is not None else "/dev/null", tofile=str(path))
    if not chunks:
        return f"dry run: {plan.app_dir} already has preset {plan.preset.name}; nothing would change\n"
    return "".join(chunks) + f"dry run: nothing written ({len(plan.changed())} file(s) would change)\n"


def summary(plan: ApplyPlan, written: list[Path]) -> str:
    iso = plan.iso
    hardened = effective_hardening(iso)
    lines = [f"Applied preset {plan.preset.name} to {plan.app_dir}"]
    if plan.started_from.parent != plan.app_dir:
        lines.append(f"  new app, started from {plan.started_from}")
    lines.append(f"  mechanism: {mechanism_label(iso)}")
    for comp in iso.compartments:
        members = [n + (" (hardened)" if n in hardened else "") for n in iso.members(comp.name)]
        default = " (default)" if comp.default else ""
        lines.append(f"  {comp.name}{default}: {', '.join(members) or '-'}")
    lines.append(f"  hardened: {', '.join(hardened) or 'none'}")
    if plan.preset.build:
        lines.append(f"  build: {plan.preset.build.describe()}")
    if plan.dropped:
        lines.append(f"  {describe_dropped(plan.dropped)}")
    names = [p.name for p in written]
    unchanged = [p.name for p in plan.files if p not in written]
    lines.append(f"  wrote: {', '.join(names) or 'nothing (already up to date)'}"
                 + (f"; unchanged: {', '.join(unchanged)}" if names and unchanged else ""))
    return "\n".join(lines) + "\n"

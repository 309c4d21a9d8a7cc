"""Decides what `flexui` opens from its options, the cwd and the last run.

`flexui` alone must be useful on a fresh machine: it opens a copy of a
sample app of the embedded tree in the user's data dir, so saving never
writes into the installed package.
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from flexui.model.files.userdirs import data_dir
from flexui.model.kconfig.tree import TreeError, Workdir, locate
from flexui.model.session.recent import Recent
from flexui.model.vocabulary import DOT_CONFIG, KRAFT_YAML, MAKE_VARS_FILE, OLD_SUFFIX

SAMPLE_APP = "redis"
_NOT_COPIED = shutil.ignore_patterns(DOT_CONFIG, "build", MAKE_VARS_FILE, f"*{OLD_SUFFIX}")


class StartupError(Exception):
    """One line telling the user what is wrong with what they asked to open."""


@dataclass(frozen=True)
class OpenRequest:
    app: Path | None = None
    tree: Path | None = None
    workdir: Path | None = None
    preset_app: str | None = None  # the app a requested preset is for


@dataclass(frozen=True)
class OpenTarget:
    workdir: Workdir
    app_dir: Path
    how: str  # for the user: why this app was opened


def _enclosing_workdir(app: Path) -> Path | None:
    parent = app.resolve().parent
    if parent.name == "apps" and (parent.parent / "unikraft").is_dir():
        return parent.parent
    return None


def sample_app(workdir: Workdir, name: str) -> Path:
    """A private, writable copy of one of the tree's apps (made once)."""
    source = workdir.apps / name if workdir.apps else None
    if source is None or not source.is_dir():
        raise StartupError(f"{workdir.apps}: no app named {name!r}; "
                           f"choose one of: {', '.join(p.name for p in workdir.app_dirs())}")
    target = data_dir() / "apps" / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.copying")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(source, tmp, ignore=_NOT_COPIED)
        tmp.rename(target)
    return target


def resolve(request: OpenRequest, recent: Recent, cwd: Path) -> OpenTarget:
    try:
        return _resolve(request, recent, cwd)
    except TreeError as e:
        raise StartupError(str(e)) from None


def _resolve(request: OpenRequest, recent: Recent, cwd: Path) -> OpenTarget:
    app = request.app
    if app is not None and not app.is_dir():
        raise StartupError(f"{app}: no such directory; for a new app create it first "
                           f"(mkdir -p {shlex.quote(str(app))}), else pass --app a directory holding kraft.yaml")
    in_cwd = app is None and (cwd / KRAFT_YAML).is_file()
    workdir = _workdir(request, recent, cwd if in_cwd else app)
    if app is not None:
        return OpenTarget(workdir, app.resolve(), "as asked")
    if request.preset_app:
        return OpenTarget(workdir, _app_in(workdir, request.preset_app), "the preset's app")
    if in_cwd:
        return OpenTarget(workdir, cwd.resolve(), "the current directory")
    if recent.app and Path(recent.app).is_dir() and request.tree is None \
            and request.workdir is None:
        return OpenTarget(workdir, Path(recent.app), "the last app you opened")
    return OpenTarget(workdir, _app_in(workdir, SAMPLE_APP), "the sample app")


def _app_in(workdir: Workdir, name: str) -> Path:
    embedded = locate()
    if workdir.unikraft == embedded.unikraft:
        return sample_app(workdir, name)
    candidate = workdir.apps / name if workdir.apps else None
    if candidate is not None and candidate.is_dir():
        return candidate
    raise StartupError(f"{workdir.apps or workdir.unikraft}: no app named {name!r}; "
                       "pass --app DIR")


def _workdir(request: OpenRequest, recent: Recent, app: Path | None) -> Workdir:
    if request.tree is not None or request.workdir is not None:
        return locate(tree=request.tree, workdir=request.workdir)
    if app is not None and (enclosing := _enclosing_workdir(app)) is not None:
        return locate(workdir=enclosing)
    if recent.workdir and Path(recent.workdir).is_dir():
        try:
            return locate(workdir=Path(recent.workdir))
        except TreeError:
            pass
    return locate()

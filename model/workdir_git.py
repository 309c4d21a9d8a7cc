"""The git side of a FlexOS work directory: fetch at pinned refs, reset rewriting, never lose work.

The FlexOS toolchain rewrites sources in unikraft and the libraries when it
compartmentalises an image (gates, linker scripts, allocator markers), and
those rewrites must be undone before a different layout is built (the
manual `kraftcleanup` step). flexui tells the toolchain's rewriting from the
user's own changes by snapshotting every repository right before each build:
whatever changed during the build is the toolchain's; whatever was already
uncommitted is the user's and is only ever stashed, never discarded.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import git
import yaml

PINS_FILE = Path(__file__).with_name("workdir_pins.yaml")
DEFAULT_REMOTE = "https://github.com/project-flexos"


class WorkdirError(Exception):
    """A one-line, user-facing reason why the work directory was left as it was."""


class UserChanges(WorkdirError):
    def __init__(self, files: dict[str, list[str]]) -> None:
        self.files = files
        listed = "; ".join(f"{repo}: {', '.join(paths)}" for repo, paths in files.items())
        super().__init__(f"uncommitted changes that are not the FlexOS rewriting: {listed}; "
                         "commit them, stash them (--stash) or keep them and build anyway (--keep)")


@dataclass
class Pins:
    refs: dict[str, str]

    @classmethod
    def load(cls, path: Path = PINS_FILE) -> "Pins":
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls(refs={str(k): str(v) for k, v in (data.get("refs") or {}).items()})

    def ref(self, repo: str) -> str:
        return self.refs.get(repo, self.refs.get("default", "staging"))


def repo_names(app: str, libraries: list[str]) -> dict[str, str]:
    """Work-directory path -> repository name for an app: unikraft, lib-<lib>..., app-<app>."""
    names = {"unikraft": "unikraft"}
    for lib in sorted(libraries):
        names[f"libs/{lib}"] = f"lib-{lib}"
    names[f"apps/{app}"] = f"app-{app}"
    return names


def _url(remote: str, repo: str) -> str:
    local = Path(remote) / repo
    if local.exists():
        return str(local)
    return f"{remote.rstrip('/')}/{repo}.git" if "://" in remote or remote.startswith("git@") else str(local)


def init_workdir(dest: Path, app: str, libraries: list[str], remote: str = DEFAULT_REMOTE,
                 pins: Pins | None = None) -> list[Path]:
    """Clone every repository the app needs at its pinned ref; all or nothing."""
    pins = pins or Pins.load()
    dest = Path(dest)
    todo = {path: repo for path, repo in repo_names(app, libraries).items() if not (dest / path / ".git").exists()}
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".flexui-clone-", dir=dest))
    try:
        for path, repo in todo.items():
            url = _url(remote, repo)
            try:
                clone = git.Repo.clone_from(url, staging / path)
                clone.git.checkout(pins.ref(repo))
            except git.GitCommandError as e:
                raise WorkdirError(f"cannot fetch {repo} at {pins.ref(repo)} from {url}: {_git_reason(e)}; "
                                   "check the network, the pinned ref, or give --remote a directory of "
                                   "FlexOS repositories") from None
        for path in todo:
            (dest / path).parent.mkdir(parents=True, exist_ok=True)
            (staging / path).rename(dest / path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [dest / p for p in todo]


def update_workdir(dest: Path, pins: Pins | None = None) -> dict[str, str]:
    """Fetch each repository and move it to its pinned ref, refusing where the user has changes."""
    pins = pins or Pins.load()
    moved = {}
    for path in git_repos(Path(dest)):
        repo = git.Repo(path)
        if repo.is_dirty(untracked_files=True):
            raise UserChanges({str(path): _dirty_files(repo)})
        try:
            repo.remotes.origin.fetch()
        except git.GitCommandError as e:
            raise WorkdirError(f"cannot fetch {path}: {_git_reason(e)}") from None
        name = Path(repo.remotes.origin.url).name.removesuffix(".git")
        repo.git.checkout(pins.ref(name))
        moved[str(path)] = repo.head.commit.hexsha
    return moved


def git_repos(workdir: Path) -> list[Path]:
    candidates = [workdir / "unikraft", *sorted((workdir / "libs").glob("*")), *sorted((workdir / "apps").glob("*"))]
    return [p for p in candidates if (p / ".git").exists()]


def _git_reason(e: git.GitCommandError) -> str:
    text = " ".join(str(e.stderr or e).split())
    return text.split("fatal:")[-1].strip().strip("'") or "git failed"


def _dirty_files(repo: git.Repo) -> list[str]:
    return sorted({*(d.a_path for d in repo.index.diff(None)), *(d.a_path for d in repo.index.diff("HEAD")),
                   *repo.untracked_files})


def _digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest() if path.is_file() else "absent"


@dataclass
class RepoState:
    """A repository's commit and the content of each uncommitted file."""

    path: str
    commit: str
    dirty: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, path: Path) -> "RepoState":
        repo = git.Repo(path)
        return cls(str(path), repo.head.commit.hexsha,
                   {f: _digest(Path(path) / f) for f in _dirty_files(repo)})


def snapshot(repos: list[Path]) -> dict[str, RepoState]:
    return {str(p): RepoState.of(p) for p in repos}


def rewritten_between(before: dict[str, RepoState], after: dict[str, RepoState]) -> dict[str, list[str]]:
    """Files the build changed: the toolchain's rewriting."""
    out = {}
    for path, state in after.items():
        old = before.get(path, RepoState(path, state.commit)).dirty
        changed = sorted(f for f, h in state.dirty.items() if old.get(f) != h)
        if changed:
            out[path] = changed
    return out


@dataclass
class ResetReport:
    reset: dict[str, list[str]] = field(default_factory=dict)
    stashed: dict[str, str] = field(default_factory=dict)  # repo -> stash message
    kept: dict[str, list[str]] = field(default_factory=dict)


def reset_rewriting(repos: list[Path], rewritten: dict[str, list[str]], *, stash: bool = False,
                    keep: bool = False) -> ResetReport:
    """Undo the toolchain's rewriting; user changes stop the reset unless stashed or kept."""
    user = {}
    for path in repos:
        repo = git.Repo(path)
        own = set(rewritten.get(str(path), []))
        theirs = [f for f in _dirty_files(repo) if f not in own]
        if theirs:
            user[str(path)] = theirs
    if user and not (stash or keep):
        raise UserChanges(user)
    report = ResetReport()
    for path in repos:
        repo = git.Repo(path)
        if stash and str(path) in user:
            message = "flexui: your changes, stashed before resetting the FlexOS rewriting"
            repo.git.stash("push", "--include-untracked", "-m", message, "--", *user[str(path)])
            report.stashed[str(path)] = message
        elif str(path) in user:
            report.kept[str(path)] = user[str(path)]
        own = rewritten.get(str(path), [])
        tracked = {item.path for item in repo.tree().traverse()}
        restore = [f for f in own if f in tracked]
        if restore:
            repo.git.checkout("HEAD", "--", *restore)
        for f in own:
            if f not in tracked:
                (Path(path) / f).unlink(missing_ok=True)
        if own:
            report.reset[str(path)] = list(own)
    return report


def record_dict(states: dict[str, RepoState]) -> dict:
    return {path: asdict(state) for path, state in states.items()}

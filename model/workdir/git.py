"""The git side of a FlexOS work directory: fetch at pinned refs, reset rewriting, never lose work.

The FlexOS toolchain rewrites sources in unikraft and the libraries when it
compartmentalises an image (gates, linker scripts, allocator markers), and
those rewrites must be undone before a different layout is built (the
manual `kraftcleanup` step). flexui tells the toolchain's rewriting from the
user's own changes by snapshotting every repository right before each build:
a file that was clean before the build and is changed, added or removed after
it is the toolchain's; a file that was already uncommitted is the user's (even
if the build changed it too) and is only ever stashed or kept, never discarded.
The build output directory and the configuration flexui writes into the app
(`kraft.yaml`, `.config`, `flexui.mk` and their `.old` backups) are neither:
the reset never touches them and they never block it.

The record keeps, for each rewritten file, the git blob id of what the
toolchain left there ("absent" for a file it removed). Cleaning resets a
file only while it still holds exactly that (in the work tree and in the
index, or the committed content): anything else is the user's editing on
top of the rewriting and is stashed, kept or refused, never discarded.

Every `git.Repo` is closed where it is opened (`with`): GitPython keeps
`git cat-file` processes per Repo, and an unclosed one is ended by whichever
garbage collection finds it, in whatever thread; in a Dask worker on Python
3.11.7 that collection ran inside the profiler's `sys._current_frames` and
deadlocked the worker (CPython gh-106883), so a closed loop never finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import git

from flexui.model.files.problems import UserError
from flexui.model.vocabulary import (
    BUILD_FILE,
    DOT_CONFIG,
    KRAFT_YAML,
    MAKE_VARS_FILE,
    OLD_SUFFIX,
    RUN_FILE,
)

PINS_FILE = Path(__file__).with_name("pins.yaml")
DEFAULT_REMOTE = "https://github.com/project-flexos"
REWRITING_FILE = "flexui-rewriting.json"  # in an app's build directory, written around each build


class WorkdirError(UserError):
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
    def load(cls, path: Path = PINS_FILE) -> Pins:
        from flexui.model.files.problems import InputError, Problem
        from flexui.model.files.yamlsource import locate, parse, read_text

        root, data = parse(read_text(Path(path)), str(path))
        refs = data.get("refs") if isinstance(data, dict) else None
        if not isinstance(refs, dict) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                 for v in refs.values()):
            raise InputError([Problem("a pins file is a mapping `refs:` of repository name to a branch, tag "
                                      "or commit (e.g. `refs: {default: staging}`); fix it",
                                      origin=locate(root, str(path), "refs"))])
        return cls(refs={str(k): str(v) for k, v in refs.items()})

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


def sample_libraries(app: str) -> list[str]:
    """The external libraries of the embedded sample app (the core ones come with unikraft)."""
    from flexui.model.isolation.kraftyaml import load_kraft
    from flexui.paths import embedded_tree

    kraft = embedded_tree() / "apps" / app / KRAFT_YAML
    if not kraft.is_file():
        raise WorkdirError(f"no sample app {app!r} to take the libraries from; give --libs")
    libs = (load_kraft(kraft).data.get("libraries") or {})
    core = embedded_tree() / "unikraft" / "lib"
    return sorted(str(name) for name in libs if not (core / str(name)).is_dir())


def create_workdir(dest: Path, app: str, *, libraries: list[str] | None = None, remote: str = DEFAULT_REMOTE,
                   pins_file: Path | None = None, on_output: Callable[[str], None] = lambda line: None
                   ) -> list[Path]:
    """`flexui workdir init`, for the CLI and the Build/Run screen: the app's libraries, the pins, the clones."""
    pins = Pins.load(pins_file) if pins_file else None
    return init_workdir(dest, app, libraries if libraries is not None else sample_libraries(app), remote, pins,
                        on_output)


def init_workdir(dest: Path, app: str, libraries: list[str], remote: str = DEFAULT_REMOTE,
                 pins: Pins | None = None, on_output: Callable[[str], None] = lambda line: None) -> list[Path]:
    """Clone every repository the app needs at its pinned ref; all or nothing. `on_output` hears each step."""
    pins = pins or Pins.load()
    dest = Path(dest)
    todo = {path: repo for path, repo in repo_names(app, libraries).items() if not (dest / path / ".git").exists()}
    dest.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".flexui-clone-", dir=dest))
    try:
        for i, (path, repo) in enumerate(todo.items(), 1):
            url = _url(remote, repo)
            on_output(f"[{i}/{len(todo)}] cloning {repo} at {pins.ref(repo)} from {url}")
            try:
                with git.Repo.clone_from(url, staging / path) as clone:
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
    """Fetch every repository, then move each to its pinned ref; any uncommitted file stops it all first."""
    pins = pins or Pins.load()
    with contextlib.ExitStack() as opened:
        repos = [opened.enter_context(git.Repo(path)) for path in git_repos(Path(dest))]
        return _update(repos, pins)


def _update(repos: list[git.Repo], pins: Pins) -> dict[str, str]:
    dirty = {repo.working_dir: files for repo in repos if (files := _dirty_files(repo))}
    if dirty:
        listed = "; ".join(f"{path}: {', '.join(files)}" for path, files in dirty.items())
        raise WorkdirError(f"uncommitted files ({listed}); undo the FlexOS rewriting with `flexui workdir "
                           "clean` and commit or stash your own changes first")
    for repo in repos:
        if repo.head.is_detached and not _on_a_ref(repo):
            commit = repo.head.commit
            raise WorkdirError(
                f"{repo.working_dir}: your commit {commit.hexsha[:12]} ({commit.summary!r}) is on no branch and "
                f"moving to the pin would orphan it; keep it first: git -C {repo.working_dir} switch -c "
                "my-work, then run update again; nothing was moved")
    for repo in repos:
        try:
            repo.remotes.origin.fetch()
        except git.GitCommandError as e:
            raise WorkdirError(f"cannot fetch {repo.working_dir}: {_git_reason(e)}; nothing was moved") from None
    moved = {}
    for repo in repos:
        name = Path(repo.remotes.origin.url).name.removesuffix(".git")
        ref = pins.ref(name)
        branches = {r.remote_head for r in repo.remotes.origin.refs}
        try:  # a pinned branch means its fetched head, detached so that local commits stay on the local branch
            repo.git.checkout("--detach", f"origin/{ref}" if ref in branches else ref)
        except git.GitCommandError as e:
            raise WorkdirError(f"cannot check out {ref} in {repo.working_dir}: {_git_reason(e)}") from None
        moved[str(repo.working_dir)] = repo.head.commit.hexsha
    return moved


def _on_a_ref(repo: git.Repo) -> bool:
    """Is HEAD's commit reachable from a branch, a remote branch or a tag (so moving away loses nothing)?"""
    try:
        return bool(repo.git.for_each_ref("--contains", "HEAD", "--count=1", "refs/heads", "refs/remotes",
                                          "refs/tags").strip())
    except git.GitCommandError:
        return False


def git_repos(workdir: Path) -> list[Path]:
    candidates = [workdir / "unikraft", *sorted((workdir / "libs").glob("*")), *sorted((workdir / "apps").glob("*"))]
    return [p for p in candidates if (p / ".git").exists()]


def _git_reason(e: git.GitCommandError) -> str:
    text = " ".join(str(e.stderr or e).split())
    return text.split("fatal:")[-1].strip().strip("'") or "git failed"


CONFIGURATION = frozenset({name + suffix for name in (KRAFT_YAML, DOT_CONFIG, MAKE_VARS_FILE)
                           for suffix in ("", OLD_SUFFIX)} | {RUN_FILE, BUILD_FILE})
BUILD_OUTPUT = "build/"


def _dirty_files(repo: git.Repo) -> list[str]:
    """Uncommitted files, leaving out the build output and flexui's own configuration files."""
    diffs = [*repo.index.diff(None), *repo.index.diff("HEAD")]
    files = {*(d.a_path or d.b_path for d in diffs), *repo.untracked_files}
    return sorted(f for f in files if f and f not in CONFIGURATION and not f.startswith(BUILD_OUTPUT))


ABSENT = "absent"


def _digest(path: Path) -> str:
    """The git blob id of the file's content (what the index and commits hold), or ABSENT."""
    if path.is_symlink():
        data = os.readlink(path).encode("utf-8", "surrogateescape")
    elif path.is_file():
        data = path.read_bytes()
    else:
        return ABSENT
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class RepoState:
    """A repository's commit and the content of each uncommitted file."""

    path: str
    commit: str
    dirty: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, path: Path) -> RepoState:
        with git.Repo(path) as repo:
            return cls(str(path), repo.head.commit.hexsha,
                       {f: _digest(Path(path) / f) for f in _dirty_files(repo)})


def snapshot(repos: list[Path]) -> dict[str, RepoState]:
    return {str(p): RepoState.of(p) for p in repos}


Rewriting = dict[str, dict[str, str | None]]  # repository -> file -> blob id the toolchain left (None: unknown)


def rewritten_between(before: dict[str, RepoState], after: dict[str, RepoState],
                      earlier: Rewriting | None = None) -> Rewriting:
    """The toolchain's rewriting after a build, with what it left in each file.

    A file clean before the build and changed after it is the toolchain's; so
    is one that held only an earlier build's recorded rewriting. A recorded
    file the user edited in between keeps its old record: cleaning will see
    the edit and leave it to the user.
    """
    earlier = earlier or {}
    out: Rewriting = {}
    for path, state in after.items():
        old = before.get(path, RepoState(path, state.commit)).dirty
        prior = earlier.get(path, {})
        files: dict[str, str | None] = {}
        for f in sorted({*state.dirty, *prior}):
            if f not in old:
                if f in state.dirty:
                    files[f] = state.dirty[f]
            elif f in prior:
                files[f] = state.dirty.get(f, ABSENT) if old[f] == prior[f] else prior[f]
        if files:
            out[path] = files
    return out


class RecordError(WorkdirError):
    """A rewriting record that cannot be trusted to say what to reset."""


def parse_rewriting(data: object, record: str, repos: list[Path], workdir: Path) -> Rewriting:
    """A loaded rewriting record, checked: known repositories, paths inside them (no `..`, no absolute)."""
    if not isinstance(data, dict):
        raise RecordError(f"{record}: not a rewriting record (a JSON object of repositories); "
                          "remove it and rebuild")
    known = {Path(p).resolve(): Path(p) for p in repos}
    out: Rewriting = {}
    for key, files in data.items():
        repo = Path(key) if Path(key).is_absolute() else Path(workdir) / key
        if repo.resolve() not in known:
            raise RecordError(f"{record}: names {key}, which is not a repository of {workdir}; "
                              "remove the record and reset that repository by hand")
        entries = dict.fromkeys(files) if isinstance(files, list) else files
        if not isinstance(entries, dict):
            raise RecordError(f"{record}: the entry of {key} is not a list or object of files; remove the record")
        root = repo.resolve()
        checked: dict[str, str | None] = {}
        for f, digest in entries.items():
            parts = Path(str(f)).parts
            inside = os.path.realpath(root / str(f))
            if (not isinstance(f, str) or not f or Path(f).is_absolute() or ".." in parts or ".git" in parts
                    or not (inside == str(root) or inside.startswith(str(root) + os.sep))):
                raise RecordError(f"{record}: {f!r} is not a path inside {key}; flexui resets nothing "
                                  "outside its repositories: remove the record")
            checked[f] = digest if isinstance(digest, str) else None
        out[str(known[root])] = checked
    return out


@dataclass
class ResetReport:
    reset: dict[str, list[str]] = field(default_factory=dict)
    stashed: dict[str, str] = field(default_factory=dict)  # repo -> stash message
    kept: dict[str, list[str]] = field(default_factory=dict)


def _index_blob(repo: git.Repo, f: str) -> str:
    entry = repo.index.entries.get((f, 0))
    return entry.hexsha if entry is not None else ABSENT


def _head_blob(repo: git.Repo, f: str) -> str:
    try:
        return (repo.head.commit.tree / f).hexsha
    except (KeyError, ValueError):
        return ABSENT


def still_rewritten(repo: git.Repo, f: str, left: str | None) -> bool:
    """Does `f` hold exactly what the toolchain left (work tree, and index unless it holds the commit)?"""
    if left is None:
        return False
    return (_digest(Path(repo.working_dir) / f) == left
            and _index_blob(repo, f) in {left, _head_blob(repo, f)})


def reset_rewriting(repos: list[Path], rewritten: Rewriting, *, stash: bool = False,
                    keep: bool = False) -> ResetReport:
    """Undo the toolchain's rewriting; user changes stop the reset unless stashed or kept."""
    user, own_files = {}, {}
    for path in repos:
        recorded = rewritten.get(str(path), {})
        if isinstance(recorded, list):
            recorded = dict.fromkeys(recorded)
        with git.Repo(path) as repo:
            dirty = _dirty_files(repo)
            own = [f for f in dirty if f in recorded and still_rewritten(repo, f, recorded[f])]
        own_files[str(path)] = own
        theirs = [f for f in dirty if f not in own]
        if theirs:
            user[str(path)] = theirs
    if user and not (stash or keep):
        raise UserChanges(user)
    report = ResetReport()
    for path in repos:
        with git.Repo(path) as repo:
            _reset_one(repo, Path(path), user.get(str(path), []), own_files[str(path)], stash, report)
    return report


def _reset_one(repo: git.Repo, path: Path, theirs: list[str], own: list[str], stash: bool,
               report: ResetReport) -> None:
    if stash and theirs:
        message = "flexui: your changes, stashed before resetting the FlexOS rewriting"
        repo.git.stash("push", "--include-untracked", "-m", message, "--", *theirs)
        report.stashed[str(path)] = message
    elif theirs:
        report.kept[str(path)] = theirs
    # GitPython types traverse() as also yielding edge tuples, which it does only with as_edge=True.
    tracked = {item.path for item in repo.tree().traverse()}  # type: ignore[union-attr]
    restore = [f for f in own if f in tracked]
    if restore:
        repo.git.checkout("HEAD", "--", *restore)
    for f in own:
        if f not in tracked:
            repo.git.rm("--cached", "--quiet", "--ignore-unmatch", "--", f)
            (path / f).unlink(missing_ok=True)
    if own:
        report.reset[str(path)] = list(own)


@dataclass
class RepoStatus:
    """One repository of a work directory as `flexui workdir status` shows it."""

    path: str
    commit: str
    pinned: str
    at_pin: bool
    rewritten: list[str]
    user_changes: list[str]


def recorded_rewriting(workdir: Path) -> dict[str, list[str]]:
    """The toolchain's rewriting recorded by flexui around the builds of every app of the work directory."""
    rewritten: dict[str, list[str]] = {}
    for record in sorted(Path(workdir).glob(f"apps/*/build/{REWRITING_FILE}")):
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for path, files in data.items():
            rewritten.setdefault(path, [])
            rewritten[path] = sorted({*rewritten[path], *files})
    return rewritten


def workdir_status(workdir: Path, pins: Pins | None = None) -> list[RepoStatus]:
    """Commit, pin and uncommitted files of each repository, the rewriting told apart from user work."""
    pins = pins or Pins.load()
    rewritten = recorded_rewriting(workdir)
    out = []
    for path in git_repos(Path(workdir)):
        with git.Repo(path) as repo:
            name = Path(repo.remotes.origin.url).name.removesuffix(".git") if repo.remotes else path.name
            pinned = pins.ref(name)
            try:
                at_pin = repo.commit(pinned).hexsha == repo.head.commit.hexsha
            except (git.BadName, ValueError, git.GitCommandError):
                at_pin = False
            head, dirty = repo.head.commit.hexsha, _dirty_files(repo)
        own = set(rewritten.get(str(path), []))
        out.append(RepoStatus(str(path), head, pinned, at_pin,
                              [f for f in dirty if f in own], [f for f in dirty if f not in own]))
    return out


def record_dict(states: dict[str, RepoState]) -> dict:
    return {path: asdict(state) for path, state in states.items()}

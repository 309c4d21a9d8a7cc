"""One private build tree per job, made from the user's work directory.

The FlexOS toolchain rewrites sources in place, so one work directory holds
one layout at a time. Each job gets its own tree instead: a detached git
worktree of every repository of the work directory (unikraft, libs/*, the
app) at its committed state, plus copies of whatever is not a repository.
The work directory's files are never written; git only records the worktree
in the repository's metadata, and removing the tree removes that record.
Uncommitted changes are not in the tree (commit them to build them).
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from flexui.model.files.atomic import write_atomic

PARTS = ("unikraft", "libs", "apps")


@dataclass(frozen=True)
class TreeSource:
    """The work directory a tree is made from and the app (relative to it) it builds."""

    workdir: Path
    app: str  # apps/<app>

    def repositories(self) -> list[str]:
        """Relative paths of the work directory's repositories and plain folders that a build needs."""
        out = ["unikraft"] if (self.workdir / "unikraft").is_dir() else []
        libs = self.workdir / "libs"
        out += [f"libs/{p.name}" for p in sorted(libs.iterdir()) if p.is_dir()] if libs.is_dir() else []
        return [*out, f"apps/{self.app}"]

    def commits(self) -> dict[str, str]:
        """Repository -> HEAD commit ("" for a plain folder): what a build from this source contains."""
        return {rel: _head(self.workdir / rel) for rel in self.repositories()}


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL).stdout.strip()


def _head(path: Path) -> str:
    if not (path / ".git").exists():
        return ""
    try:
        return _git("rev-parse", "HEAD", cwd=path)
    except subprocess.CalledProcessError:
        return ""


@contextmanager
def _locked(root: Path, repository: str):
    """git's record of one repository's worktrees must not be changed by two jobs at once.

    One lock per repository, held only while git adds or prunes that record:
    the files are checked out (each worktree has its own index) and removed
    outside it, so jobs starting or ending together do not wait for each other.
    """
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".lock-{repository.replace('/', '_')}", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def make_tree(source: TreeSource, dest: Path, files: dict[str, str]) -> Path:
    """Build tree at `dest` with `files` (name -> text) written into its app; returns the app dir."""
    dest = Path(dest)
    if dest.exists():
        remove_tree(source, dest)
    for rel in source.repositories():
        origin, target = source.workdir / rel, dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if (origin / ".git").exists():
            with _locked(dest.parent, rel):
                _git("worktree", "add", "--no-checkout", "--detach", "--force", str(target), "HEAD", cwd=origin)
            _git("reset", "--hard", "--quiet", cwd=target)
        else:
            shutil.copytree(origin, target, symlinks=True, ignore=shutil.ignore_patterns("build"))
    app_dir = dest / "apps" / source.app
    for name, text in files.items():
        write_atomic(app_dir / name, text, keep_old=False)
    return app_dir


def remove_tree(source: TreeSource, dest: Path) -> None:
    """Remove a build tree and git's record of its worktrees; the work directory stays as it was."""
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    prune(source, dest.parent)


def prune(source: TreeSource, trees: Path | None = None) -> None:
    """Forget worktrees whose folders are gone (this job's, or one killed before it could clean up).

    `trees` (the folder of the build trees) holds the locks of jobs that may be adding worktrees.
    """
    for rel in source.repositories():
        origin = source.workdir / rel
        if (origin / ".git").exists():
            with _locked(trees, rel) if trees is not None else nullcontext():
                subprocess.run(["git", "worktree", "prune"], cwd=origin, capture_output=True,
                               stdin=subprocess.DEVNULL)

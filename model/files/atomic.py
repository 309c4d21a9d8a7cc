"""File writes that a crash, a kill or a validation error cannot tear.

What is guaranteed, for one call of `write_all_atomic` on files of one
directory (the app's `.config`, `kraft.yaml`, `flexui.mk`):

- every file is either its old or its new content, never a mix of bytes;
  each `.old` backup is a hard link to (or a synced copy of) the previous
  file, renamed into place, so it is never torn either;
- the set is old or new as a whole once the next write (or `recover`) has
  run in that directory: before any rename a journal lists the set, and an
  interrupted set is completed (journal says "commit") or dropped (journal
  says "stage") by `recover`, which every write runs first; between the kill
  and that next run a reader may see part of the set renamed;
- no temp file outlives the call (errors remove them) or the next write
  (a kill leaves them; `recover` removes them);
- only regular files are written: a symlink, FIFO, socket, device or
  directory at a target or at its `.old` is refused (WriteRefused) before
  anything is touched.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from flexui.model.files.problems import InputError, Problem
from flexui.model.isolation.configuration import Origin

JOURNAL = ".flexui-write.journal"


class WriteRefused(InputError, OSError):
    """Invalid input for the CLI (exit 2); an OSError for callers that report failed saves as such."""

_NEW, _OLD = ".flexui-new", ".flexui-old"  # suffixes of our temp files, beside their targets


def write_atomic(path: str | os.PathLike, text: str, keep_old: bool = True) -> bool:
    """Write `text` to `path` via temp file + rename; keep `<path>.old`.

    Returns False (and touches nothing) when the content is unchanged.
    """
    path = Path(path)
    return bool(write_all_atomic({path: text}, keep_old={path} if keep_old else frozenset()))


def write_all_atomic(files: dict[Path, str], keep_old: set[Path] | frozenset[Path] = frozenset()
                     ) -> list[Path]:
    """Write several files as one step; return those whose content changed."""
    files = {Path(p).absolute(): t for p, t in files.items()}
    keep = {Path(p).absolute() for p in keep_old}
    for path in files:
        _check_regular(path)
        if path in keep:
            _check_regular(_old(path))
    dirs = sorted({p.parent for p in files})
    for d in dirs:
        if d.is_dir():
            recover(d)
    changed = [p for p in files if _read(p) != files[p]]
    if not changed:
        return []
    home = changed[0].parent
    entries = [{"target": str(p), "new": str(_temp(p, _NEW)),
                "old": str(_temp(p, _OLD)) if p in keep and p.exists() else None} for p in changed]
    staging = home
    try:
        for d in dirs:
            staging = d
            d.mkdir(parents=True, exist_ok=True)
        staging = home
        _write_journal(home, "stage", entries)
        for path, entry in zip(changed, entries):
            staging = path
            _stage(path, files[path], entry)
        for d in {p.parent for p in changed}:
            _fsync_dir(d)
        staging = home
        _write_journal(home, "commit", entries)
    except OSError as e:
        _drop(home, entries)
        raise WriteRefused([Problem(f"cannot write: {e.strerror or e}; nothing was changed: check the "
                                  "permissions and free space of the directory",
                                  origin=Origin(str(staging)))]) from None
    except BaseException:
        _drop(home, entries)
        raise
    _commit(home, entries)
    return changed


def open_for_write(path: Path):
    """A regular file inside its directory, truncated for streaming (logs); InputError otherwise."""
    path = Path(path)
    _check_regular(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        _refuse(path, "is not a regular file")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "w", encoding="utf-8", errors="replace")


def recover(directory: Path) -> str | None:
    """Finish or drop a set of writes a kill interrupted in `directory`; remove stray temp files.

    Returns a one-line account when there was something to repair.
    """
    directory = Path(directory)
    note = None
    journal = directory / JOURNAL
    if journal.is_file() and not journal.is_symlink():
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            state, entries = data["state"], list(data["entries"])
        except (OSError, ValueError, KeyError, TypeError):
            state, entries = "stage", []
        names = ", ".join(Path(e["target"]).name for e in entries if isinstance(e, dict) and "target" in e)
        if state == "commit":
            _commit(directory, entries)
            note = f"{directory}: completed an interrupted write of {names}"
        else:
            _drop(directory, entries)
            note = f"{directory}: dropped an interrupted write of {names or 'files'}; they are as before it"
    (directory / (JOURNAL + _NEW)).unlink(missing_ok=True)
    try:
        strays = [p for p in directory.iterdir() if p.name.startswith(".")
                  and p.name.endswith((_NEW, _OLD)) and not p.is_dir()]
    except OSError:
        strays = []
    for p in strays:
        p.unlink(missing_ok=True)
    return note


# -- steps ----------------------------------------------------------------------
def _stage(path: Path, text: str, entry: dict) -> None:
    new = Path(entry["new"])
    new.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
    fd = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
        f.flush()
        os.fchmod(f.fileno(), mode)
        os.fsync(f.fileno())
    if entry["old"]:
        old = Path(entry["old"])
        old.unlink(missing_ok=True)
        try:
            os.link(path, old, follow_symlinks=False)
        except OSError:  # no hard links here (some network file systems): a synced copy
            _copy(path, old)


def _commit(directory: Path, entries: list) -> None:
    """Rename every staged file into place (again, after a kill: each step is idempotent)."""
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        target, new, old = (Path(entry[k]) if entry.get(k) else None for k in ("target", "new", "old"))
        if target is None or new is None or not new.is_file():
            if old is not None:
                old.unlink(missing_ok=True)
            continue
        if old is not None and old.is_file():
            os.replace(old, _old(target))
        os.replace(new, target)
    for d in {Path(e["target"]).parent for e in entries if isinstance(e, dict) and e.get("target")} | {directory}:
        _fsync_dir(d)
    (directory / JOURNAL).unlink(missing_ok=True)


def _drop(directory: Path, entries: list) -> None:
    for entry in entries:
        if isinstance(entry, dict):
            for key in ("new", "old"):
                if entry.get(key):
                    Path(entry[key]).unlink(missing_ok=True)
    (directory / (JOURNAL + _NEW)).unlink(missing_ok=True)
    (directory / JOURNAL).unlink(missing_ok=True)


def _write_journal(directory: Path, state: str, entries: list) -> None:
    tmp = directory / (JOURNAL + _NEW)
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"state": state, "entries": entries}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, directory / JOURNAL)
    _fsync_dir(directory)


# -- helpers --------------------------------------------------------------------
_KINDS = [(stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")]


def _check_regular(path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as e:
        _refuse(path, f"cannot be checked ({e.strerror})")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        _refuse(path, f"is {kind}, not a regular file")


def _refuse(path: Path, why: str) -> None:
    raise WriteRefused([Problem(f"{why}; flexui writes only regular files: remove or rename it, "
                              "then try again", origin=Origin(str(path)))])


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None


def _old(path: Path) -> Path:
    return path.with_name(path.name + ".old")


def _temp(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}{suffix}")


def _copy(src: Path, dst: Path) -> None:
    data = src.read_bytes()
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fchmod(f.fileno(), stat.S_IMODE(src.stat().st_mode))
        os.fsync(f.fileno())


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

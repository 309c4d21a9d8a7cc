"""`flexui workdir`: create, update and clean a FlexOS work directory with git.

Exit codes: 0 done, 2 refused or invalid input (nothing changed), 1 internal.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from flexui.model.vocabulary import KRAFT_YAML
from flexui.model.workdir.git import (
    DEFAULT_REMOTE,
    REWRITING_FILE,
    Pins,
    WorkdirError,
    create_workdir,
    git_repos,
    parse_rewriting,
    reset_rewriting,
    update_workdir,
    workdir_status,
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flexui workdir", description="Manage a FlexOS UK_WORKDIR with git.",
                                epilog="Exit codes: 0 done, 2 refused or invalid input, 1 internal failure.")
    sub = p.add_subparsers(dest="command", required=True)
    i = sub.add_parser("init", help="clone unikraft, the app's libraries and the app at pinned refs")
    i.add_argument("dir", type=Path, nargs="?", default=Path("."))
    i.add_argument("--app", required=True, help="app name, e.g. redis")
    i.add_argument("--libs", default=None, help="comma-separated libraries (default: from the embedded app)")
    i.add_argument("--remote", default=DEFAULT_REMOTE, help="URL prefix or a local directory of repositories")
    i.add_argument("--pins", type=Path, default=None, help="YAML file of refs per repository (default: shipped)")
    u = sub.add_parser("update", help="fetch and move every repository to its pinned ref")
    u.add_argument("dir", type=Path, nargs="?", default=Path("."))
    u.add_argument("--pins", type=Path, default=None, help="YAML file of refs per repository (default: shipped)")
    s = sub.add_parser("status", help="commit, pin and uncommitted files of every repository")
    s.add_argument("dir", type=Path, nargs="?", default=Path("."))
    k = sub.add_parser("kraft-cache", help="set up kraft's package cache for this work directory, offline, "
                                           "from its own repositories")
    k.add_argument("dir", type=Path, nargs="?", default=Path("."))
    c = sub.add_parser("clean", help="undo the FlexOS rewriting of the last builds and remove the app's "
                                     "build directory (kraftcleanup)")
    c.add_argument("dir", type=Path, nargs="?", default=Path("."))
    c.add_argument("--app", required=True, type=Path,
                   help="the app that was built: its directory, or its name in the work directory's apps/")
    how = c.add_mutually_exclusive_group()
    how.add_argument("--stash", action="store_true", help="stash your own uncommitted changes first")
    how.add_argument("--keep", "--force", dest="keep", action="store_true",
                     help="reset anyway, leaving your own changes in place (they are never discarded)")
    return p


def _status(workdir: Path) -> int:
    repos = workdir_status(workdir)
    if not repos:
        raise WorkdirError(f"{workdir} holds no git repositories under unikraft/, libs/ or apps/; "
                           "create one with `flexui workdir init`")
    for repo in repos:
        pin = "at pin" if repo.at_pin else f"NOT at pin {repo.pinned}"
        print(f"{repo.path}: {repo.commit[:12]} ({pin})")
        if repo.rewritten:
            print(f"  FlexOS rewriting ({len(repo.rewritten)} file(s)): {', '.join(repo.rewritten)}")
        if repo.user_changes:
            print(f"  your changes: {', '.join(repo.user_changes)}")
    return 0


def _app_dir(workdir: Path, app: Path) -> Path:
    """`--app redis` names the work directory's apps/redis unless a folder of that name is right here."""
    if not app.is_absolute() and len(app.parts) == 1 and not app.exists() and (workdir / "apps" / app).is_dir():
        return workdir / "apps" / app
    return app.absolute()


def _clean(args: argparse.Namespace) -> int:
    """Reset the recorded rewriting, then remove the app's build directory (only ever an app's)."""
    workdir, app = args.dir.absolute(), args.app.absolute()
    repos = git_repos(workdir)
    if not repos:
        raise WorkdirError(f"{workdir} holds no git repositories under unikraft/, libs/ or apps/; "
                           "pass clean the work directory (the one with unikraft/ and apps/)")
    in_apps = app.resolve().parent == (workdir / "apps").resolve()
    if not in_apps and not (app / KRAFT_YAML).is_file():
        raise WorkdirError(f"{app} is not an app of {workdir} (not in its apps/, no kraft.yaml); "
                           f"pass --app the app that was built: its directory, or its name in {workdir / 'apps'}/")
    build_dir = app / "build"
    if build_dir.is_symlink() or (build_dir.exists() and not build_dir.is_dir()):
        raise WorkdirError(f"{build_dir} is not a build directory (a link or a file); flexui removes only "
                           "an app's own build directory: remove it yourself")
    record = build_dir / REWRITING_FILE
    rewritten = parse_rewriting(_record_data(record), str(record), repos, workdir) if record.exists() else {}
    report = reset_rewriting(repos, rewritten, stash=args.stash, keep=args.keep)
    for path, files in report.reset.items():
        print(f"reset {path}: {len(files)} rewritten file(s)")
    for path, message in report.stashed.items():
        print(f"stashed your changes in {path} ({message}); `git stash pop` brings them back")
    for path, files in report.kept.items():
        print(f"kept your changes in {path}: {', '.join(files)}")
    if build_dir.is_dir():
        shutil.rmtree(build_dir)
        print(f"removed {build_dir}: the next build starts clean")
    return 0


def _record_data(record: Path) -> object:
    from flexui.model.files.problems import InputError, Problem
    from flexui.model.files.textfile import read_user_text
    from flexui.model.isolation.configuration import Origin

    text = read_user_text(record)
    try:
        return json.loads(text)
    except ValueError as e:
        raise InputError([Problem(f"not a valid rewriting record ({getattr(e, 'msg', e)}); remove it and "
                                  "reset the repositories by hand",
                                  origin=Origin(str(record), getattr(e, "lineno", None)))]) from None


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    args.dir = args.dir.resolve()  # the rewriting is recorded with absolute paths
    if isinstance(getattr(args, "app", None), Path):
        args.app = _app_dir(args.dir, args.app).resolve()
    try:
        if args.command == "init":
            libs = [lib.strip() for lib in args.libs.split(",") if lib.strip()] if args.libs else None
            created = create_workdir(args.dir, args.app, libraries=libs, remote=args.remote, pins_file=args.pins,
                                     on_output=lambda line: print(line, flush=True))
            print(f"cloned {len(created)} repositories into {args.dir}" if created else "nothing to clone")
        elif args.command == "update":
            pins = Pins.load(args.pins) if args.pins else None
            for path, commit in update_workdir(args.dir, pins).items():
                print(f"{path}: {commit[:12]}")
        elif args.command == "status":
            return _status(args.dir)
        elif args.command == "kraft-cache":
            from flexui.model.build.kraft_cache import (
                KraftCacheError,
                setup_kraft_cache,
            )

            try:
                names = setup_kraft_cache(args.dir)
            except KraftCacheError as e:
                raise WorkdirError(str(e)) from None
            print(f"kraft's package cache for {args.dir}: {', '.join(names)}")
        else:
            return _clean(args)
    except WorkdirError as e:
        print(f"flexui workdir: {e}", file=sys.stderr)
        return 2
    return 0

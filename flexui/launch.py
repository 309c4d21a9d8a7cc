"""Opens the session, paints the first frame, then starts the Textual app.

Everything before the app runs stays Textual-free, so the first menu is on
screen while Textual is still being imported (see first_frame).
"""

from __future__ import annotations

import gc
from pathlib import Path

from flexui import first_frame
from flexui.model.files.problems import InputError
from flexui.model.kconfig.tree import TreeError, Workdir
from flexui.model.presets.preset import Preset
from flexui.model.session.edit_session import Session
from flexui.model.session.recent import Recent, save_recent


def open_session(app_dir: Path, *, workdir: Workdir, preset: Preset | None = None,
                 build_dir: Path | None = None) -> tuple[Session, list[str]]:
    """The session plus what the user must be told beyond the problems of the files it read
    (those the app shows from `session.loaded.problems`)."""
    session = Session.open(app_dir, workdir=workdir, build_dir=build_dir)
    notes = [f"CONFIG_{r.symbol}: {r.reason}" for r in session.startup_refusals]
    if preset is not None:
        notes += [str(p) for p in session.apply_preset(preset)]
    return session, notes


def run_ui(app_dir: Path, *, workdir: Workdir, preset: Preset | None = None,
           build_commands: list[list[str]] | None = None, notice: str | None = None) -> int:
    # Start-up builds what the session keeps (the parsed Kconfig, Textual's objects): the cyclic
    # collector would only walk it again and again before the first key (0.1 s of CPU, more on a
    # busy machine). Off until the first screen is painted (app.keep_startup_objects); the
    # garbage start-up leaves (about 1 MB) is kept with what it built.
    gc.disable()
    try:
        return _run_ui(app_dir, workdir=workdir, preset=preset, build_commands=build_commands,
                       notice=notice)
    finally:
        gc.enable()


def _run_ui(app_dir: Path, *, workdir: Workdir, preset: Preset | None,
            build_commands: list[list[str]] | None, notice: str | None) -> int:
    try:
        session, notes = open_session(app_dir, workdir=workdir, preset=preset)
        notes = [notice, *notes] if notice else notes
    except (TreeError, InputError) as e:
        from flexui.app import OpenFailedApp

        OpenFailedApp(str(e) if isinstance(e, TreeError) else "\n".join(map(str, e.problems))).run()
        return 2
    save_recent(Recent(app=str(session.app_dir), workdir=str(workdir.unikraft.parent)))
    painted = first_frame.paint(session)
    try:
        from flexui.app import FlexApp

        app = FlexApp(session, notes=notes, build_commands=build_commands)
    except BaseException:
        if painted:
            painted.restore(leave_screen=True)
        raise
    try:
        app.run()
    finally:
        if painted:
            painted.restore(leave_screen=False)
    return 0

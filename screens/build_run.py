"""The Build/Run screen: build the image and boot it, with the output streamed live.

Builds and runs happen in thread workers (model/build/runner.py, model/run/qemu_runner.py);
their output reaches the log through `call_from_thread`, so the UI never
blocks. Cancel/Stop set an event the runners watch; they kill the whole
process group. On a tree that cannot build (the embedded one), w creates a
work directory for the app (model/workdir/git.create_workdir, as `flexui
workdir init`) and opens its app, the session's configuration carried over.
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, ProgressBar, RichLog, Static

from flexui.model.build.preflight import BuildRefusal
from flexui.model.build.runner import BuildPlan, BuildResult, Progress
from flexui.model.files.problems import InputError
from flexui.model.run.qemu_command import run_spec_for
from flexui.model.run.qemu_runner import RunResult
from flexui.model.run.qemu_runner import run as run_qemu
from flexui.model.session.edit_session import Session, SessionEvent
from flexui.screens.base import SessionScreen
from flexui.screens.widgets.dialogs import ConfirmDialog
from flexui.screens.workdir_dialog import WorkdirInitDialog, WorkdirRequest


class BuildRunScreen(SessionScreen):
    MODE = "build"
    CSS_PATH = "build_run.tcss"
    AUTO_FOCUS = "#build-log"  # the log scrolls with the arrows; b, r and c stay screen keys
    BINDINGS = [
        Binding("b", "build", "Build"),
        Binding("B", "build(True)", "Rebuild", show=False),
        Binding("r", "run", "Run"),
        Binding("c,escape", "cancel", "Cancel/Stop"),
        Binding("t", "focus_timeout", "Timeout", show=False),
        Binding("w", "workdir_init", "Work dir", show=False),
        Binding("ctrl+l", "clear_log", "Clear log", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self.busy: str | None = None
        self.last_build: BuildResult | None = None
        self.last_run: RunResult | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="build-body"):
            with Horizontal(id="build-bar"):
                yield Static(id="build-status", markup=False)
                yield Label("timeout (s)", classes="bar-label")
                yield Input("60", id="timeout", restrict=r"[0-9]*")
            yield ProgressBar(id="build-progress", show_eta=False)
            yield RichLog(id="build-log", max_lines=20000, wrap=False, markup=False, highlight=False)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False  # shown while a build runs
        self._status("b: build the image · r: boot it on QEMU · c: cancel or stop")

    def refresh_from_session(self, event: SessionEvent | None) -> None:
        if self.busy is None:
            self._status(self._image_text())

    def _image_text(self) -> str:
        """The image that exists, and whether the session is something else."""
        image = self.session.image()
        if image is None:
            return self._cannot_build(self._plan()) or f"no image yet: press b to build{self._settings_text()}"
        differs = self.session.image_differs()
        note = f" · the session differs from this image ({differs}): b builds the session" \
            if differs else ""
        return f"image: {image}{note}{self._settings_text()}"

    def _settings_text(self) -> str:
        """The preset's make variables and environment the build passes, when there are any."""
        settings = self.session.build
        return f" · build with {settings.describe()}" if settings else ""

    def _plan(self) -> BuildPlan:
        return self.session.build_plan(getattr(self.app, "build_commands", None))

    def _cannot_build(self, plan: BuildPlan) -> str | None:
        """Why the build cannot start here (the embedded tree, no .config), tools aside."""
        refusal = self.session.build_refusal(plan, prerequisites=False)
        return None if refusal is None else self._reason(refusal)

    @staticmethod
    def _reason(refusal: BuildRefusal) -> str:
        return f"{refusal.reason} · w creates it now and opens its app" if refusal.needs_workdir else refusal.reason

    # -- helpers ------------------------------------------------------------------
    def _status(self, text: str) -> None:
        self.query_one("#build-status", Static).update(text)

    def _log(self, line: str) -> None:
        self.query_one(RichLog).write(line)

    def _from_thread(self, fn, *args) -> None:
        self.app.call_from_thread(fn, *args)

    def _timeout(self) -> float:
        try:
            return max(1.0, float(self.query_one("#timeout", Input).value))
        except ValueError:
            return 60.0

    def action_focus_timeout(self) -> None:
        self.set_focus(self.query_one("#timeout", Input))  # now: the next keys typed are the timeout

    def action_clear_log(self) -> None:
        self.query_one(RichLog).clear()

    # -- build --------------------------------------------------------------------
    def action_build(self, force: bool = False) -> None:
        if self.busy:
            self.notify(f"a {self.busy} is in progress; c cancels it", severity="warning")
            return
        if self.session.dirty:
            def answer(yes: bool | None) -> None:
                if yes:
                    self.session.save()
                    self._start_build(force)
            self.app.push_screen(ConfirmDialog("The build uses the saved files. Save the session now and "
                                               "build?", yes="Save and build"), answer)
            return
        self._start_build(force)

    def _start_build(self, force: bool) -> None:
        plan = self._plan()
        refusal = self.session.build_refusal(plan)
        if refusal is not None:
            reason = None if refusal.missing else self._reason(refusal)
            self._log(f"!! {reason or refusal.reason}")
            for line in refusal.lines()[1:]:
                self._log(f"!! {line}")
            self._status(reason or f"missing prerequisites: {', '.join(m.what for m in refusal.missing)} "
                         "(see the log)")
            self.notify(reason or "missing prerequisites (see the log)", severity="error", timeout=10)
            return
        self.busy = "build"
        self._cancel.clear()
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=len(plan.steps), progress=0)
        self._log(f"── build of {self.session.app_name} ──")
        if plan.settings:
            self._log(f"[flexui] the preset's build settings: {plan.settings.describe()}")
        self._status("building… c cancels")

        def progress(p: Progress) -> None:
            self._from_thread(self._show_progress, p)

        def work() -> None:
            # Imported here, in the worker: it brings GitPython, 0.1 s the screen need not wait for.
            from flexui.model.workdir.git import WorkdirError
            from flexui.model.workdir.rewriting import build_in_workdir

            try:
                result = build_in_workdir(plan, lambda line: self._from_thread(self._log, line), progress,
                                          self._cancel, force=force,
                                          sources_dir=self.session.build_sources())
            except WorkdirError as e:
                self._from_thread(self._refused, str(e))
                return
            self._from_thread(self._build_done, result)

        self.run_worker(work, thread=True, exclusive=True, group="build", name="build")

    def _refused(self, message: str) -> None:
        self.busy = None
        self.query_one(ProgressBar).display = False
        self._log(f"!! {message}")
        self._status(message)
        self.notify(message, severity="error", timeout=10)

    def _show_progress(self, p: Progress) -> None:
        self.query_one(ProgressBar).update(progress=p.step - 1)
        self._status(f"building: step {p.step}/{p.steps} ({p.step_name}) · {p.objects} objects compiled · "
                     "c cancels")

    def _build_done(self, result: BuildResult) -> None:
        self.busy = None
        self.last_build = result
        bar = self.query_one(ProgressBar)
        if result.ok and bar.total is not None:
            bar.update(progress=bar.total)
        for line in result.first_errors:
            self._log(f"!! {line}")
        self._status(result.describe())
        self.notify(result.describe(), severity="information" if result.ok else "error",
                    timeout=8)

    # -- run ----------------------------------------------------------------------
    def action_run(self) -> None:
        if self.busy:
            self.notify(f"a {self.busy} is in progress; c cancels it", severity="warning")
            return
        try:
            spec = run_spec_for(self.session.app_dir, timeout=self._timeout())
        except InputError as e:
            self.notify(str(e.problems[0]), severity="error", timeout=10)
            return
        if spec is None:
            self.notify("no image to run: build it first (b)", severity="error")
            return
        image = spec.image
        differs = self.session.image_differs()
        if differs:
            self.notify(f"running the built image ({spec.mechanism}); the session differs from it "
                        f"({differs}): b builds the session", severity="warning", timeout=8)
        self.busy = "run"
        self._cancel.clear()
        self._log(f"── boot of {image.name} ({spec.mechanism}) ──")
        self._status("running… c stops the guest")

        def work() -> None:
            try:
                result = run_qemu(spec, lambda line: self._from_thread(self._log, line), self._cancel)
            except FileNotFoundError as e:
                self._from_thread(self._run_failed, str(e))
                return
            self._from_thread(self._run_done, result)

        self.run_worker(work, thread=True, exclusive=True, group="run", name="run")

    def _run_failed(self, message: str) -> None:
        self.busy = None
        self._status(message)
        self.notify(message, severity="error")

    def _run_done(self, result: RunResult) -> None:
        self.busy = None
        self.last_run = result
        extra = f"; KVM failed ({result.fell_back}), ran under emulation" if result.fell_back else ""
        text = f"{result.describe()} ({result.accel}, {result.duration:.1f} s{extra})"
        self._status(text)
        self.notify(text, severity="information" if result.ok else "warning", timeout=8)

    # -- work directory -------------------------------------------------------------
    def action_workdir_init(self) -> None:
        """`flexui workdir init` for this app, asked in a dialog, streamed here; then its app is opened."""
        if self.busy:
            self.notify(f"a {self.busy} is in progress; c cancels it", severity="warning")
            return
        from flexui.model.workdir.git import DEFAULT_REMOTE  # GitPython: only when asked for

        name = self.session.app_name
        self.app.push_screen(WorkdirInitDialog(name, Path.home() / "flexos" / name, DEFAULT_REMOTE),
                             lambda request: self._start_workdir_init(request) if request else None)

    def _start_workdir_init(self, request: WorkdirRequest) -> None:
        self.busy = "work directory creation"
        name = self.session.app_name
        carried = self.session.as_preset(f"{name}-session") if self.session.iso.compartments else None
        self._log(f"── flexui workdir init {request.directory} --app {name} --remote {request.remote} ──")
        self._status(f"creating the work directory {request.directory}…")

        def work() -> None:
            from flexui.model.kconfig.tree import TreeError
            from flexui.model.workdir.git import WorkdirError, create_workdir

            try:
                create_workdir(request.directory, name, remote=request.remote, pins_file=request.pins,
                               on_output=lambda line: self._from_thread(self._log, line))
                app_dir = request.directory / "apps" / name
                self._from_thread(self._log, f"[flexui] opening {app_dir}")
                session = Session.open_in_workdir(app_dir, request.directory)
                notes = [str(p) for p in session.apply_preset(carried)] if carried else []
            except (WorkdirError, TreeError, InputError) as e:
                self._from_thread(self._refused, str(e).splitlines()[0])
                return
            self._from_thread(self._workdir_done, session, notes)

        self.run_worker(work, thread=True, exclusive=True, group="workdir", name="workdir init")

    def _workdir_done(self, session: Session, notes: list[str]) -> None:
        self.busy = None
        self.app.switch_session(session, notes)
        carried = "; the session's configuration carried over: s saves it" if session.dirty else ""
        message = f"opened {session.app_dir}{carried}"
        self._log(f"[flexui] {message}")
        self.notify(message, timeout=10)
        self._status(self._image_text())

    def action_cancel(self) -> None:
        if self.busy:
            self._cancel.set()
            self._status(f"stopping the {self.busy}…")

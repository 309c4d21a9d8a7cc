"""The Textual application: one session, one screen per task."""

from __future__ import annotations

import functools
import gc
import importlib
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from rich.style import Style
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.errors import NoWidget
from textual.geometry import Region
from textual.screen import Screen

from flexui import first_frame
from flexui.model.files.problems import InputError
from flexui.model.kconfig.menu import MenuNavigator
from flexui.model.session.edit_session import Session, SessionEvent
from flexui.screens.base import SessionChanged
from flexui.screens.help import HelpScreen, binding_rows
from flexui.screens.kconfig.quit import QuitDialog
from flexui.screens.widgets.chrome import SCREENS
from flexui.typeahead import TypeaheadApp


class FlexApp(TypeaheadApp):
    TITLE = "flexui"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {}  # filled by register_modes()
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        *[Binding(key, f"switch_mode('{mode}')", label, show=False)
          for mode, label, key in SCREENS],
        Binding("f1", "help", "Help", show=True),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("ctrl+y", "redo", "Redo", show=False),
    ]

    def __init__(self, session: Session, mode: str = "kconfig", notes: Sequence[str] = (),
                 build_commands: list[list[str]] | None = None) -> None:
        super().__init__()
        self.session = session
        self.build_commands = build_commands
        self._notes = list(notes)
        self._initial_mode = mode if mode in self.MODES else next(iter(self.MODES))
        self._main_thread = threading.get_ident()
        self._learned = False
        self._unsubscribe = session.subscribe(self._on_session_event)
        # Each screen -> the style inputs (theme variables, ANSI theme) its nodes were styled with.
        self._styled_with: weakref.WeakKeyDictionary[Screen, tuple[Any, ...]] = weakref.WeakKeyDictionary()
        self._holds: set[object] = set()  # see delay_update

    def delay_update(self, delay: float = 0.05) -> None:
        """Hold frames while a screen switch is under way, until the screen shown can draw itself.

        Textual holds them a fixed 50 ms from the key: a screen already built
        came 50 ms late, and a first visit, composing for longer than that,
        drew its first frame for nothing and drew it again once the hold ended.
        A screen's resume ends the holds (`release_holds`); the 50 ms stays as
        the limit for whatever else holds frames (the command palette).
        """
        hold = object()
        self._holds.add(hold)
        self._begin_batch()
        self.set_timer(delay, functools.partial(self._release, hold), name="delay_update")

    def release_holds(self) -> None:
        for hold in list(self._holds):
            self._release(hold)

    def _release(self, hold: object) -> None:
        if hold in self._holds:
            self._holds.discard(hold)
            self._end_batch()
            if not self._batch_count:
                self.screen.refresh()

    def get_screen(self, screen: Screen | str, screen_class: type[Screen] | None = None) -> Screen:  # type: ignore[override]
        """A screen about to be shown, with its .tcss and its breakpoint class already in place.

        The .tcss is added as Textual adds a widget's DEFAULT_CSS: parsed alone,
        styling the screen's nodes as they mount. Textual, finding a screen's
        CSS_PATH new, parses every source again and restyles every screen built
        so far (40-60 ms of a first visit, and of the first `/`); nothing another
        screen shows is styled from here (each file's rules name its own
        screen's classes or ids). The breakpoint class (`-narrow`, `-wide`) for
        the current width would otherwise come with the first resize, restyling
        every node of the screen just composed.
        """
        found = super().get_screen(screen, screen_class)
        for path in found.css_path:
            if not self.stylesheet.has_source(str(path), ""):
                self.stylesheet.add_source(Path(path).read_text(encoding="utf-8"), read_from=(str(path), ""))
        self._styled_with.setdefault(found, self._style_inputs())
        if not found.is_running:
            breakpoints = self.HORIZONTAL_BREAKPOINTS if found.HORIZONTAL_BREAKPOINTS is None \
                else found.HORIZONTAL_BREAKPOINTS
            wanted = next((name for at, name in sorted(breakpoints, reverse=True) if self.size.width >= at), "")
            found.update_classes({name: name == wanted for _, name in breakpoints}, update=False)
        return found

    def _style_inputs(self) -> tuple[Any, ...]:
        return tuple(self.get_css_variables().items()), self.ansi_theme

    def refresh_css(self, animate: bool = True) -> None:
        """Restyle everything only when a theme changed since the shown screens were styled.

        Textual calls this for each screen's first show too (twice), where it
        would parse every source and restyle every screen again for nothing new.
        """
        inputs = self._style_inputs()
        if all(self._styled_with.get(shown) == inputs for shown in self.screen_stack):
            return
        super().refresh_css(animate)
        for shown in self.screen_stack:
            self._styled_with[shown] = inputs

    @functools.cached_property
    def benchmarks(self):
        """(BenchDB, Estimator), loaded once; an unreadable user file leaves the shipped data."""
        from flexui.model.perf.benchdata import BenchDB
        from flexui.model.perf.estimator import Estimator

        try:
            db = BenchDB.load()
        except InputError as e:
            self.notify(f"{e.problems[0]} (using the shipped data only)", severity="warning", timeout=12)
            db = BenchDB.load(with_user=False)
        return db, Estimator(db)

    def reload_benchmarks(self) -> None:
        """Read the benchmark data again on next use: a closed-loop run has added measurements."""
        self.__dict__.pop("benchmarks", None)

    def on_mount(self) -> None:
        self.switch_mode(self._initial_mode)
        for problem in self.session.loaded.problems:
            self.notify(str(problem), title="Problem in the input", severity="warning", timeout=15)
        for note in self._notes:
            self.notify(note, severity="warning", timeout=12)
        if not self.is_headless:
            self.call_after_refresh(keep_startup_objects)
            self.set_timer(WARM_AFTER, self._work_out_the_error_band)

    def _work_out_the_error_band(self) -> None:
        """The estimated steps on the Safety screen need the estimator's error band, one
        leave-one-out pass (20 ms of a first visit's 150-180): worked out in a thread while the
        first screen is read, so the first visit finds it done. Started at once, it held the
        GIL when the first key came and made it answered 10% later."""
        from flexui.model.safety.summary import default_metric

        db, estimator = self.benchmarks
        app = self.session.app_name

        def work() -> None:
            metric = default_metric(app, db)
            if metric is not None:
                estimator.band(app, metric)

        self.run_worker(work, thread=True, group="warm", name="error band")

    def switch_session(self, session: Session, notes: Sequence[str] = ()) -> None:
        """Edit another app (a new work directory's): the screens not shown are built again for it."""
        self._unsubscribe()
        self.session = session
        self._unsubscribe = session.subscribe(self._on_session_event)
        for mode in self.MODES:
            if mode != self.current_mode:
                self.remove_mode(mode)
                self.add_mode(mode, self.MODES[mode])
        self.screen.post_message(SessionChanged(None))
        for note in notes:
            self.notify(note, severity="warning", timeout=12)

    def learn_first_frame(self, nav: MenuNavigator) -> None:
        """Record this terminal's colours of the Kconfig screen for the next first frame."""
        if not self._learned and not self.is_headless and first_frame.wanted():
            self._learned = True
            learn_colours(self, nav)

    def _on_session_event(self, event: SessionEvent) -> None:
        if threading.get_ident() == self._main_thread:
            self._show_event(event)
        else:
            self.call_from_thread(self._show_event, event)

    def _show_event(self, event: SessionEvent) -> None:
        self.screen.post_message(SessionChanged(event))
        if event.consequences and event.kind == "edit":
            self.notify("\n".join(event.consequences) + "\n(ctrl+z undoes it all)",
                        title=f"{event.label}: also changed", timeout=8)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen.__class__.__name__.removesuffix("Screen"),
                                    binding_rows(self.screen)))

    async def action_quit(self) -> None:
        """Every way out (ctrl+q, q, Esc at the top, the palette) asks before unsaved work is lost."""
        self.request_quit()

    def request_quit(self) -> None:
        if isinstance(self.screen, QuitDialog):
            return
        if not self.session.dirty:
            self.exit()
            return
        self.push_screen(QuitDialog(), self._after_quit_dialog)

    def _after_quit_dialog(self, answer: str | None) -> None:
        if answer == "save":
            try:
                self.session.save()
            except OSError as e:
                self.notify(f"Not saved: {e}", severity="error", timeout=10)
                return
            if not self.session.dirty:
                self.exit()
        elif answer == "discard":
            self.exit()

    def action_undo(self) -> None:
        label = self.session.undo()
        self.notify(f"Undid: {label}" if label else "Nothing to undo", timeout=2)

    def action_redo(self) -> None:
        label = self.session.redo()
        self.notify(f"Redid: {label}" if label else "Nothing to redo", timeout=2)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """One command per name: the screen's own (its Quit asks first) over the app's."""
        commands = {c.title: c for c in self._commands(screen)}
        yield from commands.values()

    def _commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, label, key in SCREENS:
            if mode in self.MODES:
                yield SystemCommand(f"Go to {label}", f"Switch to the {label} screen ({key})",
                                    lambda m=mode: self.switch_mode(m))
        yield SystemCommand("Undo", "Undo the last change (ctrl+z)", self.action_undo)
        yield SystemCommand("Redo", "Redo the undone change (ctrl+y)", self.action_redo)
        yield SystemCommand("Help", "List every key of this screen (F1)", self.action_help)
        seen = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if binding.description and active.node is screen and binding.action not in seen:
                seen.add(binding.action)
                yield SystemCommand(binding.description, f"key: {self.get_key_display(binding)}",
                                    lambda a=binding.action: screen.run_action(a))


WARM_AFTER = 1.0  # seconds after the start: later than a first key typed at once is answered


def keep_startup_objects() -> None:
    """Once the first screen is painted: what start-up built lives as long as the app.

    Kept out of full collections, whose pauses (up to 0.1 s) showed as
    key-press spikes; the collector, off while the app started (see
    launch.run_ui), runs again for what comes next.
    """
    gc.freeze()
    gc.enable()


class OpenFailedApp(App):
    """Shown instead of a traceback when the app or tree cannot be opened."""

    BINDINGS = [Binding("q,escape,enter", "quit", "Quit")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self._message = message

    def compose(self):
        from textual.widgets import Footer, Static

        yield Static(f"[b]flexui could not open what you asked for[/b]\n\n{self._message}\n\n"
                     "Fix the file named above, or start with a different --app, --tree or "
                     "--workdir. Press q to quit.", id="open-failed")
        yield Footer()


# Mode -> (module, class): each screen is imported when first shown, so that
# start-up pays only for the first one (the build screen alone pulls in git).
SCREEN_CLASSES: dict[str, tuple[str, str]] = {
    "kconfig": ("flexui.screens.kconfig.menuconfig", "MenuconfigScreen"),
    "compartments": ("flexui.screens.compartments", "CompartmentsScreen"),
    "safety": ("flexui.screens.safety", "SafetyScreen"),
    "build": ("flexui.screens.build_run", "BuildRunScreen"),
    "presets": ("flexui.screens.presets", "PresetsScreen"),
}


def _lazy_screen(module: str, name: str):
    def make() -> Screen:
        return getattr(importlib.import_module(module), name)()
    return make


def register_modes() -> None:
    """Register the screens; kept out of class scope so screens can import FlexApp."""
    FlexApp.MODES.update({mode: _lazy_screen(*where) for mode, where in SCREEN_CLASSES.items()})


register_modes()


Cell = tuple[str, Style]


def painted_cells(screen: Screen) -> list[list[Cell]]:
    """The screen as painted, cell by cell (character, Rich style).

    Each cell comes from the topmost widget there, rendered as Textual renders it
    for the terminal, through the public API only (Screen.get_widget_at,
    Widget.render_lines): the compositor that does this for Textual is private.
    """
    width, height = screen.size
    rows: dict[tuple[int, int], list[Cell]] = {}  # (widget, y) -> the widget's line at y
    cells: list[list[Cell]] = []
    for y in range(height):
        line: list[Cell] = []
        for x in range(width):
            try:
                widget, region = screen.get_widget_at(x, y)
            except NoWidget:
                line.append((" ", Style.null()))
                continue
            key = (id(widget), y)
            if key not in rows:
                strips = widget.render_lines(Region(0, y - region.y, region.width, 1))
                rows[key] = [(char, segment.style or Style.null())
                             for segment in (strips[0] if strips else []) for char in segment.text]
            row = rows[key]
            line.append(row[x - region.x] if x - region.x < len(row) else (" ", Style.null()))
        cells.append(line)
    return cells


def painted_text(screen: Screen) -> list[str]:
    return ["".join(char for char, _ in line) for line in painted_cells(screen)]


def learn_colours(app: FlexApp, nav: MenuNavigator) -> bool:
    """Store the SGR codes the app painted for each role of the first frame; True if changed.

    Reads the screen as painted, converted for the terminal's colour system
    just as the app's own output is, and only while it still shows what the
    frame shows.
    """
    from rich.color import ColorSystem

    frame = first_frame.frame_for(app.session, nav, app.size.width, app.size.height)
    cells = painted_cells(app.screen)
    if not first_frame.shows(frame, ["".join(char for char, _ in line) for line in cells]):
        return False  # the user has moved on, or another screen is up: learn next time
    system = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT,
              "truecolor": ColorSystem.TRUECOLOR, "windows": ColorSystem.WINDOWS}.get(
        app.console.color_system or "", ColorSystem.TRUECOLOR)

    def style_at(x: int, y: int, char: str) -> str | None:
        if y >= len(cells) or x >= len(cells[y]) or cells[y][x][0] != char:
            return None
        rendered = cells[y][x][1].render("x", color_system=system)
        return rendered[2:rendered.index("m")] if rendered.startswith("\x1b[") else ""

    return first_frame.learn(frame, style_at)

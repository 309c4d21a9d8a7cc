"""The Kconfig screen's first frame, painted before Textual is imported.

Importing Textual and laying out its first screen takes about half a second;
menuconfig users expect the menu in a quarter of that. The launcher has the
session open by then, so it paints the opening frame of the Kconfig screen
itself (header, tabs, breadcrumb, the top menu with its cursor) and hands the
terminal over. The app then repaints the same cells: `frame_for` is the one
description of that frame, and a screen test checks it against the real one.

Colours come from the app's own last paint (`learn`), stored per terminal
type in the user's cache, so the handover does not flash; until the app has
run once in a terminal, the frame uses the terminal's default colours. Keys
typed meanwhile stay queued, unechoed, until the app reads them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import termios
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flexui.model.files.atomic import write_atomic
from flexui.model.files.userdirs import cache_dir
from flexui.model.kconfig.menu import MenuNavigator, Row
from flexui.model.session.edit_session import Session
from flexui.screens.widgets.chrome import SCREENS, crumbs, status_parts, tab_strip

Segment = tuple[str, str]  # (text, role)
Line = list[Segment]

OFF_SWITCH = "FLEXUI_FIRST_FRAME"  # "0": let Textual paint the first frame alone
# The environment that decides which colours the app's terminal output uses.
TERMINAL_ENV = ("TERM", "COLORTERM", "TEXTUAL_COLOR_SYSTEM", "FORCE_COLOR")
# Without learned colours: the terminal's own, with the cursor and header marked.
PLAIN = {"cursor": "7", "header-bold": "1", "tab-active": "1", "underline-active": "1"}
STYLES_FILE = "first-frame.json"
MENU_TOP = 5  # header, tab labels, tab underline, breadcrumb, estimate line
SUMMARY_LINE = 4  # the estimate: filled after the app's first paint, blank in the frame
# Roles of a menu row's parts (Row.parts); one the app has not shown yet takes the row's colours.
ROW_ROLES = {"value", "locked", "name", "comment", "new", "submenu", "cost"}


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    lines: list[Line]


def _fit(segments: Iterable[Segment], width: int, fill: str) -> Line:
    out: Line = []
    room = width
    for text, role in segments:
        if room <= 0:
            break
        out.append((text[:room], role))
        room -= len(out[-1][0])
    if room > 0:
        out.append((" " * room, fill))
    return out


def _row(row: Row, width: int, cursor: bool) -> Line:
    parts = [(text, "cursor" if cursor else (role or "menu")) for text, role in row.parts()]
    return _fit(parts, width, "cursor" if cursor else "menu")


def frame_for(session: Session, nav: MenuNavigator, width: int, height: int) -> Frame:
    """The Kconfig screen as it first appears, cell for cell, as (text, role) segments."""
    header = _fit([(text, "header-bold" if bold else "header")
                   for text, bold in status_parts(session)], width, "header")
    tabs = tab_strip(SCREENS[0][0], width)
    frame = [header, _fit([(text, role) for text, role, _ in tabs.labels], width, "tab"),
             _fit(tabs.underline, width, "underline"),
             _fit([(" ", "breadcrumb"), (crumbs(nav), "breadcrumb")], width, "breadcrumb"),
             _fit([], width, "summary")]
    inner = width - 4  # left padding, then the list, its scrollbar and the right padding
    for index in range(max(0, height - MENU_TOP - 1)):
        row = _row(nav.row(index), inner, index == nav.index) if index < len(nav.shown) \
            else _fit([], inner, "menu")
        frame.append([(" ", "menu"), *row, ("  ", "scrollbar"), (" ", "menu")])
    frame.append(_fit([], width, "footer"))
    return Frame(width, height, [_fit(line, width, "menu") for line in frame[:height]])


def plain_text(frame: Frame) -> list[str]:
    return ["".join(text for text, _ in line) for line in frame.lines]


def shows(frame: Frame, screen_lines: list[str]) -> bool:
    """Whether the screen shows the frame, the lines the app fills later aside."""
    later = {SUMMARY_LINE, frame.height - 1}
    return len(screen_lines) == frame.height and all(
        y in later or text == screen_lines[y] for y, text in enumerate(plain_text(frame)))


def role_cells(frame: Frame) -> dict[str, tuple[int, int, str]]:
    """For each role, the cell that shows its colours best: (x, y, the character there).

    The first non-blank cell, so that the foreground is learned too; a role
    that is only ever blank gets its first cell.
    """
    cells: dict[str, tuple[int, int, str]] = {}
    for y, line in enumerate(frame.lines):
        x = 0
        for text, role in line:
            shown = text.lstrip()
            if shown and (role not in cells or cells[role][2] == " "):
                cells[role] = (x + len(text) - len(shown), y, shown[0])
            elif text and role not in cells:
                cells[role] = (x, y, " ")
            x += len(text)
    return cells


def to_ansi(frame: Frame, styles: dict[str, str]) -> str:
    out = ["\x1b[?1049h\x1b[?25l\x1b[H"]
    for y, line in enumerate(frame.lines):
        out.append(f"\x1b[{y + 1};1H")
        for text, role in line:
            sgr = styles.get(role, styles.get("menu", "") if role in ROW_ROLES else "")
            out.append(f"\x1b[0;{sgr}m{text}" if sgr else f"\x1b[0m{text}")
    out.append("\x1b[0m")
    return "".join(out)


# -- colours learned from the app -------------------------------------------------------
def _terminal_key() -> str:
    return json.dumps({k: os.environ.get(k) for k in TERMINAL_ENV}, sort_keys=True)


def styles_path() -> Path:
    return cache_dir() / STYLES_FILE


def _known() -> dict[str, dict[str, str]]:
    """Every terminal type's learned colours; a missing or damaged file counts as none."""
    try:
        known = json.loads(styles_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(known, dict):
        return {}
    return {key: roles for key, roles in known.items() if isinstance(roles, dict)
            and all(isinstance(v, str) for v in roles.values())}


def load_styles() -> dict[str, str]:
    """The SGR parameters per role last learned in this kind of terminal, or plain ones."""
    learned = None if os.environ.get("NO_COLOR") else _known().get(_terminal_key())
    return learned if learned is not None else dict(PLAIN)


def learn(frame: Frame, style_at: Callable[[int, int, str], str | None]) -> bool:
    """Store the app's SGR parameters for each role of `frame`; True if they changed.

    `style_at(x, y, char)` gives the app's style of that cell, or None when
    the app shows something else there (the user already moved on): such
    roles keep what was learned before.
    """
    if os.environ.get("NO_COLOR"):
        return False
    learned = {role: sgr for role, (x, y, char) in role_cells(frame).items()
               if (sgr := style_at(x, y, char)) is not None}
    known, key = _known(), _terminal_key()
    merged = {**known.get(key, {}), **learned}
    if merged == known.get(key):
        return False
    known[key] = merged
    try:
        write_atomic(styles_path(), json.dumps(known, indent=1, sort_keys=True) + "\n", keep_old=False)
    except OSError:
        return False
    return True


# -- the terminal -------------------------------------------------------------------------
@dataclass(frozen=True)
class Painted:
    """The terminal state to give back: echo and line mode, and the main screen if need be."""

    fd: int
    attrs: list

    def restore(self, leave_screen: bool) -> None:
        """`leave_screen`: the app never took over, so the frame is still on the alternate screen."""
        if leave_screen:
            os.write(sys.stdout.fileno(), b"\x1b[0m\x1b[?1049l\x1b[?25h")
        with contextlib.suppress(termios.error):
            termios.tcsetattr(self.fd, termios.TCSANOW, self.attrs)


def wanted() -> bool:
    return (os.environ.get(OFF_SWITCH, "1") != "0" and os.environ.get("TERM", "dumb") != "dumb"
            and sys.stdin.isatty() and sys.stdout.isatty())


def paint(session: Session) -> Painted | None:
    """Paint the first frame on the terminal; None when there is no terminal to paint on."""
    if not wanted():
        return None
    fd = sys.stdin.fileno()
    try:
        width, height = os.get_terminal_size(sys.stdout.fileno())
        attrs = termios.tcgetattr(fd)
    except (OSError, termios.error):
        return None
    quiet = list(attrs)
    quiet[3] &= ~(termios.ECHO | termios.ICANON)  # lflag: keys wait unechoed for the app
    # iflag, as Textual will set it: Enter stays Enter (not ^J), ^S and ^Q stay keys.
    quiet[0] &= ~(termios.ICRNL | termios.INLCR | termios.IGNCR | termios.IXON | termios.IXOFF)
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    frame = frame_for(session, MenuNavigator(session.kconf), width, height)
    os.write(sys.stdout.fileno(), to_ansi(frame, load_styles()).encode("utf-8"))
    return Painted(fd, attrs)

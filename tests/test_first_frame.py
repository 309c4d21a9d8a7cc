"""The first frame: drawn from the session before Textual loads, in a real pseudo-terminal."""

from __future__ import annotations

import json
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from pty_terminal import TEXTUAL_STARTED, Terminal

from flexui import first_frame
from flexui.launch import open_session
from flexui.model.kconfig.menu import MenuNavigator
from flexui.model.kconfig.tree import locate
from flexui.paths import embedded_tree

SEARCH_DIALOG = b"flexos gate, CONFIG_LIBUKSCHED"  # the search input's placeholder, repainted as its cursor blinks


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("TERM", "xterm-256color")
    for var in ("NO_COLOR", "COLORTERM", "TEXTUAL_COLOR_SYSTEM", "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def session(tmp_path):
    import shutil

    app = tmp_path / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app)
    return open_session(app, workdir=locate())[0]


def test_frame_fills_the_terminal_and_puts_the_cursor_on_the_first_entry(session):
    nav = MenuNavigator(session.kconf)
    frame = first_frame.frame_for(session, nav, 90, 20)
    text = first_frame.plain_text(frame)
    assert len(text) == 20 and {len(line) for line in text} == {90}
    assert text[0].startswith("flexui · app redis · embedded tree")
    assert "F2 Kconfig" in text[1] and "F6 Presets" in text[1]
    assert text[3].strip() == nav.breadcrumb()[0]
    rows = [line.strip() for line in text[first_frame.MENU_TOP:first_frame.MENU_TOP + len(nav.shown)]]
    assert rows == [nav.row(i).text().strip() for i in range(len(nav.shown))]
    cursor = [role for _, role in frame.lines[first_frame.MENU_TOP] if role == "cursor"]
    assert cursor and not any(role == "cursor" for line in frame.lines[first_frame.MENU_TOP + 1:]
                              for _, role in line)


@pytest.mark.parametrize("width, height", [(12, 3), (3, 10), (1, 1)])
def test_tiny_terminal_gets_a_cropped_frame(session, width, height):
    frame = first_frame.frame_for(session, MenuNavigator(session.kconf), width, height)
    assert [len(line) for line in first_frame.plain_text(frame)] == [width] * height


def test_learned_colours_belong_to_the_terminal_type_they_were_learned_in(session, monkeypatch):
    frame = first_frame.frame_for(session, MenuNavigator(session.kconf), 90, 20)
    assert first_frame.learn(frame, lambda x, y, char: f"38;5;{y}")
    assert first_frame.load_styles()["cursor"] == f"38;5;{first_frame.MENU_TOP}"
    assert not first_frame.learn(frame, lambda x, y, char: f"38;5;{y}")  # unchanged: no write
    monkeypatch.setenv("TERM", "linux")
    assert first_frame.load_styles() == first_frame.PLAIN
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "1")
    assert first_frame.load_styles() == first_frame.PLAIN


def test_a_role_the_screen_no_longer_shows_keeps_its_colours(session):
    frame = first_frame.frame_for(session, MenuNavigator(session.kconf), 90, 20)
    first_frame.learn(frame, lambda x, y, char: "1")
    first_frame.learn(frame, lambda x, y, char: None if y == first_frame.MENU_TOP else "2")
    styles = first_frame.load_styles()
    assert styles["cursor"] == "1" and styles["header"] == "2"


def test_a_damaged_colour_cache_gives_plain_colours_and_is_rewritten(session):
    path = first_frame.styles_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert first_frame.load_styles() == first_frame.PLAIN
    frame = first_frame.frame_for(session, MenuNavigator(session.kconf), 90, 20)
    assert first_frame.learn(frame, lambda x, y, char: "7")
    assert all(v == "7" for v in next(iter(json.loads(path.read_text()).values())).values())


# -- a real terminal ------------------------------------------------------------------------
def flexui_terminal(app: Path, env: dict[str, str]) -> Terminal:
    """flexui of this checkout on a 100x30 pty."""
    return Terminal([sys.executable, "-m", "flexui", "--app", str(app), "--workdir", str(embedded_tree())],
                    cwd=app, env=env)


@pytest.fixture
def app_copy(tmp_path):
    import shutil

    app = tmp_path / "app"
    shutil.copytree(embedded_tree() / "apps" / "redis", app)
    return app


def test_menu_is_on_the_terminal_before_textual_starts_and_early_keys_reach_the_app(app_copy):
    term = flexui_terminal(app_copy, {})
    try:
        early = term.read_until(b"Architecture Selection")
        assert TEXTUAL_STARTED not in early
        lflag = termios.tcgetattr(term.slave)[3]
        assert not lflag & termios.ECHO, "keys typed while Textual loads would be echoed"
        term.type(b"/")  # typed before the app can read it
        term.read_until(TEXTUAL_STARTED)
        term.read_until(SEARCH_DIALOG)
        term.type(b"\x1b")
        time.sleep(0.3)
        term.type(b"q")
    finally:
        code = term.close()
    assert code == 0
    assert term.after == term.before, "echo and line editing must come back after flexui exits"


def test_enter_typed_while_the_first_frame_is_up_is_enter_in_the_app(app_copy):
    term = flexui_terminal(app_copy, {})
    try:
        early = term.read_until(b"Architecture Selection")
        assert TEXTUAL_STARTED not in early
        term.type(b"\r")  # on the first entry, Architecture Selection: opens it
        term.read_until(TEXTUAL_STARTED)
        term.read_until(b"x86 compatible")
        time.sleep(0.3)
        term.type(b"q")
    finally:
        code = term.close()
    assert code == 0 and term.after == term.before


def test_first_frame_can_be_turned_off(app_copy):
    term = flexui_terminal(app_copy, {first_frame.OFF_SWITCH: "0"})
    try:
        shown = term.read_until(b"Architecture Selection")
        assert TEXTUAL_STARTED in shown.split(b"Architecture Selection")[0]
        time.sleep(0.3)
        term.type(b"q")
    finally:
        code = term.close()
    assert code == 0 and term.after == term.before


def test_colours_learned_in_one_run_paint_the_next_first_frame(app_copy):
    term = flexui_terminal(app_copy, {})
    try:
        term.read_until(TEXTUAL_STARTED)
        deadline = time.monotonic() + 20
        while not first_frame.styles_path().exists() and time.monotonic() < deadline:
            term.drain()  # the app learns once its screen has settled
        term.type(b"q")
    finally:
        assert term.close() == 0
    learned = first_frame.load_styles()
    assert learned != first_frame.PLAIN and "38;5;" in learned["menu"]  # xterm-256color colours
    again = flexui_terminal(app_copy, {})
    try:
        early = again.read_until(b"Architecture Selection").split(TEXTUAL_STARTED)[0]
        assert f"\x1b[0;{learned['cursor']}m".encode() in early
        again.read_until(TEXTUAL_STARTED)
        time.sleep(0.3)
        again.type(b"q")
    finally:
        assert again.close() == 0


def test_the_ui_without_a_terminal_is_one_line_and_exit_2(app_copy):
    done = subprocess.run([sys.executable, "-m", "flexui", "--app", str(app_copy)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("flexui: the terminal UI needs a terminal")
    assert len(done.stderr.strip().splitlines()) == 1

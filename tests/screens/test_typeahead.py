"""Keys typed faster than the screens open (or pasted) land where they were meant, in order."""

from __future__ import annotations

from kconfig_sessions import embedded_session
from session_app import make_app
from textual import events

from flexui.app import FlexApp
from flexui.screens.kconfig.search import SearchDialog
from flexui.screens.safety import SafetyScreen

NAMES = {"/": "slash", "\r": "enter", ".": "full_stop"}


async def settle(pilot, done, seconds: float = 20.0) -> None:
    """Pause until `done()` holds (a loaded machine takes longer to show a screen), or give up."""
    for _ in range(int(seconds / 0.1)):
        if done():
            return
        await pilot.pause(0.1)


def type_ahead(app, text: str) -> None:
    """All of `text` read from the terminal at once, before any of it is handled."""
    for char in text:
        app.post_message(events.Key(NAMES.get(char, char), None if char == "\r" else char))


async def test_the_search_gets_every_letter_typed_right_after_slash(tmp_path):
    app = FlexApp(embedded_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        type_ahead(app, "/ymn")  # y, m and n set a value on the menu: here they are the search
        await settle(pilot, lambda: isinstance(app.screen, SearchDialog) and len(app.screen.query_one(
            "#search-input").value) == 3)
        assert isinstance(app.screen, SearchDialog)
        assert app.screen.query_one("#search-input").value == "ymn"
        assert not app.session.dirty


async def test_a_budget_typed_ahead_sets_the_budget_shows_the_answer_and_loads_nothing(tmp_path):
    app = make_app(tmp_path, mode="kconfig")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = app.session.iso
        app.post_message(events.Key("f4", None))
        type_ahead(app, "b800k\r")
        await settle(pilot, lambda: isinstance(app.screen, SafetyScreen) and app.screen._answer)
        assert isinstance(app.screen, SafetyScreen)
        assert app.screen.query_one("#budget").value == "800k"
        assert app.screen._answer and app.session.iso == before and not app.session.dirty
        await pilot.pause()
        title = app.screen.query_one("#budget-title")
        assert title.region.height and 2 < title.region.y < 12  # the answer scrolled into view

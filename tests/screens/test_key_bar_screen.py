"""The key bar: the screen's keys, clickable, following the screen and its focus."""

from __future__ import annotations

from session_app import make_app

from flexui.screens.key_bar import KeyBar
from flexui.screens.kconfig_search import SearchDialog


def bar_text(app) -> str:
    return str(app.screen.query_one(KeyBar).render())


async def click_label(pilot, app, label: str) -> None:
    text = bar_text(app)
    assert label in text, text
    await pilot.click(KeyBar, offset=(text.index(label), 0))
    await pilot.pause()


async def test_clicking_a_key_does_what_pressing_it_does(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await click_label(pilot, app, "Search")
        assert isinstance(app.screen, SearchDialog)


async def test_the_palette_key_stays_in_view_on_a_narrow_terminal(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert len(text) <= 60 and text.rstrip().endswith("palette")
        await click_label(pilot, app, "^p")
        assert app.screen.__class__.__name__ == "CommandPalette"


async def test_each_screen_shows_its_own_keys(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert "Why?" in bar_text(app)
        await pilot.press("f3")
        await pilot.pause()
        compartments = bar_text(app)
        assert "Why?" not in compartments
        assert any(b.description in compartments
                   for b in type(app.screen).BINDINGS if getattr(b, "show", False))

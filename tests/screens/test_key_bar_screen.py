"""The key bar: the screen's keys, clickable, following the screen and its focus."""

from __future__ import annotations

from session_app import make_app

from flexui.screens.kconfig.search import SearchDialog
from flexui.screens.widgets.key_bar import KeyBar


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


async def test_save_quit_and_help_stay_on_the_bar_at_80_columns(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = bar_text(app)
        assert all(key in text for key in (" s Save ", " q Quit ", " f1 Help ")), text
        assert "Why?" not in text  # made room for them
        await click_label(pilot, app, "Help")
        assert "Help" in type(app.screen).__name__


async def test_the_command_palette_names_commands_in_words_with_their_keys(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        commands = list(app.get_system_commands(app.screen))
        titles = [c.title for c in commands]
        assert "Search" in titles and not any("(" in t and ")" in t and "'" in t for t in titles)
        assert len(titles) == len(set(titles))
        search = next(c for c in commands if c.title == "Search")
        assert search.help == "key: /"

"""A theme chosen in the command palette restyles every screen, also one built before it."""

from __future__ import annotations

from session_app import make_app
from textual.color import Color


async def test_a_new_theme_reaches_the_shown_screen_and_one_built_before_it(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")  # Compartments built and styled in the default theme
        await pilot.pause()
        column = app.screen.query(".column").first()
        await pilot.press("f2")
        await pilot.pause()
        app.theme = "textual-light"
        await pilot.pause()
        assert app.screen.styles.background == Color.parse(app.current_theme.background)
        await pilot.press("f3")
        await pilot.pause()
        assert app.screen.styles.background == Color.parse(app.current_theme.background)
        assert column.styles.border_top[1] == Color.parse(app.current_theme.primary)

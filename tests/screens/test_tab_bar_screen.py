"""The tab bar: one tab per screen, the current one underlined; a click switches."""

from __future__ import annotations

from session_app import make_app

from flexui.screens.widgets.tab_bar import TabBar


def tab_line(app) -> str:
    return str(app.screen.query_one(TabBar).render()).splitlines()[0]


async def test_clicking_a_tab_opens_its_screen_and_underlines_it(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        line = tab_line(app)
        await pilot.click(TabBar, offset=(line.index("F4 Safety"), 0))
        await pilot.pause()
        assert app.current_mode == "safety"
        underline = str(app.screen.query_one(TabBar).render()).splitlines()[1]
        start = tab_line(app).index(" F4 Safety ")
        assert underline[start] == "╸" and underline[start + len(" F4 Safety ") - 1] == "╺"
        await pilot.click(TabBar, offset=(tab_line(app).index("F2 Kconfig"), 1))
        await pilot.pause()
        assert app.current_mode == "kconfig"


async def test_the_kconfig_screen_opens_with_the_menu_focused_not_the_tabs(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.focused is app.screen.menu_list

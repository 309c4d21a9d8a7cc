"""The launcher's first frame shows what the Kconfig screen then paints, cell for cell."""

from __future__ import annotations

import pytest
from session_app import make_app

from flexui import first_frame
from flexui.app import learn_colours, painted_text
from flexui.model.kconfig.menu import MenuNavigator
from flexui.model.presets.preset import load_preset
from flexui.paths import shipped_presets


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)


def screen_lines(app) -> list[str]:
    return painted_text(app.screen)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (48, 12)])
async def test_first_frame_matches_the_kconfig_screen_except_the_estimate_and_footer(tmp_path, size):
    app = make_app(tmp_path)
    frame = first_frame.frame_for(app.session, MenuNavigator(app.session.kconf), *size)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        real = screen_lines(app)
    ours = first_frame.plain_text(frame)
    assert "Architecture Selection" in "".join(ours)
    for y in set(range(size[1])) - {first_frame.SUMMARY_LINE, size[1] - 1}:
        assert ours[y] == real[y], f"line {y} differs"
    assert first_frame.shows(frame, real)


async def test_first_frame_header_says_unsaved_with_a_preset_loaded(tmp_path):
    preset = load_preset(shipped_presets() / "redis-mpk2.yaml", shipped=True)
    app = make_app(tmp_path, preset=preset)
    frame = first_frame.frame_for(app.session, MenuNavigator(app.session.kconf), 100, 30)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        real = screen_lines(app)
    assert "unsaved" in first_frame.plain_text(frame)[0]
    assert first_frame.plain_text(frame)[0] == real[0]


async def test_colours_are_learned_from_the_screen_and_painted_next_time(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert learn_colours(app, app.screen.nav)
        cursor_style = app.screen.menu_list.get_component_rich_style("virtual-list--cursor")
    styles = first_frame.load_styles()
    assert {"header", "header-bold", "tab-active", "cursor", "menu", "submenu"} <= set(styles)
    assert styles["cursor"] != styles["menu"] and styles["submenu"] != styles["menu"]
    assert styles["cursor"].startswith("1;")  # the app's cursor row is bold
    assert cursor_style.bold
    painted = first_frame.to_ansi(first_frame.frame_for(app.session, MenuNavigator(app.session.kconf),
                                                    100, 30), styles)
    assert f"\x1b[0;{styles['cursor']}m Architecture Selection" in painted


async def test_nothing_is_learned_once_the_user_has_moved_on(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        moved = MenuNavigator(app.session.kconf)
        await pilot.press("enter")  # into Architecture Selection
        await pilot.pause()
        assert not learn_colours(app, moved)
    assert first_frame.load_styles() == first_frame.PLAIN


async def test_first_frame_matches_the_kconfig_screen_on_a_real_flexos_tree(real_tree, tmp_path):
    import shutil

    from flexui.app import FlexApp
    from flexui.launch import open_session
    from flexui.model.kconfig.tree import locate

    app_dir = tmp_path / "redis"
    shutil.copytree(real_tree / "apps" / "redis", app_dir,
                    ignore=shutil.ignore_patterns(".config", "*.old", "flexui.mk", "build"))
    session, notes = open_session(app_dir, workdir=locate(workdir=real_tree),
                                  build_dir=tmp_path / "kbuild")
    app = FlexApp(session, notes=notes)
    frame = first_frame.frame_for(session, MenuNavigator(session.kconf), 120, 40)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        real = screen_lines(app)
    assert "Architecture Selection" in "".join(first_frame.plain_text(frame))
    assert first_frame.shows(frame, real)

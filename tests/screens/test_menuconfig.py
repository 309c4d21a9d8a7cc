"""The Kconfig screen on the embedded tree, driven by keys and mouse; checks the written .config."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from kconfig_pilot import (
    config_lines,
    jump,
    menu_screen,
    move_to,
    rows,
    selected,
    selected_name,
    type_text,
)
from kconfig_sessions import embedded_session

from flexui.app import FlexApp, OpenFailedApp
from flexui.model.kconfig.tree import TreeError
from flexui.paths import embedded_tree
from flexui.screens.kconfig.diff import DiffDialog
from flexui.screens.kconfig.explain import WhyNotDialog
from flexui.screens.kconfig.info import InfoDialog
from flexui.screens.kconfig.search import SearchDialog
from flexui.screens.kconfig.value import ValueDialog

SIZE = (110, 36)
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


async def test_navigate_toggle_with_keys_and_mouse_then_save(tmp_path):
    session = embedded_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        screen = menu_screen(app)
        await move_to(pilot, "Library Configuration")
        await pilot.press("enter")
        assert screen.nav.breadcrumb()[-1] == "Library Configuration"
        await move_to(pilot, "uksp: Stack protector")
        assert selected(app).startswith("[ ] uksp: Stack protector")
        await pilot.press("space")
        assert selected(app).startswith("[*] uksp: Stack protector")
        await pilot.press("l")  # now it has entries: l/Enter/right open it
        assert screen.nav.breadcrumb()[-1] == "uksp: Stack protector"
        await pilot.press("h")
        await move_to(pilot, "ubsan: Undefined behaviour sanitizer")
        index = screen.nav.index - screen.menu_list.scroll_offset.y
        await pilot.click(screen.menu_list, offset=(2, index))  # the [ ] box toggles
        await pilot.pause()
        assert session.kconf.syms["LIBUBSAN"].str_value == "y"
        await pilot.press("escape", "s")
        await pilot.pause()
        assert screen.nav.breadcrumb() == [screen.nav.breadcrumb()[0]]
    assert {"CONFIG_LIBUKSP=y", "CONFIG_LIBUBSAN=y"} <= config_lines(session.loaded.config_path)


async def test_int_entry_and_choice_on_the_flexos_symbols(tmp_path):
    session = embedded_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await jump(pilot, "CONFIG_LIBFLEXOS_COMP_HEAP_SIZE")
        await pilot.press("enter", "ctrl+a", "ctrl+k")
        await type_text(pilot, "5")
        await pilot.press("enter")
        assert "outside the range 16-1048576" in str(app.screen.query_one("#value-error").render())
        assert isinstance(app.screen, ValueDialog)
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "4096")
        await pilot.press("enter")
        await pilot.pause()
        assert selected(app).startswith("(4096)")
        await jump(pilot, "MPK gate type")  # a choice: the jump opens it
        assert rows(app)[:2] == ["(X) Private stacks  [108 cycles/crossing, Fig. 11]",
                                 "( ) Shared stacks  [62 cycles/crossing, Fig. 11]"]  # published costs
        await pilot.press("j", "enter")  # pick shared stacks; back to the parent menu
        await pilot.pause()
        assert "MPK gate type (Shared stacks)" in selected(app)
        assert session.kconf.syms["LIBFLEXOS_ENABLE_DSS"].str_value == "n"  # DSS needs private
        await pilot.press("s")
        await pilot.pause()
    lines = config_lines(session.loaded.config_path)
    assert {"CONFIG_LIBFLEXOS_COMP_HEAP_SIZE=4096",
            "CONFIG_LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS=y"} <= lines
    assert "CONFIG_LIBFLEXOS_ENABLE_DSS=y" not in lines


async def test_search_jump_and_back_with_name_prompt_and_help(tmp_path):
    app = FlexApp(embedded_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = menu_screen(app)
        await move_to(pilot, "Build Options")
        await pilot.press("slash")
        dialog = app.screen
        assert isinstance(dialog, SearchDialog)
        await type_text(pilot, "shadow")  # a prompt word ("Data Shadow Stacks")
        assert dialog.matches[0].name == "LIBFLEXOS_ENABLE_DSS"
        assert dialog.matches[0].path == ("Library Configuration", "flexos - FlexOS core libraries")
        assert "help" in [m.field for m in dialog.matches]  # also found in help texts
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "config_libuksp")
        assert dialog.matches[0].name == "LIBUKSP"
        await pilot.press("enter")
        await pilot.pause()
        assert selected_name(app) == "LIBUKSP"
        assert screen.nav.breadcrumb()[-1] == "Library Configuration"
        await pilot.press("b")
        assert selected(app).strip().startswith("Build Options")


async def test_info_view_lists_everything_about_a_symbol(tmp_path):
    app = FlexApp(embedded_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await jump(pilot, "LIBFLEXOS_ENABLE_DSS")
        await pilot.press("question_mark")
        dialog = app.screen
        assert isinstance(dialog, InfoDialog)
        text = str(dialog.query_one("#info-text").render())
        for expected in ("CONFIG_LIBFLEXOS_ENABLE_DSS: Data Shadow Stacks", "Type: bool",
                         "Value: y", "Comes from:", "Depends on (=y):",
                         "LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS(=y)",
                         "unikraft/lib/flexos-core/Config.uk:",
                         "menu: ", "Library Configuration > flexos - FlexOS core libraries"):
            assert expected in text, expected
        assert str(embedded_tree()) not in text  # file names relative to the tree
        await pilot.press("escape")
        await jump(pilot, "LIBUKSP")
        await pilot.press("question_mark")
        text = str(app.screen.query_one("#info-text").render())
        assert "Selects:" in text and "HAVE_STACKPROTECTOR" in text
        await pilot.press("escape")
        await jump(pilot, "LIBREDIS_LUA")
        await pilot.press("question_mark")
        text = str(app.screen.query_one("#info-text").render())
        assert "Selected by:" in text and "Implied by:" in text and "LIBREDIS_SERVER(=y)" in text


async def test_undo_redo_and_diff_with_revert(tmp_path):
    session = embedded_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")  # start from a saved state: the diff is about this session
        await pilot.pause()
        syms = session.kconf.syms
        await jump(pilot, "LIBUKSP")
        await pilot.press("y")
        assert syms["HAVE_STACKPROTECTOR"].str_value == "y"  # the cascade of the select
        await pilot.press("u")
        await pilot.pause()
        assert (syms["LIBUKSP"].str_value, syms["HAVE_STACKPROTECTOR"].str_value) == ("n", "n")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert syms["HAVE_STACKPROTECTOR"].str_value == "y"
        await pilot.press("D")
        dialog = app.screen
        assert isinstance(dialog, DiffDialog)
        names = [c.name for c in dialog.changes]
        assert "LIBUKSP" in names and "HAVE_STACKPROTECTOR" in names
        await move_to_change(pilot, dialog, "LIBUKSP")
        await pilot.press("r")
        await pilot.pause()
        assert dialog.changes == [] and syms["HAVE_STACKPROTECTOR"].str_value == "n"
        await jump_back_to_diff_with_a_change(pilot, app)
        dialog = app.screen
        await pilot.press("tab")  # since opening the session: same change, other reference
        assert "since" in str(dialog.query_one("#diff-title").render())
        assert dialog.reference == "baseline" and "LIBUKDEBUG_PRINTD" in [c.name for c in dialog.changes]
        await pilot.press("escape")
    assert "CONFIG_LIBUKSP=y" not in config_lines(session.loaded.config_path)


async def jump_back_to_diff_with_a_change(pilot, app) -> None:
    await pilot.press("escape")
    await jump(pilot, "LIBUKDEBUG_PRINTD")
    await pilot.press("y", "D")
    await pilot.pause()


async def move_to_change(pilot, dialog, name: str) -> None:
    index = [c.name for c in dialog.changes].index(name)
    await pilot.press(*["j"] * index)


async def test_why_not_enables_the_dependency_chain_after_a_preview(tmp_path):
    session = embedded_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await jump(pilot, "LIBUKSP_VALUE_RANDOM")  # hidden: its choice needs LIBUKSP
        await pilot.press("w")
        dialog = app.screen
        assert isinstance(dialog, WhyNotDialog)
        text = str(dialog.query_one("#why-text").render())
        assert "LIBUKSP(=n)" in text and "unmet" in text
        plan = str(dialog.query_one("#why-plan").render())
        assert "You set:  LIBUKSP=y, LIBUKSP_VALUE_RANDOM=y" in plan
        assert "LIBUKSWRAND" in plan or "HAVE_STACKPROTECTOR" in plan  # the cascade, previewed
        await pilot.press("a")
        await pilot.pause()
        assert selected(app).startswith("(X)")
        await pilot.press("s")
        await pilot.pause()
    assert {"CONFIG_LIBUKSP=y", "CONFIG_LIBUKSP_VALUE_RANDOM=y"} <= config_lines(
        session.loaded.config_path)


async def test_config_with_garbage_lines_opens_with_a_message_naming_the_line(tmp_path):
    session = embedded_session(tmp_path, config="CONFIG_LIBUKDEBUG_PRINTD=y\nthis is not config\n")
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(".config:2:" in m and "not config" in m for m in messages), messages
        assert session.kconf.syms["LIBUKDEBUG_PRINTD"].str_value == "y"  # the good lines still load


async def test_a_config_kraft_yaml_disagrees_with_is_kept_and_K_takes_kraft_yamls_side(tmp_path):
    session = embedded_session(tmp_path, app="flexos-example")
    dss = session.kconf.syms["LIBFLEXOS_ENABLE_DSS"]
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("CONFIG_LIBFLEXOS_ENABLE_DSS is y in .config" in m and "K takes" in m
                   for m in messages), messages
        assert dss.str_value == "y"
        await pilot.press("K")
        await pilot.pause()
        assert dss.str_value == "n" and not session.iso.dss
        await pilot.press("u")
        await pilot.pause()
        assert dss.str_value == "y"


async def test_kconfig_syntax_error_opens_a_screen_naming_file_and_line(tmp_path):
    with pytest.raises(TreeError) as raised:
        embedded_session(tmp_path, app_kconfig='config APP_X\n\tbool "x"\n\tdepends on (\n')
    message = str(raised.value)
    assert "Config.uk:3" in message and "\n" not in message
    app = OpenFailedApp(message)
    async with app.run_test(size=SIZE) as pilot:
        shown = str(app.query_one("#open-failed").render())
        assert "Config.uk:3" in shown and "Traceback" not in shown
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_big_generated_tree_stays_usable(tmp_path):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from gen_big_kconfig import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    session = embedded_session(tmp_path, app_kconfig=generate())
    assert len(session.kconf.unique_defined_syms) > 2000
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await jump(pilot, "BIG_FLAT_00600")
        await pilot.pause()
        assert selected(app) == "[ ] Flat option 599 (NEW)"
        shown = menu_screen(app).menu_list
        top, height = shown.scroll_offset.y, shown.scrollable_content_region.height
        assert top <= shown.cursor < top + height  # the jump target is on screen, not just selected
        await pilot.press("space", "G", "k", "space", "s")
        await pilot.pause()
    assert {"CONFIG_BIG_FLAT_00600=y", "CONFIG_BIG_FLAT_00599=y"} <= config_lines(
        session.loaded.config_path)


def snapshot_app(tmp_path):
    """The embedded redis app at a fixed path, so file names in the views are stable."""
    return FlexApp(embedded_session(tmp_path))


def test_snapshot_main_menu(tmp_path, snap_compare):
    async def open_flexos_menu(pilot):
        await jump(pilot, "LIBFLEXOS_ENABLE_DSS")

    assert snap_compare(snapshot_app(tmp_path), terminal_size=SIZE, run_before=open_flexos_menu)


def test_snapshot_search_results(tmp_path, snap_compare):
    async def search(pilot):
        await pilot.press("slash")
        await type_text(pilot, "stack")
        await pilot.pause()

    assert snap_compare(snapshot_app(tmp_path), terminal_size=SIZE, run_before=search)


def test_snapshot_symbol_info(tmp_path, snap_compare):
    async def info(pilot):
        await jump(pilot, "LIBFLEXOS_ENABLE_DSS")
        await pilot.press("question_mark")

    assert snap_compare(snapshot_app(tmp_path), terminal_size=SIZE, run_before=info)


def test_snapshot_diff_view(tmp_path, snap_compare):
    async def diff(pilot):
        await jump(pilot, "LIBUKSP")
        await pilot.press("s")
        await pilot.pause()
        pilot.app.clear_notifications()  # the "Saved" toast expires on its own clock: keep it out
        await pilot.press("y", "D")
        await pilot.pause()

    assert snap_compare(snapshot_app(tmp_path), terminal_size=SIZE, run_before=diff)

"""The Kconfig screen on the fixture tree: every Kconfig construct, driven by keys and mouse."""

from __future__ import annotations

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
from kconfig_sessions import fixture_session

from flexui.app import FlexApp
from flexui.screens.kconfig.diff import DiffDialog
from flexui.screens.kconfig.explain import WhyNotDialog
from flexui.screens.kconfig.info import InfoDialog
from flexui.screens.kconfig.quit import QuitDialog
from flexui.screens.kconfig.search import SearchDialog
from flexui.screens.kconfig.value import ValueDialog

SIZE = (100, 34)


async def test_vi_keys_and_arrows_walk_menus_with_a_breadcrumb(tmp_path):
    app = FlexApp(fixture_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = menu_screen(app)
        assert rows(app)[1] == "    Core  --->"
        await pilot.press("j")
        await pilot.press("l")  # l enters like Enter and right
        assert screen.nav.breadcrumb() == ["Fixture Configuration", "Core"]
        assert "Core" in str(screen.query_one("#kconfig-breadcrumb").render())
        await pilot.press("down", "down", "k")
        assert selected(app).endswith("Network buffers (NEW)")
        await pilot.press("escape")
        assert screen.nav.breadcrumb() == ["Fixture Configuration"]
        assert selected(app) == "    Core  --->"
        await pilot.press("right", "h")
        await pilot.press("enter", "backspace", "G")
        assert selected(app) == "    Extras  --->"
        await pilot.press("g")
        assert selected_name(app) == "MODULES"


async def test_space_y_n_m_set_values_and_save_writes_them(tmp_path):
    session = fixture_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await pilot.press("space")  # NET on: lwIP appears under it
        assert rows(app)[:2] == ["[*] Networking support", "< >   lwIP TCP/IP stack (NEW)"]
        await pilot.press("j", "m")
        assert selected(app) == "<M>   lwIP TCP/IP stack"
        await pilot.press("space")  # m -> y
        assert selected(app) == "<*>   lwIP TCP/IP stack"
        await pilot.press("n")
        assert selected(app) == "< >   lwIP TCP/IP stack"
        await pilot.press("y", "s")
        await pilot.pause()
    lines = config_lines(session.loaded.config_path)
    assert {"CONFIG_NET=y", "CONFIG_LWIP=y", "CONFIG_SCHED=y", "CONFIG_NETBUF=y"} <= lines


async def test_int_and_hex_entries_are_range_checked_before_they_are_set(tmp_path):
    session = fixture_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await move_to(pilot, "Heap size (MiB)")
        await pilot.press("enter")
        dialog = app.screen
        assert isinstance(dialog, ValueDialog)
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "9999")
        await pilot.press("enter")
        assert "outside the range 1-512" in str(dialog.query_one("#value-error").render())
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "256")
        await pilot.press("enter")
        await pilot.pause()
        assert selected(app) == "(256) Heap size (MiB)"
        await pilot.press("j", "enter")
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "abcd")  # hex without 0x is accepted, like mconf
        await pilot.press("enter")
        await pilot.pause()
        assert selected(app) == "(0xabcd) Base address"
        await pilot.press("s")
        await pilot.pause()
    assert {"CONFIG_HEAP_SIZE=256", "CONFIG_BASE_ADDR=0xabcd"} <= config_lines(
        session.loaded.config_path)


async def test_choice_is_a_radio_list_and_picking_returns_to_the_parent(tmp_path):
    session = fixture_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await move_to(pilot, "Isolation backend")
        await pilot.press("enter")
        assert rows(app) == ["( ) Intel MPK", "(X) Function calls"]
        assert selected(app) == "(X) Function calls"
        await pilot.press("k", "enter")
        assert menu_screen(app).nav.breadcrumb() == ["Fixture Configuration"]
        assert selected(app) == "    Isolation backend (Intel MPK)  --->"
        await pilot.press("s")
        await pilot.pause()
    assert {"CONFIG_BACKEND_MPK=y", "CONFIG_SCHED=y"} <= config_lines(session.loaded.config_path)


async def test_show_all_show_name_and_show_help_modes(tmp_path):
    app = FlexApp(fixture_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = menu_screen(app)
        assert not any("ALWAYS_ON" in r for r in rows(app))
        await pilot.press("a")
        assert "-*- <ALWAYS_ON>" in rows(app)  # promptless: shown by name, pinned
        assert "(show-all" in str(screen.query_one("#kconfig-breadcrumb").render())
        await pilot.press("c")
        assert rows(app)[0] == "[*] <MODULES> Enable loadable module support (NEW)"
        await pilot.press("f")
        helpbox = screen.query_one("#kconfig-helpbox")
        assert helpbox.display
        assert "Lets tristate options be built as modules." in str(helpbox.render())
        await pilot.press("a", "c", "H")
        assert not helpbox.display
        assert rows(app)[0] == "[*] Enable loadable module support (NEW)"


async def test_mouse_click_selects_and_a_click_on_the_value_box_toggles(tmp_path):
    session = fixture_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        menu_list = menu_screen(app).menu_list
        await pilot.click(menu_list, offset=(20, 1))  # the "Core" row, on its prompt
        assert selected(app) == "    Core  --->"
        await pilot.click(menu_list, offset=(20, 1), times=2)  # double click enters
        assert menu_screen(app).nav.breadcrumb()[-1] == "Core"
        await pilot.click(menu_list, offset=(2, 0))  # the [ ] box of "Networking support"
        await pilot.pause()
        assert session.kconf.syms["NET"].str_value == "y"
        assert selected(app) == "[*] Networking support"


async def test_search_by_name_prompt_and_help_then_jump_and_come_back(tmp_path):
    app = FlexApp(fixture_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = menu_screen(app)
        await move_to(pilot, "Extras")
        await pilot.press("slash")
        dialog = app.screen
        assert isinstance(dialog, SearchDialog)
        await type_text(pilot, "collected interface")  # two words from a help text
        assert [m.name for m in dialog.matches] == ["EXTRA_STATS"]
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "CONFIG_LWIP")
        assert dialog.matches[0].name == "LWIP" and dialog.matches[0].path_text == "Core"
        await pilot.press("enter")
        await pilot.pause()
        assert selected_name(app) == "LWIP"  # hidden, so show-all was turned on to show it
        assert screen.nav.show_all
        await pilot.press("b")  # back to where the jump started
        assert selected(app) == "    Extras  --->"
        await pilot.press("slash")
        assert app.screen.query_one("#search-input").value == "CONFIG_LWIP"  # the last search
        await pilot.press("escape")
        assert isinstance(app.screen, type(screen))


async def test_info_shows_type_value_source_deps_selects_and_definition(tmp_path):
    app = FlexApp(fixture_session(tmp_path, config="CONFIG_NET=y\n"))
    async with app.run_test(size=SIZE) as pilot:
        await jump(pilot, "LWIP")
        await pilot.press("question_mark")
        dialog = app.screen
        assert isinstance(dialog, InfoDialog)
        text = str(dialog.query_one("#info-text").render())
        for expected in ("CONFIG_LWIP: lwIP TCP/IP stack", "Type: tristate", "Value: n",
                         "Comes from: no default applies", "A small TCP/IP stack.",
                         "NET(=y)", "Selects:", "SCHED", "Implies:", "TIMER_WHEEL",
                         "menu: Fixture Configuration > Core"):
            assert expected in text
        await pilot.press("escape")
        await jump(pilot, "SCHED")
        await pilot.press("question_mark")
        assert "Selected by:" in str(app.screen.query_one("#info-text").render())


async def test_undo_and_redo_revert_a_change_with_its_cascade(tmp_path):
    session = fixture_session(tmp_path, config="CONFIG_NET=y\n")
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await jump(pilot, "LWIP")
        await pilot.press("y")
        syms = session.kconf.syms
        assert (syms["LWIP"].str_value, syms["SCHED"].str_value) == ("y", "y")
        await pilot.press("u")
        await pilot.pause()
        assert (syms["LWIP"].str_value, syms["SCHED"].str_value) == ("n", "n")
        assert selected(app) == "< >   lwIP TCP/IP stack (NEW)"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert (syms["LWIP"].str_value, syms["SCHED"].str_value) == ("y", "y")
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert syms["SCHED"].str_value == "n"


async def test_diff_lists_changes_since_save_and_reverts_one(tmp_path):
    session = fixture_session(tmp_path, config="CONFIG_NET=y\n")
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await jump(pilot, "LWIP")
        await pilot.press("y")
        await jump(pilot, "HOSTNAME")
        await pilot.press("enter", "ctrl+a", "ctrl+k")
        await type_text(pilot, "box")
        await pilot.press("enter")
        await pilot.press("D")
        dialog = app.screen
        assert isinstance(dialog, DiffDialog)
        assert [c.name for c in dialog.changes] == ["HOSTNAME", "LWIP", "NETBUF", "SCHED",
                                                     "TIMER_WHEEL"]
        await pilot.press("r")  # HOSTNAME back to its saved value
        await pilot.pause()
        assert session.kconf.syms["HOSTNAME"].str_value == "unikraft"
        assert [c.name for c in dialog.changes] == ["LWIP", "NETBUF", "SCHED", "TIMER_WHEEL"]
        await pilot.press("j")  # NETBUF follows LWIP's select: reverting it alone is refused
        await pilot.press("r")
        await pilot.pause()
        assert session.kconf.syms["NETBUF"].str_value == "y"
        assert any("NETBUF stays y" in n.message for n in app._notifications)
        await pilot.press("escape", "s")
        await pilot.pause()
        await pilot.press("D")
        assert app.screen.changes == []
        await pilot.press("tab")  # since opening: the saved changes are still listed
        assert "LWIP" in [c.name for c in app.screen.changes]


async def test_why_not_shows_unmet_terms_and_applies_the_chain_as_one_step(tmp_path):
    session = fixture_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await jump(pilot, "DRIVER_VIRTIO")
        await pilot.press("space")  # locked: a hint instead of a change
        assert any("press w to see why" in n.message for n in app._notifications)
        await pilot.press("w")
        dialog = app.screen
        assert isinstance(dialog, WhyNotDialog)
        text = str(dialog.query_one("#why-text").render())
        assert "NET(=n)" in text and "unmet" in text and "MODULES(=y)" in text
        plan = str(dialog.query_one("#why-plan").render())
        assert "You set:  NET=y, DRIVER_VIRTIO=y" in plan
        await pilot.press("a")
        await pilot.pause()
        assert session.kconf.syms["DRIVER_VIRTIO"].str_value == "y"
        await pilot.press("u")
        await pilot.pause()
        assert session.kconf.syms["NET"].str_value == "n"  # the whole chain was one step
        await pilot.press("ctrl+y", "s")
        await pilot.pause()
    assert {"CONFIG_NET=y", "CONFIG_DRIVER_VIRTIO=y"} <= config_lines(session.loaded.config_path)


async def test_load_and_save_minimal_config_through_path_prompts(tmp_path):
    session = fixture_session(tmp_path)
    other = tmp_path / "other.config"
    other.write_text("CONFIG_NET=y\nCONFIG_HEAP_SIZE=100\n")
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "missing")
        await pilot.press("enter")
        assert "does not exist" in str(app.screen.query_one("#path-error").render())
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "../other.config")  # relative to the app directory
        await pilot.press("enter")
        await pilot.pause()
        assert session.kconf.syms["HEAP_SIZE"].str_value == "100"
        await pilot.press("d", "ctrl+a", "ctrl+k")
        await type_text(pilot, "defconfig")  # relative to the app directory
        await pilot.press("enter")
        await pilot.pause()
    minimal = (tmp_path / "app" / "defconfig").read_text()
    assert "CONFIG_HEAP_SIZE=100" in minimal and "CONFIG_NET=y" in minimal
    assert "CONFIG_BASE_ADDR" not in minimal  # defaults are left out


async def test_quit_asks_only_when_there_are_unsaved_changes(tmp_path):
    session = fixture_session(tmp_path)
    app = FlexApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter", "space", "q")
        assert isinstance(app.screen, QuitDialog)
        await pilot.press("escape")
        assert not isinstance(app.screen, QuitDialog) and app.is_running
        await pilot.press("escape", "escape")  # Esc in the top menu also asks
        assert isinstance(app.screen, QuitDialog)
        await pilot.press("s")
        await pilot.pause()
    assert not app.is_running
    assert "CONFIG_NET=y" in config_lines(session.loaded.config_path)
    clean = FlexApp(fixture_session(tmp_path / "clean"))
    async with clean.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert not clean.is_running

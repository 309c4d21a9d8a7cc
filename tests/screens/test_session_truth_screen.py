"""One session, one truth: what a user saw go wrong (issue 12), driven with keys and the mouse."""

from __future__ import annotations

import json

import yaml
from kconfig_pilot import jump
from session_app import make_app, sample_app_copy

from flexui.app import FlexApp
from flexui.launch import open_session
from flexui.model.kconfig.tree import locate
from flexui.screens.compartments import CompartmentsScreen
from flexui.screens.kconfig.quit import QuitDialog

SIZE = (120, 34)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def unsaved(pilot, app) -> None:
    app.session.set_value(app.session.kconf.syms["LIBUKDEBUG_PRINTD"], "y")
    await settle(pilot)
    assert app.session.dirty


async def test_every_quit_key_asks_on_every_screen_when_there_are_unsaved_changes(tmp_path):
    for mode in ("kconfig", "compartments", "safety", "build", "presets"):
        for key in ("ctrl+q", "q"):
            app = make_app(tmp_path / f"{mode}-{key}", mode=mode)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                await unsaved(pilot, app)
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, QuitDialog), (mode, key)
                await pilot.press("escape")  # stay
                await settle(pilot)
                assert not isinstance(app.screen, QuitDialog) and app.is_running, (mode, key)


async def test_quit_from_the_palette_asks_and_the_mouse_can_discard(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unsaved(pilot, app)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"quit")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, QuitDialog)
        await pilot.click("#discard")
        await settle(pilot)
    assert not app.is_running and not (app.session.app_dir / ".config").exists()  # nothing saved


async def test_save_and_quit_writes_first(tmp_path):
    app = make_app(tmp_path, mode="build")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unsaved(pilot, app)
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.click("#save")
        await settle(pilot)
    assert "CONFIG_LIBUKDEBUG_PRINTD=y" in (app.session.app_dir / ".config").read_text()


async def test_first_visit_to_compartments_keeps_the_backend_chosen_in_kconfig(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await jump(pilot, "LIBFLEXOS_VMEPT")
        await pilot.press("space")
        await settle(pilot)
        assert app.session.iso.driver == "vmept"
        await pilot.click("TabBar", offset=(16, 0))  # the mouse on "F3 Compartments"
        await settle(pilot)
        assert isinstance(app.screen, CompartmentsScreen)
        assert app.session.iso.driver == "vmept"
        assert app.session.kconf.syms["LIBFLEXOS_VMEPT"].str_value == "y"
        assert not [label for label in app.session.history.labels() if label.startswith("mechanism")]
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert app.session.iso.driver == "vmept"


async def test_a_kconfig_edit_survives_an_isolation_edit(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await jump(pilot, "LIBUBSAN")
        await pilot.press("y")
        await settle(pilot)
        assert app.session.kconf.syms["LIBUBSAN"].str_value == "y"
        await pilot.press("f3")
        await settle(pilot)
        app.screen.select("lwip")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("end", *["backspace"] * 5, *"net", "enter")
        await settle(pilot)
        assert "net" in [c.name for c in app.session.iso.compartments]
        assert app.session.kconf.syms["LIBUBSAN"].str_value == "y"


async def test_a_library_switched_off_in_kconfig_leaves_the_compartments_and_undo_brings_it_back(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await jump(pilot, "LIBLWIP")
        await pilot.press("n")  # redis selects lwip: "why can't I change this?" and its fix
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert app.session.kconf.syms["LIBLWIP"].str_value == "n"
        assert any("lwip leaves comp2" in n.message for n in app._notifications)
        await pilot.press("f3")
        await settle(pilot)
        assert not app.screen.query("#lib-lwip") and app.screen.query("#lib-redis")
        assert "lwip" not in app.session.iso.libraries
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.screen.query("#lib-lwip") and app.session.iso.compartment_of("lwip") == "comp2"
        await pilot.press("s")
        await settle(pilot)
    kraft = yaml.safe_load((app.session.app_dir / "kraft.yaml").read_text())
    assert "lwip" in kraft["libraries"] and "CONFIG_LIBLWIP=y" in (app.session.app_dir / ".config").read_text()


async def test_run_describes_the_built_image_and_says_when_the_session_differs(tmp_path):
    app = make_app(tmp_path, mode="build")
    build = app.session.app_dir / "build"
    build.mkdir()
    (build / "redis_kvm-x86_64").write_bytes(b"")
    kraft = (app.session.app_dir / "kraft.yaml").read_text()
    (build / "flexui-build.json").write_text(json.dumps({"inputs": {"kraft.yaml": kraft}}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one("#build-status").render())
        assert "redis_kvm-x86_64" in status and "differs" not in status
        app.session.set_driver("fcalls")
        await settle(pilot)
        status = str(app.screen.query_one("#build-status").render())
        assert "the session differs from this image" in status and "fcalls" in status


async def test_m_cycles_the_mechanism_and_dss_comes_back_with_mpk(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if not app.session.iso.dss:
            await pilot.press("D")
            await settle(pilot)
        assert app.session.iso.dss and app.session.iso.driver == "intel-pku"
        await pilot.press("m", "m", "m")
        await settle(pilot)
        assert app.session.iso.driver == "intel-pku" and app.session.iso.dss
        assert app.session.kconf.syms["LIBFLEXOS_ENABLE_DSS"].str_value == "y"


async def test_setting_a_default_compartment_keeps_tlsf_where_it_is_and_says_so(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.session.iso.compartment_of("tlsf")
        await pilot.click("#lib-lwip")
        await pilot.press("d")
        await settle(pilot)
        assert app.session.iso.default_compartment.name == "comp2"
        assert app.session.iso.compartment_of("tlsf") == before
        assert any("tlsf stays in" in n.message for n in app._notifications)


async def test_a_library_in_an_undeclared_compartment_shows_flagged(tmp_path):
    app_dir = sample_app_copy(tmp_path)
    doc = yaml.safe_load((app_dir / "kraft.yaml").read_text())
    doc["libraries"]["lwip"]["compartment"] = "ghost"
    (app_dir / "kraft.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    session, notes = open_session(app_dir, workdir=locate(), build_dir=tmp_path / "kbuild")
    app = FlexApp(session, mode="compartments", notes=notes)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        column = app.screen.query_one("#comp-ghost")
        assert column.has_class("-undeclared") and column.query("#lib-lwip")
        assert "not declared" in str(column.query_one(".column-title").render())
        assert column.query_one("#lib-lwip").has_class("-problem")
        await pilot.click("#lib-lwip")
        await pilot.press("1")  # moves it to a declared compartment
        await settle(pilot)
        assert app.session.iso.compartment_of("lwip") == "comp1" and not app.screen.query("#comp-ghost")


async def test_a_bad_config_line_is_reported_once(tmp_path):
    app_dir = sample_app_copy(tmp_path)
    (app_dir / ".config").write_text("CONFIG_LIBUKDEBUG_PRINTD=y\nthis is not config\n")
    session, notes = open_session(app_dir, workdir=locate(), build_dir=tmp_path / "kbuild")
    app = FlexApp(session, notes=notes)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        said = [n.message for n in app._notifications if ".config:2:" in n.message]
        assert len(said) == 1, said


async def test_the_kconfig_estimate_line_stays_plain_after_visiting_compartments(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = app.screen.query_one("#safety-summary")
        assert not line.styles.text_style.bold
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen.query_one("#safety-summary").styles.text_style.bold  # its own style
        await pilot.press("f2")
        await settle(pilot)
        assert not app.screen.query_one("#safety-summary").styles.text_style.bold

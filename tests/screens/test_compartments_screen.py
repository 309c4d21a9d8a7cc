"""The Compartments screen on the embedded redis app: real mouse drags, keyboard moves, saved kraft.yaml."""

from __future__ import annotations

import yaml
from session_app import make_app, sample_app_copy

from flexui.app import FlexApp
from flexui.launch import open_session
from flexui.model.kconfig.tree import locate
from flexui.model.presets.preset import load_preset
from flexui.paths import shipped_presets
from flexui.screens.compartments import CompartmentsScreen
from flexui.screens.widgets.dialogs import NameDialog

SIZE = (120, 34)


def placement(app) -> dict[str, str]:
    data = yaml.safe_load((app.session.app_dir / "kraft.yaml").read_text())
    return {name: (spec or {}).get("compartment") for name, spec in data["libraries"].items()}


async def drag(pilot, chip: str, target: str, *, release: bool = True) -> None:
    """Press on a chip, move over the target in two steps, release: what a user's mouse does."""
    await pilot.mouse_down(f"#lib-{chip}", offset=(2, 0))
    await pilot.hover(f"#lib-{chip}", offset=(6, 1))
    await pilot.hover(target, offset=(4, 3))
    if release:
        await pilot.mouse_up(target, offset=(4, 3))
    await pilot.pause()


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_mouse_drag_moves_a_library_and_save_writes_kraft_yaml(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CompartmentsScreen)
        await drag(pilot, "redis", "#comp-comp2")
        await settle(pilot)
        assert app.session.iso.compartment_of("redis") == "comp2"
        assert "redis" in str(app.screen.query_one("#comp-comp2").query_one("#lib-redis").render())
        await pilot.press("s")
        await settle(pilot)
    assert placement(app)["redis"] == "comp2" and placement(app)["lwip"] == "comp2"


async def test_target_is_highlighted_while_dragging_and_nothing_moves_before_release(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await drag(pilot, "newlib", "#comp-comp2", release=False)
        assert app.screen.query_one("#comp-comp2").has_class("-drop-target")
        assert app.screen.query_one("#lib-newlib").has_class("-dragging")
        assert app.session.iso.compartment_of("newlib") == "comp1"
        await pilot.mouse_up("#comp-comp2", offset=(4, 3))
        await settle(pilot)
        assert not app.screen.query("DragGhost")
        assert app.session.iso.compartment_of("newlib") == "comp2"


async def test_dropping_on_the_new_zone_offers_a_new_compartment(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await drag(pilot, "newlib", "#new-compartment")
        assert isinstance(app.screen, NameDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.iso.compartment_of("newlib") == "comp3"
        await pilot.press("s")
        await settle(pilot)
    assert placement(app)["newlib"] == "comp3"


async def test_scheduler_moves_with_its_partner_and_the_user_is_told(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await drag(pilot, "uksched", "#comp-comp2")
        await settle(pilot)
        assert app.session.iso.compartment_of("ukschedcoop") == "comp2"
        assert any("ukschedcoop moves with uksched" in n.message for n in app._notifications)


async def test_keyboard_select_move_harden_and_undo(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.select("tlsf")
        await pilot.press("down", "down")  # tlsf -> pthread-embedded -> newlib
        assert screen.selected == "newlib"
        await pilot.press("2")
        await settle(pilot)
        assert app.session.iso.compartment_of("newlib") == "comp2"
        await pilot.press("shift+left")
        await settle(pilot)
        assert app.session.iso.compartment_of("newlib") == "comp1"
        await pilot.press("space")
        await settle(pilot)
        syms = app.session.kconf.syms
        assert app.session.iso.libraries["newlib"].hardening.all
        assert (syms["LIBUBSAN"].str_value, syms["LIBKASAN"].str_value, syms["LIBUKSP"].str_value) == ("y",) * 3
        assert "[UKP]" in str(screen.query_one("#lib-newlib").render())
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert not app.session.iso.libraries["newlib"].hardening.any
        assert syms["LIBUBSAN"].str_value == "n"


async def test_mechanism_change_follows_into_kconfig(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        syms = app.session.kconf.syms
        assert syms["LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS"].str_value == "y"
        assert syms["LIBFLEXOS_ENABLE_DSS"].str_value == "n"
        await pilot.press("m")
        await settle(pilot)
        assert syms["LIBFLEXOS_VMEPT"].str_value == "y"
        assert "VM/EPT" in str(app.screen.query_one("#mechanism-note").render())


async def test_validation_is_shown_next_to_the_compartment(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.select("redis")
        await pilot.press("n")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("1")  # redis back to comp1: comp3 is left empty, which kraft ignores
        await settle(pilot)
        column = app.screen.query_one("#comp-comp3")
        assert "comp3" in str(column.query_one(".column-problems").render())
        shown = str(app.screen.query_one("#problems").render())
        assert shown.startswith("warnings") and "kraft ignores it" in shown


def test_snapshot_mid_drag(tmp_path, snap_compare):
    async def mid_drag(pilot):
        await settle(pilot)
        await drag(pilot, "redis", "#comp-comp2", release=False)

    assert snap_compare(make_app(tmp_path, mode="compartments"), terminal_size=SIZE, run_before=mid_drag)


def test_snapshot_with_validation_errors(tmp_path, snap_compare):
    async def errors(pilot):
        await settle(pilot)
        pilot.app.screen.select("tlsf")
        await pilot.press("n", "enter")
        await settle(pilot)
        pilot.app.screen.select("tlsf")
        await pilot.press("1")
        await settle(pilot)

    assert snap_compare(make_app(tmp_path, mode="compartments"), terminal_size=SIZE, run_before=errors)


def compartments_in(app) -> list[tuple[str, bool]]:
    data = yaml.safe_load((app.session.app_dir / "kraft.yaml").read_text())
    return [(c["name"], bool(c.get("default"))) for c in data["compartments"]]


async def test_rename_set_default_and_remove_by_keys_are_saved_and_the_default_stays(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.select("lwip")
        await pilot.press("r")
        assert isinstance(app.screen, NameDialog)
        await pilot.press("end", "ctrl+u", *"net", "enter")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert "★ default" in str(app.screen.query_one("#comp-net .column-title").render())
        await pilot.press("x")  # lwip is selected: its compartment is now the default, which stays
        await settle(pilot)
        assert isinstance(app.screen, CompartmentsScreen)
        assert any("cannot be removed" in n.message for n in app._notifications)
        app.screen.select("redis")
        await pilot.press("x", "y")
        await settle(pilot)
        assert [c.name for c in app.session.iso.compartments] == ["net"]
        assert set(app.screen.query_one("#comp-net").query("LibraryChip").results()) == set(
            app.screen.query("LibraryChip").results())
        await pilot.press("s")
        await settle(pilot)
    assert compartments_in(app) == [("net", True)]
    assert placement(app)["redis"] == "net" and set(placement(app).values()) <= {"net", None}
    assert "CONFIG_LIBFLEXOS_INTELPKU=y" in (app.session.app_dir / ".config").read_text()


async def test_a_library_switched_on_in_kconfig_joins_the_default_compartment_and_is_said(tmp_path):
    # A kraft.yaml that places no library: the Makefile's LIBS say what Kconfig sees.
    app_dir = sample_app_copy(tmp_path)
    doc = yaml.safe_load((app_dir / "kraft.yaml").read_text())
    names = [n for n, e in doc.pop("libraries").items() if not (e or {}).get("is_core")]
    (app_dir / "kraft.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (app_dir / "Makefile").write_text("LIBS := " + ":".join(f"$(UK_LIBS)/{n}" for n in
                                                           [*names, "iperf"]) + "\n")
    session, notes = open_session(app_dir, workdir=locate(), build_dir=tmp_path / "kbuild")
    app = FlexApp(session, mode="compartments", notes=notes)
    async with app.run_test(size=SIZE) as pilot:
        app.session.set_many({"LIBIPERF": "y"}, "enable iperf")
        await settle(pilot)
        chip = app.screen.query_one("#comp-comp1").query_one("#lib-iperf")
        assert not chip.has_class("-unplaced")
        assert any("iperf joins comp1" in n.message for n in app._notifications)
        await drag(pilot, "iperf", "#comp-comp2")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
    assert placement(app)["iperf"] == "comp2"


async def test_arrow_keys_walk_the_columns_at_80x24_and_scroll_them_into_view(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(2):  # comp3 is left empty, redis ends in comp4, beyond the right edge
            app.screen.select("redis")
            await pilot.press("n", "enter")
            await settle(pilot)
        app.screen.select("tlsf")
        await pilot.press("right")
        assert isinstance(app.screen, CompartmentsScreen) and app.screen.selected == "lwip"
        await pilot.press("right")
        await settle(pilot)
        assert app.screen.selected == "redis"
        chip = app.screen.query_one("#comp-comp4").query_one("#lib-redis")
        assert app.screen.query_one("#columns").scroll_x > 0
        assert chip.region.right <= 80 and chip.region.x >= 0
        await pilot.press("left", "left")  # same row in each column: the first library of comp1
        await settle(pilot)
        assert app.screen.selected == "uksched"
        assert app.screen.query_one("#columns").scroll_x == 0


async def test_escape_cancels_a_drag_and_nothing_moves(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await drag(pilot, "newlib", "#comp-comp2", release=False)
        await pilot.press("escape")
        await pilot.mouse_up("#comp-comp2", offset=(4, 3))
        await settle(pilot)
        assert app.session.iso.compartment_of("newlib") == "comp1"
        assert not app.screen.query("DragGhost") and not app.screen.query(".-drop-target")


async def test_with_three_compartments_at_80x24_the_new_zone_stays_whole_and_takes_a_drop(tmp_path):
    app = make_app(tmp_path, mode="compartments",
                   preset=load_preset(shipped_presets() / "redis-mpk3.yaml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        zone = app.screen.query_one("#new-compartment").region
        assert zone.width >= 14 and zone.right <= 80
        await drag(pilot, "newlib", "#new-compartment")
        assert isinstance(app.screen, NameDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.iso.compartment_of("newlib") == "comp4"


async def test_dss_checkbox_is_marked_only_when_on_so_no_color_tells_them_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dss = app.screen.query_one("#dss")
        assert dss.value and "X" in str(dss.render())
        await pilot.press("D")
        await settle(pilot)
        assert not app.session.iso.dss and not dss.value and "X" not in str(dss.render())


async def test_an_edit_repaints_only_what_it_changed(tmp_path):
    """A move or a hardening toggle keeps every other chip and column as it was (scroll, hover, focus)."""
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        columns = {w.comp_name: w for w in screen.query("CompartmentColumn")}
        chips = {w.lib.name: w for w in screen.query("LibraryChip")}
        screen.select("newlib")
        await pilot.press("shift+right")
        await settle(pilot)
        assert app.session.iso.compartment_of("newlib") == "comp2"
        assert "newlib" in str(screen.query_one("#comp-comp2").query_one("#lib-newlib").render())
        assert {w.comp_name: w for w in screen.query("CompartmentColumn")} == columns
        after = {w.lib.name: w for w in screen.query("LibraryChip")}
        assert {n for n in chips if after[n] is not chips[n]} == {"newlib"}
        await pilot.press("U")
        await settle(pilot)
        assert "[U--]" in str(screen.query_one("#lib-newlib").render())
        assert {w.lib.name: w for w in screen.query("LibraryChip")} == after


async def test_clicking_a_chip_selects_it_and_the_keys_move_that_one(tmp_path):
    app = make_app(tmp_path, mode="compartments")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#lib-lwip")
        await settle(pilot)
        assert app.screen.query_one("#lib-lwip").has_class("-selected")
        assert [w.lib.name for w in app.screen.query("LibraryChip.-selected")] == ["lwip"]
        before = app.session.iso.compartment_of("lwip")
        await pilot.press("shift+left")
        await settle(pilot)
        assert app.session.iso.compartment_of("lwip") != before

"""The Compartments screen on the embedded redis app: real mouse drags, keyboard moves, saved kraft.yaml."""

from __future__ import annotations

import yaml
from session_app import make_app

from flexui.screens.compartments import CompartmentsScreen
from flexui.screens.dialogs import NameDialog

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
        assert any("ukschedcoop moved with uksched" in n.message for n in app._notifications)


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
        await pilot.press("1")  # redis back to comp1: comp3 is left empty
        await settle(pilot)
        column = app.screen.query_one("#comp-comp3")
        assert "comp3" in str(column.query_one(".column-problems").render())
        assert "problem(s) to fix" in str(app.screen.query_one("#problems").render())


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

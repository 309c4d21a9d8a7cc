import pytest
from kconfig_fixture import load_fixture, node

from flexui.model.kconfig import menu
from flexui.model.kconfig.menu import (
    MenuNavigator,
    Row,
    make_row,
    parse_entry,
    shown_nodes,
)


def texts(nav: MenuNavigator) -> list[str]:
    return [nav.row(i).text() for i in range(len(nav.shown))]


def enter(nav: MenuNavigator, prompt: str) -> None:
    index = next(i for i, n in enumerate(nav.shown) if n.prompt and n.prompt[0] == prompt)
    nav.select(index)
    assert nav.enter()


def test_top_menu_reads_like_menuconfig():
    nav = MenuNavigator(load_fixture())
    assert texts(nav) == [
        "[*] Enable loadable module support (NEW)",
        "    Core  --->",
        "    Isolation backend (Function calls)  --->",
        "[ ] Optional features (NEW)  ----",
        "    Extras  --->",
    ]


def test_values_of_every_type_and_dependent_entries_indented():
    kconf = load_fixture()
    kconf.syms["NET"].set_value(2)
    kconf.syms["LWIP"].set_value(1)
    nav = MenuNavigator(kconf)
    enter(nav, "Core")
    assert texts(nav) == [
        "[*] Networking support",
        "<M>   lwIP TCP/IP stack",
        "< >     IPv6 (NEW)",
        "{M} Network buffers (NEW)",
        "-*- Cooperative scheduler (NEW)",
        "[*] Timer wheel (NEW)",
        "(64) Heap size (MiB) (NEW)",
        "(0x2000) Base address (NEW)",
        "(unikraft) Host name (NEW)",
        "< > virtio network driver (NEW)",
        "[ ] Expert mode (NEW)",
    ]
    kconf.syms["LWIP"].set_value(2)
    nav.refresh()
    assert nav.row(3).text() == "-*- Network buffers (NEW)"


def test_new_marks_only_symbols_missing_from_the_loaded_config():
    nav = MenuNavigator(load_fixture("CONFIG_NET=y\n# CONFIG_EXPERT is not set\n"))
    enter(nav, "Core")
    by_label = {nav.row(i).label: nav.row(i) for i in range(len(nav.shown))}
    assert not by_label["Networking support"].new
    assert not by_label["Expert mode"].new
    assert by_label["Heap size (MiB)"].new


def test_show_all_reveals_hidden_entries_and_show_name_adds_names():
    nav = MenuNavigator(load_fixture())
    assert all(n.item.name != "ALWAYS_ON" for n in nav.shown if hasattr(n.item, "name"))
    assert nav.toggle_show_all()
    hidden = [nav.row(i) for i in range(len(nav.shown)) if not nav.row(i).visible]
    assert "<ALWAYS_ON>" in [r.name for r in hidden]
    assert "Hidden menu" in [r.label for r in hidden]
    nav.toggle_show_name()
    assert nav.row(0).text() == "[*] <MODULES> Enable loadable module support (NEW)"


def test_comment_shows_only_while_its_dependency_holds():
    kconf = load_fixture()
    core = next(n for n in shown_nodes(kconf.top_node) if n.prompt and n.prompt[0] == "Core")
    labels = [make_row(n).label for n in shown_nodes(core)]
    assert "*** Drivers need networking ***" in labels
    kconf.syms["NET"].set_value(2)
    assert "*** Drivers need networking ***" not in [make_row(n).label for n in shown_nodes(core)]


def test_enter_and_leave_keep_the_position_and_breadcrumb():
    nav = MenuNavigator(load_fixture())
    enter(nav, "Core")
    assert nav.breadcrumb() == ["Fixture Configuration", "Core"]
    nav.move(3)
    assert nav.leave()
    assert nav.selected.prompt[0] == "Core"
    assert nav.breadcrumb() == ["Fixture Configuration"]
    assert not nav.leave()


def test_empty_menus_cannot_be_entered_and_choices_open_on_their_selection():
    nav = MenuNavigator(load_fixture())
    nav.select(3)  # Optional features: off, so its menu is empty
    assert not nav.enter()
    enter(nav, "Isolation backend")
    assert nav.selected.item.name == "BACKEND_NONE"
    assert [nav.row(i).value for i in range(len(nav.shown))] == ["( )", "(X)"]


def test_menu_that_empties_while_open_is_left():
    kconf = load_fixture()
    kconf.syms["FEATURES"].set_value(2)
    nav = MenuNavigator(kconf)
    enter(nav, "Optional features")
    kconf.syms["FEATURES"].set_value(0)
    nav.refresh()
    assert nav.menu is kconf.top_node
    assert nav.selected.item.name == "FEATURES"


def test_jump_to_hidden_symbol_turns_on_show_all_and_back_returns():
    kconf = load_fixture()
    nav = MenuNavigator(kconf)
    nav.select(4)
    nav.jump_to(node(kconf, "LWIP"))
    assert nav.show_all
    assert nav.selected.item.name == "LWIP"
    assert nav.breadcrumb() == ["Fixture Configuration", "Core"]
    assert nav.back()
    assert nav.menu is kconf.top_node and nav.selected.prompt[0] == "Extras"
    assert not nav.back()


def test_toggle_cycles_assignable_values_and_keys_respect_type():
    kconf = load_fixture()
    kconf.syms["NET"].set_value(2)
    lwip = node(kconf, "LWIP")
    assert menu.toggled_value(lwip) == 1
    kconf.syms["LWIP"].set_value(1)
    assert menu.toggled_value(lwip) == 2
    kconf.syms["LWIP"].set_value(2)
    assert menu.toggled_value(lwip) == 0
    assert menu.key_value(node(kconf, "NET"), "m") is None
    assert menu.key_value(lwip, "m") == 1
    assert menu.toggled_value(node(kconf, "HEAP_SIZE")) is None
    assert menu.needs_entry(node(kconf, "HEAP_SIZE"))
    assert menu.key_value(node(kconf, "DEBUG_HINTS"), "n") is None  # hidden: not changeable


@pytest.mark.parametrize("name, text, expected", [
    ("HEAP_SIZE", "128", ("128", "")),
    ("HEAP_SIZE", "600", (None, "600 is outside the range 1-512")),
    ("HEAP_SIZE", "12x", (None, "'12x' is not a valid int value")),
    ("BASE_ADDR", "3000", ("0x3000", "")),
    ("BASE_ADDR", "0x10", (None, "0x10 is outside the range 0x1000-0xffff")),
    ("HOSTNAME", " with spaces ", (" with spaces ", "")),
])
def test_typed_values_are_range_checked(name, text, expected):
    kconf = load_fixture()
    assert parse_entry(kconf.syms[name], text) == expected


def test_published_costs_appear_next_to_their_symbols_only():
    kconf = load_fixture()
    assert MenuNavigator(kconf).costs == {}
    nav = MenuNavigator(kconf, costs={"BACKEND_MPK": "62 cycles/gate"})
    enter(nav, "Isolation backend")
    row: Row = nav.row(0)
    assert row.cost == "62 cycles/gate"
    assert row.text().endswith("[62 cycles/gate]")
    assert nav.row(1).cost == ""

from kconfig_fixture import FIXTURE_DIR, load_fixture, node

from flexui.model.kconfig.info import entry_info, short_filename, value_source


def lines(info, title):
    section = info.section(title)
    assert section is not None, f"no section {title!r} in {[s.title for s in info.sections]}"
    return list(section.lines)


def test_symbol_info_has_type_prompt_help_deps_selects_and_location():
    kconf = load_fixture()
    info = entry_info(node(kconf, "LWIP"), roots=[("", FIXTURE_DIR)])
    assert info.title == "CONFIG_LWIP: lwIP TCP/IP stack"
    summary = lines(info, "Symbol")
    assert "Type: tristate" in summary and "Prompt: lwIP TCP/IP stack" in summary
    assert "Value: n" in summary
    assert lines(info, "Help") == ["A small TCP/IP stack. Needs a scheduler."]
    assert lines(info, "Depends on (=n)") == ["   NET(=n)"]
    assert lines(info, "Selects") == ["SCHED", "NETBUF"]
    assert lines(info, "Implies") == ["TIMER_WHEEL"]
    lwip_line = (FIXTURE_DIR / "Kconfig").read_text().splitlines().index("config LWIP") + 1
    assert lines(info, "Defined at")[0] == f"Kconfig:{lwip_line}"
    assert lines(info, "Defined at")[1] == "  menu: Fixture Configuration > Core"


def test_selected_by_and_implied_by_show_current_values():
    kconf = load_fixture()
    kconf.syms["NET"].set_value(2)
    kconf.syms["LWIP"].set_value(2)
    sched = entry_info(node(kconf, "SCHED"))
    assert lines(sched, "Selected by")[0] == "LWIP(=y) && NET(=y)  [active]"
    assert lines(sched, "Selected by")[1].endswith("[inactive]")
    assert "Comes from: no default applies; forced by select from LWIP" in lines(sched, "Symbol")
    wheel = entry_info(node(kconf, "TIMER_WHEEL"))
    assert lines(wheel, "Implied by") == ["LWIP(=y) && NET(=y)  [active]"]


def test_value_source_names_user_default_and_ignored_values():
    kconf = load_fixture("CONFIG_NET=y\n")
    assert value_source(kconf.syms["NET"]) == "set by the loaded .config or an earlier save"
    assert value_source(kconf.syms["NET"], unsaved={"NET": "n"}) == \
        "set by you, in this session (unsaved)"
    assert value_source(kconf.syms["EXTRA_STATS"]) == "from its default y if NET(=y)"
    kconf.syms["DEBUG_HINTS"].set_value(0)
    assert value_source(kconf.syms["DEBUG_HINTS"]) == (
        "from its default y; the value n that was set is ignored while the prompt is hidden")
    assert value_source(kconf.syms["BACKEND_NONE"]) == "chosen as the choice's default BACKEND_NONE"
    assert value_source(kconf.syms["BACKEND_MPK"]) == "not chosen: the choice selects BACKEND_NONE"


def test_choice_and_menu_info():
    kconf = load_fixture()
    choice = entry_info(kconf.named_choices["BACKEND"].nodes[0])
    assert choice.title == "Choice BACKEND: Isolation backend"
    assert "BACKEND_NONE (selected)" in lines(choice, "Entries")
    hidden_menu = next(n for n in kconf.menus if n.prompt[0] == "Empty menu")
    info = entry_info(hidden_menu)
    assert info.title == "Menu: Empty menu"
    assert lines(info, "Depends on")[0].startswith("   EXPERT(=n)")


def test_included_files_show_the_include_chain_relative_to_the_tree():
    kconf = load_fixture()
    info = entry_info(node(kconf, "EXTRA_STATS"), roots=[("tree/", FIXTURE_DIR)])
    source_line = (FIXTURE_DIR / "Kconfig").read_text().splitlines().index(
        'rsource "Kconfig.extra"') + 1
    assert lines(info, "Defined at")[:2] == ["tree/Kconfig.extra:4",
                                              f"  included via tree/Kconfig:{source_line}"]
    assert short_filename("/elsewhere/Config.uk", [("", FIXTURE_DIR)]) == "/elsewhere/Config.uk"

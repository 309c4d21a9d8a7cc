from kconfig_fixture import load_fixture

from flexui.model.kconfig.search import SearchIndex


def names(matches):
    return [m.name or m.prompt for m in matches]


def test_name_with_or_without_config_prefix_finds_the_symbol_first():
    index = SearchIndex(load_fixture())
    for query in ("lwip", "CONFIG_LWIP", "config_lwip"):
        matches = index.search(query)
        assert matches[0].name == "LWIP"
        assert matches[0].field == "name"
    assert "LWIP_IPV6" in names(index.search("CONFIG_LWIP"))


def test_prompt_and_help_text_are_searched():
    index = SearchIndex(load_fixture())
    assert names(index.search("scheduler")) == ["SCHED", "LWIP"]  # prompt first, then help
    by_help = index.search("packets")
    assert names(by_help) == ["EXTRA_STATS"] and by_help[0].field == "help"


def test_every_term_must_match():
    index = SearchIndex(load_fixture())
    assert names(index.search("stats interface")) == ["EXTRA_STATS"]
    assert index.search("stats nonexistentword") == []
    assert index.search("   ") == []


def test_results_carry_their_menu_path_and_menus_are_found():
    index = SearchIndex(load_fixture())
    (level,) = index.search("FEATURE_LOG_LEVEL")
    assert level.path == ("Optional features",)
    assert level.path_text == "Optional features"
    (extras,) = [m for m in index.search("extras") if not m.name]
    assert extras.prompt == "Extras" and extras.path_text == "(top)"
    assert "Drivers need networking" in names(index.search("drivers need"))


def test_limit_keeps_the_best_ranked():
    index = SearchIndex(load_fixture())
    assert names(index.search("lwip", limit=1)) == ["LWIP"]

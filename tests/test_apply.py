"""Isolation -> Kconfig values and make variables; values applied through kconfiglib."""

from pathlib import Path

import kconfiglib
import pytest

from flexui.model.isolation.apply import (
    Assignment,
    apply_assignments,
    cflags_variables,
    derive_assignments,
    hardening_from_make_vars,
    make_variables,
    make_vars_text,
    parse_make_vars,
)
from flexui.model.isolation.configuration import (
    Compartment,
    Hardening,
    IsolationConfig,
    Library,
)
from flexui.model.kconfig.tree import LibraryInfo, load_kconfig, locate

FULL = "-fsanitize=undefined -fsanitize=kernel-address -fstack-protector-all -mstack-protector-guard=global"

# A small Kconfig written for these tests: the FlexOS menu's shape plus the
# constructs whose refusals we explain (ranges, select, prompt-less symbols).
KCONFIG = """\
config LIBTLSF
\tbool "TLSF allocator"
config LIBUBSAN
\tbool "undefined behaviour sanitizer"
config HELPER
\tbool
config LIBWANTS_UBSAN
\tbool "a library that needs ubsan"
\tselect LIBUBSAN
config QUEUE_DEPTH
\tint "queue depth"
\trange 1 100
\tdefault 8
menuconfig LIBFLEXOS
\tbool "FlexOS"
if LIBFLEXOS
choice
\tprompt "isolation backend"
\tdefault LIBFLEXOS_NONE
config LIBFLEXOS_INTELPKU
\tbool "Intel MPK"
config LIBFLEXOS_VMEPT
\tbool "VM/EPT"
config LIBFLEXOS_NONE
\tbool "function calls"
endchoice
if LIBFLEXOS_INTELPKU
choice
\tprompt "gate type"
\tdefault LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS
config LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS
\tbool "private stacks"
config LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS
\tbool "shared stacks"
endchoice
config LIBFLEXOS_ENABLE_DSS
\tbool "data shadow stacks"
\tdepends on LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS
endif
config LIBFLEXOS_COMP_HEAP_SIZE
\tint "heap per compartment"
\tdefault 10000
endif
"""


@pytest.fixture
def kconf(tmp_path: Path) -> kconfiglib.Kconfig:
    path = tmp_path / "Kconfig"
    path.write_text(KCONFIG, encoding="utf-8")
    return kconfiglib.Kconfig(str(path), warn_to_stderr=False)


@pytest.fixture(scope="module")
def libraries() -> dict[str, LibraryInfo]:
    return locate().libraries()


def mpk(*, shared=False, dss=True, libs=None, driver="intel-pku") -> IsolationConfig:
    libs = libs or {"tlsf": Library("tlsf", "comp1"), "newlib": Library("newlib", "comp1"),
                    "lwip": Library("lwip", "comp2")}
    return IsolationConfig(
        compartments=[Compartment("comp1", driver, default=True), Compartment("comp2", driver)],
        libraries=libs, shared_stacks=shared, dss=dss)


def values(assignments: list[Assignment]) -> dict[str, str]:
    return {a.symbol: a.value for a in assignments}


def library(tmp_path: Path, name: str, makefile: str | None, make_names=()) -> LibraryInfo:
    path = tmp_path / "libs" / name
    path.mkdir(parents=True)
    if makefile is not None:
        (path / "Makefile.uk").write_text(makefile, encoding="utf-8")
    return LibraryInfo(name=name, path=path, is_core=False, symbols=(f"LIB{name.upper()}",),
                       make_names=tuple(make_names))


# -- derivation -------------------------------------------------------------------
def test_mpk_private_stacks_with_dss_enables_backend_gate_dss_and_tlsf(libraries):
    got = values(derive_assignments(mpk(), libraries))
    assert got["LIBFLEXOS"] == "y"
    assert got["LIBFLEXOS_INTELPKU"] == "y"
    assert got["LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS"] == "y"
    assert got["LIBFLEXOS_ENABLE_DSS"] == "y"
    assert got["LIBTLSF"] == "y"
    assert "LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS" not in got
    assert got["LIBUBSAN"] == got["LIBKASAN"] == got["LIBUKSP"] == "n"


def test_shared_stacks_choose_the_shared_gate_and_leave_dss_alone(libraries):
    got = values(derive_assignments(mpk(shared=True, dss=False), libraries))
    assert got["LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS"] == "y"
    assert "LIBFLEXOS_ENABLE_DSS" not in got and "LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS" not in got


@pytest.mark.parametrize("driver, symbol", [("vmept", "LIBFLEXOS_VMEPT"), ("fcalls", "LIBFLEXOS_NONE")])
def test_other_backends_set_their_choice_and_no_mpk_settings(libraries, driver, symbol):
    libs = {"newlib": Library("newlib", "comp1"), "lwip": Library("lwip", "comp2")}
    got = values(derive_assignments(mpk(driver=driver, dss=False, libs=libs), libraries))
    assert got[symbol] == "y" and got["LIBFLEXOS"] == "y"
    assert not any(s.startswith("LIBFLEXOS_GATE") for s in got)
    assert "LIBTLSF" not in got and "LIBFLEXOS_ENABLE_DSS" not in got


def test_every_listed_library_is_enabled_by_its_first_symbol_only(libraries):
    assignments = derive_assignments(mpk(), libraries)
    for name in ("tlsf", "newlib", "lwip"):
        first, *options = libraries[name].symbols
        assert any(a.symbol == first and a.value == "y" for a in assignments), (name, first)
        assert not any(a.symbol in options for a in assignments), (name, options)  # its options stay
    by_lib = [a for a in assignments if a.subject == "lwip"]
    assert by_lib and all("lwip" in a.reason for a in by_lib)


def test_heap_size_is_set_only_when_given(libraries):
    iso = mpk()
    assert "LIBFLEXOS_COMP_HEAP_SIZE" not in values(derive_assignments(iso, libraries))
    iso.heap_size = 65536
    assert values(derive_assignments(iso, libraries))["LIBFLEXOS_COMP_HEAP_SIZE"] == "65536"


def test_hardening_turns_on_only_the_runtimes_it_uses_and_says_for_whom(libraries):
    iso = mpk()
    iso.set_hardening("lwip", Hardening(ubsan=True))
    assignments = {a.symbol: a for a in derive_assignments(iso, libraries)}
    assert assignments["LIBUBSAN"].value == "y" and "lwip" in assignments["LIBUBSAN"].reason
    assert assignments["LIBKASAN"].value == "n" and assignments["LIBUKSP"].value == "n"


def test_no_isolation_derives_nothing_image_wide(libraries):
    iso = IsolationConfig(libraries={"newlib": Library("newlib")})
    got = values(derive_assignments(iso, libraries))
    assert set(got) == set(libraries["newlib"].symbols[:1])  # the library, nothing image-wide


# -- make variables ---------------------------------------------------------------
def test_a_makefile_hook_receives_the_flags(tmp_path):
    info = library(tmp_path, "newlib", "LIBNEWLIBC_CFLAGS-y += $(LIBNEWLIB_CFLAGS_EXTRA)\n",
                   make_names=("LIBNEWLIBC", "LIBNEWLIBM"))
    assert cflags_variables("newlib", info) == ["LIBNEWLIB_CFLAGS_EXTRA"]


def test_without_a_hook_each_registered_library_gets_its_cflags(tmp_path):
    info = library(tmp_path, "uksched", "LIBUKSCHED_SRCS-y += sched.c\n", make_names=("LIBUKSCHED",))
    assert cflags_variables("uksched", info) == ["LIBUKSCHED_CFLAGS"]


def test_fully_hardened_library_gets_all_three_flag_sets(tmp_path):
    libs = {"lwip": library(tmp_path, "lwip", "LIBLWIP_CFLAGS-y += $(LIBLWIP_CFLAGS_EXTRA)\n")}
    iso = mpk(libs={"lwip": Library("lwip", "comp2", Hardening.full())})
    assert make_variables(iso, libs) == {"LIBLWIP_CFLAGS_EXTRA": FULL}


def test_hardening_the_scheduler_hardens_uksched_and_ukschedcoop_as_the_paper_did(tmp_path):
    libs = {n: library(tmp_path, n, "", make_names=(f"LIB{n.upper()}",)) for n in ("uksched", "ukschedcoop")}
    iso = mpk(libs={"uksched": Library("uksched", "comp2", Hardening.full(), is_core=True),
                    "ukschedcoop": Library("ukschedcoop", "comp2", is_core=True)})
    assert make_variables(iso, libs) == {"LIBUKSCHED_CFLAGS": FULL, "LIBUKSCHEDCOOP_CFLAGS": FULL}


def test_make_vars_file_reads_back_to_the_same_hardening(tmp_path):
    libs = {"lwip": library(tmp_path, "lwip", "X += $(LIBLWIP_CFLAGS_EXTRA)\n"),
            "newlib": library(tmp_path, "newlib", "X += $(LIBNEWLIB_CFLAGS_EXTRA)\n"),
            "tlsf": library(tmp_path, "tlsf", "")}
    iso = mpk(libs={"lwip": Library("lwip", "comp2", Hardening(ubsan=True, stack_protector=True)),
                    "newlib": Library("newlib", "comp1", Hardening(kasan=True)),
                    "tlsf": Library("tlsf", "comp1")})
    text = make_vars_text(make_variables(iso, libs))
    assert text.startswith("#")
    assert parse_make_vars(text)["LIBNEWLIB_CFLAGS_EXTRA"] == "-fsanitize=kernel-address"
    assert hardening_from_make_vars(text, libs) == {
        "lwip": Hardening(ubsan=True, stack_protector=True), "newlib": Hardening(kasan=True)}


def test_nothing_hardened_writes_only_the_header():
    text = make_vars_text({})
    assert parse_make_vars(text) == {}
    assert all(line.startswith("#") for line in text.splitlines())


# -- applying ---------------------------------------------------------------------
def test_order_does_not_matter_for_dependencies(kconf):
    refusals = apply_assignments(kconf, [
        Assignment("LIBFLEXOS_ENABLE_DSS", "y", "DSS"),
        Assignment("LIBFLEXOS_INTELPKU", "y", "backend"),
        Assignment("LIBFLEXOS", "y", "FlexOS")])
    assert refusals == []
    assert kconf.syms["LIBFLEXOS_ENABLE_DSS"].str_value == "y"
    assert kconf.syms["LIBFLEXOS_INTELPKU"].choice.selection.name == "LIBFLEXOS_INTELPKU"


def test_the_last_choice_option_set_wins(kconf):
    refusals = apply_assignments(kconf, [
        Assignment("LIBFLEXOS", "y", ""), Assignment("LIBFLEXOS_NONE", "y", "kraft.yaml"),
        Assignment("LIBFLEXOS_VMEPT", "y", "backend")])
    assert refusals == []
    assert kconf.syms["LIBFLEXOS_VMEPT"].str_value == "y"
    assert kconf.syms["LIBFLEXOS_NONE"].str_value == "n"


def test_unmet_dependency_names_the_dependency_and_what_is_off(kconf):
    refusals = apply_assignments(kconf, [
        Assignment("LIBFLEXOS", "y", ""), Assignment("LIBFLEXOS_INTELPKU", "y", ""),
        Assignment("LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS", "y", ""),
        Assignment("LIBFLEXOS_ENABLE_DSS", "y", "DSS")])
    assert len(refusals) == 1
    r = refusals[0]
    assert (r.symbol, r.wanted, r.got) == ("LIBFLEXOS_ENABLE_DSS", "y", "n")
    assert r.reason.startswith("unmet dependency: ")
    assert "LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS=n" in r.reason
    assert "LIBFLEXOS_INTELPKU=" not in r.reason  # satisfied parts are not blamed


def test_choice_option_whose_menu_is_off_blames_the_menu(kconf):
    [r] = apply_assignments(kconf, [Assignment("LIBFLEXOS_VMEPT", "y", "backend")])
    assert r.reason == "unmet dependency: LIBFLEXOS (LIBFLEXOS=n)"


def test_out_of_range_int_reports_the_range(kconf):
    [r] = apply_assignments(kconf, [Assignment("QUEUE_DEPTH", "500", "")])
    assert (r.wanted, r.got, r.reason) == ("500", "8", "out of range 1..100")


def test_bad_number_and_bad_bool_are_refused(kconf):
    refusals = {r.symbol: r for r in apply_assignments(kconf, [
        Assignment("QUEUE_DEPTH", "lots", ""), Assignment("LIBTLSF", "m", "")])}
    assert refusals["QUEUE_DEPTH"].reason == "not a decimal number"
    assert refusals["LIBTLSF"].reason == "a bool symbol takes y or n, not 'm'"


def test_quoted_numbers_from_kraft_yaml_are_accepted(kconf):
    assert apply_assignments(kconf, [Assignment("LIBFLEXOS", "y", ""),
                                     Assignment("LIBFLEXOS_COMP_HEAP_SIZE", '"4096"', "")]) == []
    assert kconf.syms["LIBFLEXOS_COMP_HEAP_SIZE"].str_value == "4096"


def test_unknown_symbol_suggests_a_near_name(kconf):
    [r] = apply_assignments(kconf, [Assignment("LIBTLSFF", "y", "")])
    assert r.reason == "no such symbol in this tree (did you mean 'LIBTLSF'?)"


def test_selected_symbol_cannot_be_turned_off(kconf):
    [r] = apply_assignments(kconf, [Assignment("LIBWANTS_UBSAN", "y", ""), Assignment("LIBUBSAN", "n", "")])
    assert (r.symbol, r.got, r.reason) == ("LIBUBSAN", "y", "selected by LIBWANTS_UBSAN")


def test_promptless_symbol_is_not_visible(kconf):
    [r] = apply_assignments(kconf, [Assignment("HELPER", "y", "")])
    assert r.reason.startswith("not visible: it has no prompt")


def test_the_selected_option_of_a_choice_cannot_be_switched_off_alone(kconf):
    [r] = apply_assignments(kconf, [Assignment("LIBFLEXOS", "y", ""), Assignment("LIBFLEXOS_NONE", "n", "")])
    assert r.symbol == "LIBFLEXOS_NONE" and "set another option of the choice" in r.reason


def test_refusals_print_no_kconfiglib_warnings(tmp_path, capsys):
    path = tmp_path / "Kconfig"
    path.write_text(KCONFIG, encoding="utf-8")
    kconf = kconfiglib.Kconfig(str(path))  # warnings to stderr, as kconfiglib defaults
    apply_assignments(kconf, [Assignment("QUEUE_DEPTH", "500", ""), Assignment("HELPER", "y", "")])
    assert capsys.readouterr().err == ""
    assert kconf.warn is True


def test_derived_assignments_apply_cleanly_on_the_embedded_tree(tmp_path, libraries):
    wd = locate()
    loaded = load_kconfig(wd, tmp_path, read_config=False)
    iso = mpk()
    iso.set_hardening("lwip", Hardening.full())
    derived = derive_assignments(iso, libraries)
    assert apply_assignments(loaded.kconf, derived) == []
    for a in derived:
        assert loaded.kconf.syms[a.symbol].str_value == a.value, a

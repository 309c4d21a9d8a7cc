"""kraft.yaml: lossless round trips, isolation read/write, clear errors, safe saves."""

import difflib
import os
import shutil
from pathlib import Path

import pytest
import yaml

from flexui.model.files.problems import InputError
from flexui.model.files.yamlpatch import same
from flexui.model.isolation.configuration import Hardening
from flexui.model.isolation.kraftyaml import KraftFile, load_kraft, save_kraft
from flexui.paths import embedded_tree

EMBEDDED_APPS = sorted((embedded_tree() / "apps").glob("*/kraft.yaml"))

APP = """\
---
# a web cache: the network stack gets its own protection key
specification: '0.6'
name: cache
unikraft:
  version: staging
  kconfig:
    - CONFIG_LIBUKDEBUG=y
    - CONFIG_LIBFLEXOS=y
    - CONFIG_LIBFLEXOS_INTELPKU=y
    # shadow stacks need private stacks
    - CONFIG_LIBFLEXOS_ENABLE_DSS=y
targets:
  - architecture: x86_64
    platform: kvm
compartments:
  - name: comp1
    mechanism:
      driver: intel-pku
      noisolstack: false
    default: true
  - name: comp2
    mechanism:
      driver: intel-pku
      noisolstack: false
    colour: blue
libraries:
  tlsf:
    version: staging
    kconfig:
      CONFIG_LIBTLSF: y
  newlib:
    version: staging
    kconfig:
      - CONFIG_LIBNEWLIBC=y
    compartment: comp1
  lwip:
    version: staging
    compartment: comp2  # isolated
  uksched:
    is_core: true
  ukschedcoop:
    is_core: true
volumes: {}
networks: {}
arguments: -p 8080
x-notes: kept as written
"""


def write(tmp_path: Path, text: str, name: str = "kraft.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def changed(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def assert_lossless(path: Path, tmp_path: Path) -> None:
    """load -> dump -> load is identical; an unchanged layout writes nothing."""
    text = path.read_text(encoding="utf-8")
    kf = load_kraft(path)
    assert kf.dump() == text
    assert same(yaml.safe_load(kf.dump()), kf.data)
    again = kf.with_isolation(kf.isolation())
    assert same(again.data, kf.data)
    assert again.dump() == text
    copy = tmp_path / "copy" / "kraft.yaml"
    copy.parent.mkdir()
    shutil.copy2(path, copy)
    assert save_kraft(KraftFile(copy, again.data, text=text)) is False
    assert not copy.with_name("kraft.yaml.old").exists()


# -- round trips ----------------------------------------------------------------
@pytest.mark.parametrize("path", EMBEDDED_APPS, ids=[p.parent.name for p in EMBEDDED_APPS])
def test_embedded_app_kraft_yaml_round_trips_losslessly(path, tmp_path):
    assert_lossless(path, tmp_path)


def test_real_redis_kraft_yaml_round_trips_losslessly(real_tree, tmp_path):
    assert_lossless(real_tree / "apps" / "redis" / "kraft.yaml", tmp_path)


def test_full_dump_keeps_order_kconfig_form_and_quoted_version(tmp_path):
    kf = load_kraft(write(tmp_path, APP))
    text = KraftFile(kf.path, kf.data).dump()  # no original text: written from scratch
    data = yaml.safe_load(text)
    assert same(data, kf.data)
    assert "specification: '0.6'" in text
    assert list(data) == ["specification", "name", "unikraft", "targets", "compartments",
                          "libraries", "volumes", "networks", "arguments", "x-notes"]
    assert data["libraries"]["tlsf"]["kconfig"] == {"CONFIG_LIBTLSF": "y"}
    assert data["unikraft"]["kconfig"][0] == "CONFIG_LIBUKDEBUG=y"


# -- reading ------------------------------------------------------------------
def test_isolation_reads_compartments_libraries_and_lines(tmp_path):
    path = write(tmp_path, APP)
    iso = load_kraft(path).isolation()
    assert [(c.name, c.driver, c.default) for c in iso.compartments] == [
        ("comp1", "intel-pku", True), ("comp2", "intel-pku", False)]
    assert iso.compartments[1].options == {"noisolstack": False}
    assert [str(c.origin) for c in iso.compartments] == [f"{path}:17", f"{path}:22"]
    assert str(iso.libraries["lwip"].origin) == f"{path}:37"
    assert iso.libraries["lwip"].compartment == "comp2"
    assert iso.libraries["tlsf"].compartment is None
    assert iso.compartment_of("tlsf") == "comp1"
    assert iso.libraries["uksched"].is_core and not iso.libraries["newlib"].is_core
    assert iso.dss and not iso.shared_stacks
    assert str(iso.origin) == f"{path}:16"


def test_noisolstack_does_nothing_the_gate_type_comes_from_kconfig(tmp_path):
    text = APP.replace("noisolstack: false", "noisolstack: true")
    assert not load_kraft(write(tmp_path, text)).isolation().shared_stacks
    chosen = text.replace("- CONFIG_LIBFLEXOS=y", "- CONFIG_LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS=y")
    assert load_kraft(write(tmp_path, chosen)).isolation().shared_stacks


def test_a_round_trip_keeps_noisolstack_as_written(tmp_path):
    text = APP.replace("noisolstack: false\n    colour", "noisolstack: true\n    colour")
    kf = load_kraft(write(tmp_path, text))
    assert kf.with_isolation(kf.isolation()).dump() == text


def test_kconfig_merges_list_and_mapping_forms(tmp_path):
    path = write(tmp_path, APP)
    kf = load_kraft(path)
    kconfig = kf.kconfig()
    assert kconfig["CONFIG_LIBUKDEBUG"] == "y"
    assert kconfig["CONFIG_LIBTLSF"] == "y"
    assert kconfig["CONFIG_LIBNEWLIBC"] == "y"
    origins = kf.kconfig_origins()
    assert (str(origins["CONFIG_LIBUKDEBUG"]), str(origins["CONFIG_LIBTLSF"])) == (f"{path}:8", f"{path}:31")


def test_library_shorthand_entries_are_accepted(tmp_path):
    text = "specification: '0.6'\nname: tiny\nlibraries:\n  newlib: staging\n  tlsf:\n"
    iso = load_kraft(write(tmp_path, text)).isolation()
    assert list(iso.libraries) == ["newlib", "tlsf"]


# -- writing --------------------------------------------------------------------
def test_moving_a_library_changes_one_line_and_keeps_comments(tmp_path):
    kf = load_kraft(write(tmp_path, APP))
    iso = kf.isolation()
    iso.move_library("lwip", "comp1")
    iso.remove_compartment("comp2")
    out = kf.with_isolation(iso).dump()
    assert "# a web cache: the network stack gets its own protection key" in out
    assert "# shadow stacks need private stacks" in out
    assert "    compartment: comp1  # isolated" in out
    assert "colour" not in out
    assert load_kraft(write(tmp_path, out, "out.yaml")).isolation().layout() == [
        frozenset({"tlsf", "newlib", "lwip", "uksched", "ukschedcoop"})]


def test_adding_a_compartment_and_library_keeps_everything_else(tmp_path):
    kf = load_kraft(write(tmp_path, APP))
    iso = kf.isolation()
    comp3 = iso.add_compartment()
    iso.move_library("uksched", comp3.name)
    iso.add_library("pthread-embedded", "comp1")
    new = kf.with_isolation(iso)
    assert same({k: v for k, v in new.data.items() if k not in ("compartments", "libraries")},
                {k: v for k, v in kf.data.items() if k not in ("compartments", "libraries")})
    assert new.data["compartments"][1]["colour"] == "blue"
    # a new compartment copies no mechanism options: noisolstack does nothing, and a preset
    # written by --apply would not have it either
    assert new.data["compartments"][2] == {"name": "comp3", "mechanism": {"driver": "intel-pku"}}
    assert new.data["libraries"]["uksched"] == {"is_core": True, "compartment": "comp3"}
    assert new.data["libraries"]["ukschedcoop"] == {"is_core": True, "compartment": "comp3"}
    assert new.data["libraries"]["pthread-embedded"] == {"version": "staging", "compartment": "comp1"}
    assert list(new.data["libraries"])[-1] == "pthread-embedded"
    again = load_kraft(write(tmp_path, new.dump(), "out.yaml")).isolation()
    assert again.compartment_of("ukschedcoop") == "comp3"


def test_renaming_a_compartment_keeps_its_extra_keys(tmp_path):
    kf = load_kraft(write(tmp_path, APP))
    iso = kf.isolation()
    iso.rename_compartment("comp2", "net")
    new = kf.with_isolation(iso)
    assert new.data["compartments"][1] == {"name": "net", "mechanism": {
        "driver": "intel-pku", "noisolstack": False}, "colour": "blue"}
    assert new.data["libraries"]["lwip"]["compartment"] == "net"


def test_removed_library_disappears_with_its_entry(tmp_path):
    kf = load_kraft(write(tmp_path, APP))
    iso = kf.isolation()
    del iso.libraries["newlib"]
    out = kf.with_isolation(iso).dump()
    assert "newlib" not in out and "CONFIG_LIBNEWLIBC" not in out


def test_dss_and_driver_edits_update_the_kconfig_entries_in_place(tmp_path):
    kf = load_kraft(write(tmp_path, APP))
    iso = kf.isolation()
    iso.set_shared_stacks(True)
    out = kf.with_isolation(iso).dump()
    assert sorted(changed(APP, out)) == sorted([
        "-    - CONFIG_LIBFLEXOS_ENABLE_DSS=y", "+    - CONFIG_LIBFLEXOS_ENABLE_DSS=n",
        "+    - CONFIG_LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS=y"])
    reread = load_kraft(write(tmp_path, out, "out.yaml")).isolation()
    assert reread.shared_stacks and not reread.dss

    iso.set_driver("vmept")
    out = kf.with_isolation(iso).dump()
    kconfig = load_kraft(write(tmp_path, out, "out.yaml")).kconfig()
    assert kconfig["CONFIG_LIBFLEXOS_VMEPT"] == "y" and kconfig["CONFIG_LIBFLEXOS_INTELPKU"] == "n"


def test_turning_dss_on_adds_the_entry_where_kconfig_lives(tmp_path):
    text = APP.replace("    # shadow stacks need private stacks\n    - CONFIG_LIBFLEXOS_ENABLE_DSS=y\n", "")
    kf = load_kraft(write(tmp_path, text))
    iso = kf.isolation()
    assert not iso.dss
    iso.dss = True
    new = kf.with_isolation(iso)
    assert new.data["unikraft"]["kconfig"][-1] == "CONFIG_LIBFLEXOS_ENABLE_DSS=y"
    assert new.isolation().dss


def test_new_document_gets_compartments_after_name(tmp_path):
    kf = KraftFile(tmp_path / "kraft.yaml", {"specification": "0.6", "name": "demo"})
    iso = kf.isolation()
    iso.add_compartment()
    iso.add_library("tlsf")
    text = kf.with_isolation(iso).dump()
    assert text.startswith("---\nspecification: '0.6'\nname: demo\ncompartments:\n  - name: comp1\n")
    assert save_kraft(kf.with_isolation(iso)) is True
    assert load_kraft(kf.path).isolation().default_compartment.name == "comp1"


def test_hardening_is_not_written_to_kraft_yaml(tmp_path):
    kf = load_kraft(write(tmp_path, APP))
    iso = kf.isolation()
    iso.set_hardening("lwip", Hardening.full())
    assert kf.with_isolation(iso).dump() == APP


# -- saving -----------------------------------------------------------------------
def test_save_is_atomic_keeps_old_and_skips_unchanged(tmp_path):
    path = write(tmp_path, APP)
    kf = load_kraft(path)
    before = os.stat(path).st_mtime_ns
    assert save_kraft(kf) is False
    assert os.stat(path).st_mtime_ns == before
    iso = kf.isolation()
    iso.move_library("lwip", "comp1")
    iso.remove_compartment("comp2")
    assert save_kraft(kf.with_isolation(iso)) is True
    assert path.with_name("kraft.yaml.old").read_text() == APP
    assert load_kraft(path).isolation().compartment_of("lwip") == "comp1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kraft.yaml", "kraft.yaml.old"]


def test_save_refuses_a_document_that_would_not_load_back(tmp_path):
    path = write(tmp_path, APP)
    kf = load_kraft(path)
    broken = KraftFile(path, {**kf.data, "compartments": {"comp1": "intel-pku"}}, text=APP)
    with pytest.raises(InputError) as err:
        save_kraft(broken)
    assert "`compartments` must be a list" in str(err.value)
    assert path.read_text() == APP
    assert not path.with_name("kraft.yaml.old").exists()


# -- errors ---------------------------------------------------------------------
@pytest.mark.parametrize("text, line, fix", [
    ("name: x\ncompartments:\n  - name: comp1\n   default: true\n", 4, "invalid YAML"),
    ("name: x\ncompartments:\n  comp1: {driver: intel-pku}\n", 3, "`compartments` must be a list"),
    ("name: x\ncompartments:\n  - comp1\n", 3, "compartment #1 must be a mapping"),
    ("name: x\ncompartments:\n  - mechanism: {driver: fcalls}\n", 3, "needs a `name`"),
    ("name: x\ncompartments:\n  - name: c\n    default: yes please\n", 4, "must be true or false"),
    ("name: x\ncompartments:\n  - name: c\n    mechanism: [intel-pku]\n", 4,
     "must be a mapping like `{driver: intel-pku}`"),
    ("name: x\nlibraries:\n  - lwip\n", 3, "`libraries` must be a mapping"),
    ("name: x\nlibraries:\n  lwip:\n    - comp2\n", 4, "library lwip must be a mapping"),
    ("name: x\nlibraries:\n  lwip:\n    compartment: 2\n", 4, "must be a compartment name like comp2"),
    ("name: x\nlibraries:\n  uksched:\n    is_core: 'yes'\n", 4, "`is_core` of library uksched must be true or false"),
    ("name: x\nunikraft:\n  kconfig:\n    - CONFIG_LIBUKDEBUG=y\n    - LIBFLEXOS y\n", 5,
     "must be written CONFIG_NAME=value"),
    ("name: x\nlibraries:\n  tlsf:\n    kconfig:\n      CONFIG_LIBTLSF: yes\n", 5, "write y or n"),
    ("name: x\nlibraries:\n  tlsf:\n    kconfig:\n      LIBTLSF: y\n", 5, "write CONFIG_LIBTLSF"),
    ("name: x\nunikraft:\n  kconfig: CONFIG_LIBTLSF=y\n", 3, "`kconfig` must be a list"),
    ("name: x\nlibraries:\n  lwip: {}\n  newlib: {}\n  lwip: {compartment: comp2}\n", 5,
     "key 'lwip' is written twice (first at line 3)"),
    ("- name: x\n", 1, "kraft.yaml must be a mapping"),
    ("", 1, "the file is empty"),
    ("name: x\n---\nname: y\n", 2, "invalid YAML"),
])
def test_bad_input_is_reported_with_file_line_and_fix(tmp_path, text, line, fix):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_kraft(path)
    first = str(err.value.problems[0])
    assert first.startswith(f"{path}:{line}: "), first
    assert fix in first


def test_every_type_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "name: x\ncompartments:\n  - 7\nlibraries:\n  lwip: [a]\n"
                           "unikraft:\n  kconfig: [nope]\n")
    with pytest.raises(InputError) as err:
        load_kraft(path)
    assert sorted(p.origin.line for p in err.value.problems) == [3, 5, 7]


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        load_kraft(tmp_path / "nope" / "kraft.yaml")
    assert "file not found" in str(err.value)

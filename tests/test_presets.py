"""Presets: the shipped paper configurations, the file format, and saving/finding them."""

import os
from pathlib import Path

import pytest

from flexui.model.files.problems import InputError
from flexui.model.isolation.configuration import Hardening
from flexui.model.isolation.kraftyaml import load_kraft, save_kraft
from flexui.model.isolation.validation import validate
from flexui.model.presets.preset import (
    dump_preset,
    find_preset,
    list_presets,
    load_preset,
    preset_problems,
    save_preset,
)
from flexui.paths import embedded_tree, shipped_presets

SHIPPED = sorted(shipped_presets().glob("*.yaml"))
APPS_DIR = embedded_tree() / "apps"

MINIMAL = """\
flexui-preset: 1
name: mine
description: my layout
app: redis
isolation:
  mechanism: {driver: intel-pku, stacks: private, dss: true}
  compartments:
    - {name: comp1, default: true}
    - {name: comp2}
  libraries:
    tlsf: {}
    newlib: {compartment: comp1}
    lwip: {compartment: comp2, harden: [ubsan, stack-protector]}
kconfig:
  CONFIG_LIBUKDEBUG: y
"""


@pytest.fixture
def tree_libraries():
    tree = pytest.importorskip("flexui.model.kconfig.tree", reason="model/kconfig/tree.py (tree scanner) not available")
    return tree.locate().libraries()


def tree_apps() -> set[str]:
    return {p.parent.name for p in APPS_DIR.glob("*/kraft.yaml")}


def write(directory: Path, text: str, name: str = "mine.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def shape(iso):
    """What a configuration means, without file positions."""
    return (iso.driver, iso.shared_stacks, iso.dss, iso.heap_size,
            [(c.name, c.default) for c in iso.compartments],
            {n: (iso.compartment_of(n), lib.is_core, lib.hardening) for n, lib in iso.libraries.items()})


def by_name():
    return {load_preset(p).name: load_preset(p) for p in SHIPPED}


# -- shipped presets ----------------------------------------------------------------
def test_the_paper_configurations_are_shipped():
    names = set(by_name())
    for app in ("redis", "nginx"):
        assert {f"{app}-mpk1", f"{app}-mpk1-hardened", f"{app}-mpk2", f"{app}-mpk2-hardened", f"{app}-mpk3",
                f"{app}-mpk3-hardened"} <= names
    assert {"sqlite-fcalls", "sqlite-mpk3", "sqlite-ept2", "iperf-fcalls", "iperf-mpk2-light",
            "iperf-mpk2-dss", "iperf-ept2", "flexos-example-mpk2"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_preset_loads_and_validates(path):
    preset = load_preset(path, shipped=True)
    assert preset.name == path.stem and preset.description and preset.shipped
    assert preset_problems(preset) == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_preset_has_no_problems_against_the_embedded_tree(path, tree_libraries):
    preset = load_preset(path, shipped=True)
    assert [str(p) for p in preset_problems(preset, tree_libraries, apps=tree_apps())] == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_preset_applies_to_its_app_kraft_yaml(path, tmp_path):
    preset = load_preset(path)
    kraft_yaml = APPS_DIR / preset.app / "kraft.yaml"
    if not kraft_yaml.exists():
        pytest.skip(f"embedded tree has no apps/{preset.app}/kraft.yaml")
    copy = write(tmp_path, kraft_yaml.read_text(encoding="utf-8"), "kraft.yaml")
    kf = load_kraft(copy)
    save_kraft(kf.with_isolation(preset.isolation))
    after = load_kraft(copy)
    got = after.isolation()
    for lib in preset.isolation.libraries:
        got.set_hardening(lib, preset.isolation.libraries[lib].hardening)
    assert shape(got) == shape(preset.isolation)
    assert [str(p) for p in validate(got, kconfig=after.kconfig()) if p.severity == "error"] == []


@pytest.mark.parametrize("name", ["redis-mpk1", "redis-mpk2-hardened", "redis-mpk3"])
def test_redis_presets_apply_to_the_real_redis_kraft_yaml(name, real_tree, tmp_path):
    text = (real_tree / "apps" / "redis" / "kraft.yaml").read_text(encoding="utf-8")
    copy = write(tmp_path, text, "kraft.yaml")
    preset = load_preset(shipped_presets() / f"{name}.yaml")
    assert save_kraft(load_kraft(copy).with_isolation(preset.isolation)) is True
    after = load_kraft(copy)
    assert sorted(after.isolation().layout(), key=sorted) == sorted(preset.isolation.layout(), key=sorted)
    assert after.data["volumes"] == {} and after.data["unikraft"]["version"] == "staging"
    assert after.kconfig()["CONFIG_LIBFLEXOS_ENABLE_DSS"] == "y"


def test_fig6_layouts_follow_the_paper():
    presets = by_name()
    for app in ("redis", "nginx"):
        groups = {n: sorted(sorted(g) for g in presets[n].isolation.layout())
                  for n in presets if n.startswith(f"{app}-mpk")}
        everything = sorted(presets[f"{app}-mpk1"].isolation.libraries)
        assert groups[f"{app}-mpk1"] == [everything]
        assert ["lwip"] in groups[f"{app}-mpk2"] and len(groups[f"{app}-mpk2"]) == 2
        assert ["lwip"] in groups[f"{app}-mpk3"] and ["uksched", "ukschedcoop"] in groups[f"{app}-mpk3"]
        for n in (2, 3):
            plain, hardened = presets[f"{app}-mpk{n}"].isolation, presets[f"{app}-mpk{n}-hardened"].isolation
            assert plain.layout() == hardened.layout()
            assert not plain.hardened() and "lwip" in hardened.hardened()
        for name in groups:
            iso = presets[name].isolation
            assert (iso.driver, iso.shared_stacks, iso.dss) == ("intel-pku", False, True)


def test_fig9_and_fig10_mechanisms_follow_the_paper():
    p = {n: pr.isolation for n, pr in by_name().items()}
    assert (p["iperf-mpk2-light"].shared_stacks, p["iperf-mpk2-light"].dss) == (True, False)
    assert (p["iperf-mpk2-dss"].shared_stacks, p["iperf-mpk2-dss"].dss) == (False, True)
    assert p["iperf-mpk2-light"].layout() == p["iperf-mpk2-dss"].layout()
    # Fig. 9 (app-iperf's kraft.yaml, kraft.yaml.ept2): iperf alone in comp2, the rest in comp1.
    for name in ("iperf-mpk2-light", "iperf-mpk2-dss", "iperf-ept2"):
        assert p[name].compartment_of("iperf") == "comp2"
        assert {p[name].compartment_of(n) for n in ("newlib", "lwip")} == {"comp1"}
        assert p[name].default_compartment.name == "comp1"
    assert "tlsf" in p["iperf-mpk2-dss"].libraries and "tlsf" not in p["iperf-ept2"].libraries
    assert p["iperf-ept2"].driver == p["sqlite-ept2"].driver == "vmept"
    assert p["iperf-fcalls"].driver == p["sqlite-fcalls"].driver == "fcalls"
    assert len(p["sqlite-mpk3"].compartments) == 3 and p["sqlite-mpk3"].dss
    assert frozenset({"vfscore", "ramfs"}) in p["sqlite-ept2"].layout()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_dump_then_load_gives_the_same_preset(path, tmp_path):
    preset = load_preset(path)
    again = load_preset(write(tmp_path, dump_preset(preset), f"{preset.name}.yaml"))
    assert (again.name, again.description, again.app, again.kconfig, again.paper) == (
        preset.name, preset.description, preset.app, preset.kconfig, preset.paper)
    assert shape(again.isolation) == shape(preset.isolation)


def test_every_preset_of_a_paper_figure_says_which_build_it_is_and_is_measured_there():
    from flexui.model.isolation.design import DesignPoint
    from flexui.model.perf.benchdata import BenchDB

    db = BenchDB.load(user_dir=Path("/nonexistent"), with_user=False)
    metrics = {"redis": "GET", "nginx": "REQ", "iperf": "throughput", "sqlite": "time",
               "flexos-microbenchmarks": "gate"}
    papers = {n: pr for n, pr in by_name().items() if pr.paper is not None}
    assert set(by_name()) - set(papers) == {"flexos-example-mpk2"}
    for name, preset in papers.items():
        measured = db.lookup(preset.app, metrics[preset.app], DesignPoint.of(preset.isolation))
        assert measured is not None and measured.plotted, f"{name}: the database has no such point"
        assert measured.source.startswith(f"fig{preset.paper.figure}-")
        if preset.paper.figure == 6:
            assert measured.build == preset.paper.build
        else:
            assert preset.paper.build in (measured.note, name)


PAPER_SECTION = """\
paper:
  figure: 9
  build: flexos-ept2
  artifact:
    - experiments/fig-09_iperf-throughput/docker-data/configs/kraft.yaml.ept2
"""


def test_the_paper_section_reads_back_and_rejects_what_cannot_be_checked(tmp_path):
    text = MINIMAL.replace("isolation:\n", PAPER_SECTION + "isolation:\n", 1)
    preset = load_preset(write(tmp_path, text))
    assert (preset.paper.figure, preset.paper.build) == (9, "flexos-ept2")
    assert load_preset(write(tmp_path, dump_preset(preset))).paper == preset.paper
    for old, new, fix in (("figure: 9", "figure: nine", "`figure` must be the paper's figure number"),
                          ("    - experiments/fig-09", "    - /etc/fig-09", "`artifact` must list"),
                          ("  build: flexos-ept2\n", "", "`build` must name the build"),
                          ("  figure: 9", "  figure: 9\n  table: 1", "unknown key 'table' in `paper`")):
        path = write(tmp_path, text.replace(old, new), "bad.yaml")
        with pytest.raises(InputError) as err:
            load_preset(path)
        assert any(fix in p.message and str(p).startswith(f"{path}:") for p in err.value.problems), \
            [str(p) for p in err.value.problems]


# -- format -----------------------------------------------------------------------------
def test_minimal_preset_reads_every_field(tmp_path):
    path = write(tmp_path, MINIMAL)
    preset = load_preset(path)
    iso = preset.isolation
    assert (preset.name, preset.description, preset.app) == ("mine", "my layout", "redis")
    assert (iso.driver, iso.shared_stacks, iso.dss) == ("intel-pku", False, True)
    assert iso.libraries["lwip"].hardening == Hardening(ubsan=True, stack_protector=True)
    assert iso.compartment_of("tlsf") == "comp1"
    assert preset.kconfig == {"CONFIG_LIBUKDEBUG": "y"}
    assert str(iso.libraries["lwip"].origin) == f"{path}:13"
    assert str(iso.compartments[1].origin) == f"{path}:9"


@pytest.mark.parametrize("old, new, line, fix", [
    ("description: my layout", "descripton: my layout", 3,
     "unknown key 'descripton' in the preset (did you mean 'description'?)"),
    ("flexui-preset: 1\n", "", 1, "`flexui-preset: 1` is missing; add it as the first line"),
    ("flexui-preset: 1", "flexui-preset: 2", 1, "preset format 2 is not supported"),
    ("stacks: private", "stacks: privat", 6, "`stacks` must be private or shared, not 'privat' "
                                              "(did you mean 'private'?)"),
    ("stacks: private", "stack: shared", 6, "unknown key 'stack' in `mechanism` (did you mean 'stacks'?)"),
    ("dss: true", "dss: 'yes'", 6, "`dss` must be true or false"),
    ("{driver: intel-pku, ", "{", 6, "`driver:` is missing in `mechanism`"),
    ("harden: [ubsan, stack-protector]", "harden: [ubsan, asan]", 13,
     "unknown hardening 'asan' for library lwip (did you mean 'kasan'?)"),
    ("harden: [ubsan, stack-protector]", "harden: all", 13, "`harden` of library lwip must be true, false"),
    ("newlib: {compartment: comp1}", "newlib: [comp1]", 12, "library newlib must be a mapping"),
    ("newlib: {compartment: comp1}", "newlib: {compartmnet: comp1}", 12,
     "unknown key 'compartmnet' in library newlib (did you mean 'compartment'?)"),
    ("    - {name: comp2}", "    - {name: comp2, defualt: false}", 9,
     "unknown key 'defualt' in a compartment (did you mean 'default'?)"),
    ("    - {name: comp1, default: true}\n    - {name: comp2}", "    []", 8,
     "`compartments` must be a non-empty list"),
    ("name: mine", "name: my preset", 2, "may use only letters, digits"),
    ("app: redis\n", "", 1, "`app:` is missing; add it"),
    ("  CONFIG_LIBUKDEBUG: y", "  - LIBUKDEBUG=y", 15, "must be written CONFIG_NAME=value"),
    ("lwip: {compartment: comp2,", "lwip: {compartment: comp2", 13, "invalid YAML"),
])
def test_format_problems_name_file_line_and_fix(tmp_path, old, new, line, fix):
    assert old in MINIMAL
    path = write(tmp_path, MINIMAL.replace(old, new))
    with pytest.raises(InputError) as err:
        load_preset(path)
    matching = [str(p) for p in err.value.problems if fix in p.message]
    assert matching, [str(p) for p in err.value.problems]
    assert matching[0].startswith(f"{path}:{line}: ")


def test_kconfig_may_not_repeat_what_the_mechanism_decides(tmp_path):
    path = write(tmp_path, MINIMAL + "  CONFIG_LIBFLEXOS_ENABLE_DSS: n\n")
    problems = preset_problems(load_preset(path))
    assert [str(p) for p in problems] == [
        f"{path}:16: kconfig sets CONFIG_LIBFLEXOS_ENABLE_DSS, which the `isolation` section decides "
        "(driver, stacks, dss, heap_size, harden); remove it from kconfig"]


def test_unknown_app_and_mismatched_file_name(tmp_path):
    path = write(tmp_path, MINIMAL.replace("app: redis", "app: rediss"), "other.yaml")
    problems = preset_problems(load_preset(path), apps={"redis", "nginx"})
    assert [(p.origin.line, p.severity) for p in problems] == [(4, "error"), (2, "warning")]
    assert "app 'rediss' is not in the tree (did you mean 'redis'?)" in problems[0].message
    assert "differs from its file name 'other.yaml'" in problems[1].message


def test_layout_rules_apply_to_presets_with_their_lines(tmp_path):
    path = write(tmp_path, MINIMAL.replace("lwip: {compartment: comp2,", "lwip: {compartment: comp3,"))
    problems = preset_problems(load_preset(path))
    assert [str(p).split(": ")[0] for p in problems] == [f"{path}:9", f"{path}:13"]


# -- saving, listing, finding ---------------------------------------------------------------
def test_save_refuses_shipped_presets_and_writes_nothing(tmp_path):
    shipped_dir = tmp_path / "shipped"
    path = write(shipped_dir, MINIMAL)
    preset = load_preset(path, shipped=True)
    preset.isolation.set_shared_stacks(True)
    with pytest.raises(InputError) as err:
        save_preset(preset, path, shipped_dir=shipped_dir)
    assert "is a shipped preset" in str(err.value)
    assert path.read_text() == MINIMAL
    with pytest.raises(InputError):
        save_preset(preset, shipped_dir / "new.yaml", shipped_dir=shipped_dir)
    assert not (shipped_dir / "new.yaml").exists()


def test_save_is_atomic_and_skips_unchanged(tmp_path):
    user = tmp_path / "user"
    preset = load_preset(write(tmp_path / "src", MINIMAL))
    target = user / "mine.yaml"
    assert save_preset(preset, target, shipped_dir=tmp_path / "shipped") is True
    mtime = os.stat(target).st_mtime_ns
    assert save_preset(load_preset(target), target, shipped_dir=tmp_path / "shipped") is False
    assert os.stat(target).st_mtime_ns == mtime
    preset.isolation.set_hardening("newlib", Hardening.full())
    assert save_preset(preset, target, shipped_dir=tmp_path / "shipped") is True
    assert target.with_name("mine.yaml.old").exists()
    assert load_preset(target).isolation.libraries["newlib"].hardening.all


def test_list_reports_broken_files_and_shadowed_names(tmp_path):
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    write(shipped, MINIMAL)
    write(user, MINIMAL.replace("my layout", "mine too"))
    broken = write(user, "flexui-preset: 1\nname: broken\nisolation: [\n", "broken.yaml")
    write(user, "not a preset", "notes.txt")
    presets, problems = list_presets(shipped, user, shipped_dir=shipped)
    assert [(p.name, p.description, p.shipped) for p in presets] == [("mine", "my layout", True)]
    assert len(problems) == 2
    assert str(problems[0]).startswith(f"{broken}:")
    assert problems[1].severity == "warning" and "also defined in" in problems[1].message


def test_find_by_stem_name_or_path(tmp_path):
    d = tmp_path / "presets"
    write(d, MINIMAL.replace("name: mine", "name: fancy"), "mine.yaml")
    assert find_preset("mine", [d]) == d / "mine.yaml"
    assert find_preset("fancy", [d]) == d / "mine.yaml"
    assert find_preset(str(d / "mine.yaml"), []) == d / "mine.yaml"
    with pytest.raises(InputError) as err:
        find_preset("fancyy", [d])
    assert "no preset named 'fancyy' (did you mean 'fancy'?)" in str(err.value)
    with pytest.raises(InputError):
        find_preset(str(tmp_path / "missing.yaml"), [d])


def test_shipped_presets_are_found_by_name():
    assert find_preset("redis-mpk2", [shipped_presets()]) == shipped_presets() / "redis-mpk2.yaml"

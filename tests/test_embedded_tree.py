"""The embedded default tree loads like a FlexOS checkout and behaves like one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import kconfiglib
import pytest
import yaml

from flexui.model.kconfig.tree import load_kconfig, locate
from flexui.paths import embedded_tree, shipped_presets

WD = locate(workdir=embedded_tree())
APPS = sorted(p.name for p in WD.app_dirs())
SCRIPT = WD.unikraft / "support" / "scripts" / "uk_build_configure.sh"


def load(tmp_path: Path, app_dir: Path | None = None, config: str | None = None,
         libraries: list[str] | None = None):
    """Load the embedded tree for `app_dir` (an empty app, seeing every library, by default)."""
    if app_dir is None:
        app_dir = tmp_path / "app"
        app_dir.mkdir(exist_ok=True)
    if config is not None:
        (app_dir / ".config").write_text(config)
    return load_kconfig(WD, app_dir, build_dir=tmp_path / "build", read_config=config is not None,
                        libraries=libraries)


def kraft(app: str) -> dict:
    return yaml.safe_load((WD.apps / app / "kraft.yaml").read_text())


def test_the_embedded_tree_has_the_paper_apps():
    assert APPS == ["flexos-example", "flexos-microbenchmarks", "iperf", "nginx", "redis", "sqlite"]


@pytest.mark.parametrize("app", [None, *APPS])
def test_tree_loads_with_no_kconfig_warning_but_nginxs_select_of_a_choice(tmp_path, app):
    loaded = load(tmp_path, WD.apps / app if app else None)
    trap = [] if app not in (None, "nginx") else ["warning"]
    assert [p.severity for p in loaded.problems if "LWIP_THREADS" in p.message] == trap
    assert [str(p) for p in loaded.problems if "LWIP_THREADS" not in p.message] == []
    assert loaded.kconf.syms["UK_FULLVERSION"].str_value.startswith("0.5")


def test_every_library_has_a_defined_enabling_symbol(tmp_path):
    kconf = load(tmp_path).kconf
    libraries = WD.libraries()
    assert len(libraries) >= 40
    for name, lib in libraries.items():
        assert lib.symbols, f"{name}: Makefile.uk names no CONFIG_ symbol"
        for sym in lib.symbols:
            assert sym in kconf.syms and kconf.syms[sym].nodes, f"{name}: {sym} is not defined"
            assert kconf.syms[sym].type == kconfiglib.BOOL, f"{name}: {sym} is not a bool"


def test_core_and_external_libraries_are_told_apart():
    libraries = WD.libraries()
    assert libraries["uksched"].is_core and libraries["flexos-core"].is_core
    assert not libraries["newlib"].is_core and not libraries["lwip"].is_core
    assert libraries["newlib"].symbols == ("LIBNEWLIBC", "LIBNEWLIBM")


def test_enabling_redis_pulls_in_its_dependencies(tmp_path):
    kconf = load(tmp_path, libraries=["tlsf", "pthread-embedded", "newlib", "lwip", "redis"]).kconf
    deps = ["LIBNEWLIBC", "LIBLWIP", "LIBPTHREAD_EMBEDDED", "LIBPOSIX_SYSINFO",
            "LIBPOSIX_LIBDL", "LWIP_IPV6"]
    assert [kconf.syms[s].str_value for s in deps] == ["n"] * len(deps)
    assert kconf.syms["LIBNOLIBC"].str_value == "y"
    kconf.syms["LIBREDIS"].set_value("y")
    kconf.syms["LIBREDIS_SERVER"].set_value("y")
    assert [kconf.syms[s].str_value for s in deps] == ["y"] * len(deps)
    assert kconf.syms["LIBNOLIBC"].str_value == "n", "newlib replaces nolibc"


def test_redis_app_enables_the_redis_server_by_itself(tmp_path):
    kconf = load(tmp_path, WD.apps / "redis").kconf
    assert kconf.syms["LIBREDIS_SERVER"].str_value == "y"
    assert kconf.syms["LIBLWIP"].str_value == "y"


def test_data_shadow_stacks_only_offered_with_private_mpk_stacks(tmp_path):
    kconf = load(tmp_path).kconf
    dss = kconf.syms["LIBFLEXOS_ENABLE_DSS"]
    assert kconf.syms["LIBFLEXOS_NONE"].str_value == "y", "function calls are the default"
    assert dss.visibility == 0
    kconf.syms["LIBFLEXOS_INTELPKU"].set_value("y")
    assert kconf.syms["LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS"].str_value == "y"
    assert dss.visibility == 2
    kconf.syms["LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS"].set_value("y")
    assert dss.visibility == 0
    kconf.syms["LIBFLEXOS_VMEPT"].set_value("y")
    assert dss.visibility == 0
    assert kconf.syms["LIBFLEXOS_VMEPT_LIBRARY"].visibility == 2


def test_mpk_selects_the_page_table_and_pkru_support(tmp_path):
    kconf = load(tmp_path).kconf
    needs = ["HAVE_X86PKU", "DYNAMIC_PT", "PT_API"]
    assert [kconf.syms[s].str_value for s in needs] == ["n", "n", "n"]
    kconf.syms["LIBFLEXOS_INTELPKU"].set_value("y")
    assert [kconf.syms[s].str_value for s in needs] == ["y", "y", "y"]


@pytest.mark.parametrize("app", APPS)
def test_app_kraft_yaml_names_only_libraries_of_the_tree(app):
    libraries = WD.libraries()
    listed = kraft(app)["libraries"]
    assert set(listed) <= set(libraries)
    for name, entry in listed.items():
        assert (entry or {}).get("is_core", False) == libraries[name].is_core, name
        assert "version" not in (entry or {}) or not libraries[name].is_core, name
    if "uksched" in listed or "ukschedcoop" in listed:
        assert listed["uksched"]["compartment"] == listed["ukschedcoop"]["compartment"]


@pytest.mark.parametrize("app", APPS)
def test_app_kraft_yaml_settings_take_effect(tmp_path, app):
    """What kraft writes to .config from kraft.yaml loads cleanly and sticks."""
    doc = kraft(app)
    lines = ["CONFIG_ARCH_X86_64=y", "CONFIG_PLAT_KVM=y", *doc["unikraft"]["kconfig"]]
    for entry in doc["libraries"].values():
        lines += (entry or {}).get("kconfig", [])
    app_dir = tmp_path / app
    app_dir.mkdir()
    for name in ("Config.uk", "Makefile.uk", "kraft.yaml"):
        (app_dir / name).write_text((WD.apps / app / name).read_text())
    loaded = load(tmp_path, app_dir, config="\n".join(lines) + "\n")
    assert [str(p) for p in loaded.problems if "Kconfig ignores that" not in p.message] == []
    for line in lines:
        name, value = line.removeprefix("CONFIG_").split("=")
        assert loaded.kconf.syms[name].str_value == value, line
    for sym in loaded.kconf.unique_defined_syms:
        _ = sym.str_value  # evaluating reports selects that override unmet dependencies
    assert loaded.kconf.warnings == []


def test_shipped_presets_name_only_libraries_of_the_tree():
    libraries = set(WD.libraries())
    for path in sorted(shipped_presets().glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        assert doc["app"] in APPS, path.name
        assert set(doc["isolation"]["libraries"]) <= libraries, path.name


def test_tree_has_every_construct_the_menu_screen_draws(tmp_path):
    kconf = load(tmp_path).kconf
    nodes = list(kconf.node_iter())
    syms = [n.item for n in nodes if isinstance(n.item, kconfiglib.Symbol)]
    assert any(s.orig_type == kconfiglib.TRISTATE for s in syms)
    assert any(s.orig_type == kconfiglib.HEX and s.ranges for s in syms)
    assert any(s.orig_type == kconfiglib.STRING and s.nodes[0].prompt for s in syms)
    assert any(n.item is kconfiglib.MENU and n.visibility is not kconf.y for n in nodes)
    assert any(n.item is kconfiglib.COMMENT for n in nodes)
    assert any(n.is_menuconfig and isinstance(n.item, kconfiglib.Symbol) for n in nodes)
    assert any(isinstance(n.item, kconfiglib.Choice) for n in nodes)


def test_configure_script_appends_each_source_line_once(tmp_path):
    out = tmp_path / "libs.uk"
    dirs = f"{WD.unikraft / 'lib' / 'ukalloc'} {WD.unikraft / 'lib' / 'cpio'} {WD.unikraft / 'lib'}"
    for _ in range(2):
        done = subprocess.run(["sh", str(SCRIPT), "-e", dirs, "-o", str(out)],
                              capture_output=True, text=True, check=True)
        assert done.stdout.strip() == str(out) and done.stderr == ""
    assert out.read_text().splitlines() == [
        f'source "{WD.unikraft / "lib" / "ukalloc" / "Config.uk"}"',
        f'source "{WD.unikraft / "lib" / "Config.uk"}"',
    ]

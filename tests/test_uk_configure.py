"""The in-process twin of uk_build_configure.sh must load the same Kconfig as the script."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import kconfiglib
import pytest

from flexui.model.kconfig import uk_configure
from flexui.model.kconfig.tree import (
    _environment,
    _prepare_build_dir,
    app_library_names,
    kconfig_env,
    load_kconfig,
    locate,
)
from flexui.paths import embedded_tree


def trees() -> list[Path]:
    real = os.environ.get("FLEXUI_REAL_TREE")
    return [embedded_tree(), *([Path(real)] if real else [])]


def load_with_script(wd, app: Path, build: Path) -> kconfiglib.Kconfig:
    env = kconfig_env(wd, app, build, app_library_names(app))
    _prepare_build_dir(env)
    with _environment({**env, "KCONFIG_FUNCTIONS": "no_such_module_so_the_script_runs"}):
        return kconfiglib.Kconfig(str(wd.unikraft / "Config.uk"), warn_to_stderr=False)


def symbols(kconf: kconfiglib.Kconfig) -> dict[str, tuple[str, list[str]]]:
    return {s.name: (s.str_value, [f"{n.filename}:{n.linenr}" for n in s.nodes])
            for s in kconf.unique_defined_syms}


@pytest.mark.parametrize("tree", trees(), ids=lambda p: p.name)
def test_same_symbols_values_and_locations_as_the_shell_script(tree, tmp_path):
    wd = locate(workdir=tree)
    app = tmp_path / "redis"
    shutil.copytree(tree / "apps" / "redis", app)
    scripted = load_with_script(wd, app, tmp_path / "build-script")
    fast = load_kconfig(wd, app, build_dir=tmp_path / "build-fast").kconf
    assert symbols(fast) == symbols(scripted)
    generated = sorted(p.name for p in (tmp_path / "build-fast" / "kconfig").iterdir())
    assert generated == sorted(p.name for p in (tmp_path / "build-script" / "kconfig").iterdir())


def test_sources_are_appended_once_like_the_script_does(tmp_path):
    lib = tmp_path / "lib" / "a"
    lib.mkdir(parents=True)
    (lib / "Config.uk").write_text("config A\n\tbool\n")
    (tmp_path / "lib" / "empty").mkdir()
    out = tmp_path / "libs.uk"
    command = f"sh /x/support/scripts/uk_build_configure.sh -e '{lib} {tmp_path / 'lib' / 'empty'}' -o {out}"
    assert uk_configure.run(command) == str(out)
    assert uk_configure.run(command) == str(out)
    assert out.read_text() == f'source "{lib}/Config.uk"\n'


def test_other_shell_commands_are_left_to_kconfiglib():
    assert uk_configure.run('test "a" = "b" && echo y || echo n') is None
    assert uk_configure.run("sh other_script.sh -e x -o y") is None

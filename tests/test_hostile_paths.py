"""Paths holding shell syntax: they load, apply and write like any other, and run nothing."""

import shutil
from pathlib import Path

import kconfiglib
import pytest

from flexui.cli import EXIT_OK, main
from flexui.model.kconfig.tree import TreeError, load_kconfig, locate
from flexui.paths import embedded_tree

HOSTILE = ["x$(touch PWNED)", "y`touch PWNED`", "q'uo\"te; touch PWNED", "sp ace", "back\\slash"]


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var))
    monkeypatch.chdir(tmp_path)


def pwned(root: Path) -> list[Path]:
    return [*root.rglob("PWNED"), *Path.cwd().glob("PWNED")]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_app_and_workdir_paths_apply_and_run_nothing(tmp_path, name):
    base = tmp_path / name
    shutil.copytree(embedded_tree(), base / "tree", ignore=shutil.ignore_patterns("build", ".config*"))
    app = base / "tree" / "apps" / "redis"
    assert main(["--apply", "redis-mpk2", "--app", str(app), "--workdir", str(base / "tree")]) == EXIT_OK
    config = (app / ".config").read_text()
    assert "CONFIG_LIBLWIP=y" in config and "CONFIG_LIBFLEXOS_INTELPKU=y" in config
    assert main(["--apply", "redis-mpk2", "--app", str(base / "new app"), "--dry-run"]) == EXIT_OK
    assert pwned(tmp_path) == []


def test_tree_shell_call_with_a_hostile_path_is_refused_not_run(tmp_path):
    base = tmp_path / "t$(touch PWNED)"
    shutil.copytree(embedded_tree(), base, ignore=shutil.ignore_patterns("build", ".config*"))
    top = base / "unikraft" / "Config.uk"
    top.write_text(top.read_text() + '\nconfig EVIL\n\tstring\n\tdefault "$(shell,ls $(UK_BASE) | wc -l)"\n')
    with pytest.raises(TreeError, match=r"Config\.uk:\d+: \$\(shell,\.\.\.\) would hand a path"):
        load_kconfig(locate(workdir=base), base / "apps" / "redis")
    assert pwned(tmp_path) == []


def test_tree_plain_command_with_a_hostile_path_runs_without_a_shell(tmp_path):
    base = tmp_path / "t$(touch PWNED)"
    shutil.copytree(embedded_tree(), base, ignore=shutil.ignore_patterns("build", ".config*"))
    top = base / "unikraft" / "Config.uk"
    top.write_text(top.read_text() + '\nconfig WHERE\n\tstring\n\tdefault "$(shell,basename $(UK_BASE))"\n')
    loaded = load_kconfig(locate(workdir=base), base / "apps" / "redis")
    assert loaded.kconf.syms["WHERE"].str_value == "unikraft"
    assert pwned(tmp_path) == []


def test_safe_paths_still_reach_the_trees_own_shell_calls(tmp_path):
    shutil.copytree(embedded_tree(), tmp_path / "t", ignore=shutil.ignore_patterns("build", ".config*"))
    loaded = load_kconfig(locate(workdir=tmp_path / "t"), tmp_path / "t" / "apps" / "redis")
    assert isinstance(loaded.kconf, kconfiglib.Kconfig)
    assert loaded.kconf.syms["LIBLWIP"].visibility  # external libraries sourced through the Python twin

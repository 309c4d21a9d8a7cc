
import pytest

from flexui.model.kconfig.dotconfig import (
    config_text,
    parse_assignments,
    read_assignments,
    write_config,
    write_min_config,
)
from flexui.model.kconfig.tree import load_kconfig, locate


@pytest.fixture
def loaded(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    return load_kconfig(locate(), app, build_dir=tmp_path / "kbuild")


def test_write_config_keeps_old_copy_and_loads_back(loaded, tmp_path):
    path = loaded.config_path
    path.write_text("CONFIG_LIBUKSCHED=n\n")
    loaded.kconf.syms["LIBUKSCHED"].set_value("y")
    assert write_config(loaded.kconf, path)
    assert path.with_name(".config.old").read_text() == "CONFIG_LIBUKSCHED=n\n"
    again = load_kconfig(locate(), path.parent, build_dir=tmp_path / "kbuild")
    assert again.kconf.syms["LIBUKSCHED"].str_value == "y"
    assert config_text(again.kconf) == path.read_text()


def test_min_config_reproduces_the_same_values(loaded, tmp_path):
    loaded.kconf.syms["LIBFLEXOS"].set_value("y")
    loaded.kconf.syms["LIBFLEXOS_INTELPKU"].set_value(2)
    full = config_text(loaded.kconf)
    minimal = tmp_path / "defconfig"
    write_min_config(loaded.kconf, minimal)
    assert len(minimal.read_text()) < len(full)
    fresh = load_kconfig(locate(), loaded.app_dir, build_dir=tmp_path / "kbuild")
    fresh.kconf.load_config(str(minimal))
    assert config_text(fresh.kconf) == full


def test_assignments_and_garbage_lines(tmp_path):
    path = tmp_path / ".config"
    path.write_text('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_S="x \\"q\\""\nbogus line\n')
    values, problems = read_assignments(path)
    assert values == {"A": "y", "B": "n", "S": 'x "q"'}
    assert [(p.origin.line, "CONFIG_NAME=value" in p.message) for p in problems] == [(4, True)]


def test_comments_and_blank_lines_are_fine():
    values, problems = parse_assignments("#\n# Section\n#\n\nCONFIG_X=1\n", "f")
    assert values == {"X": "1"} and problems == []

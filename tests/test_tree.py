import os
import shutil
from pathlib import Path

import pytest

from flexui.model.kconfig.tree import TreeError, load_kconfig, locate
from flexui.paths import embedded_tree


@pytest.fixture
def workdir_copy(tmp_path) -> Path:
    """A private copy of the embedded tree that a test may break."""
    target = tmp_path / "wd"
    shutil.copytree(embedded_tree(), target)
    return target


@pytest.fixture
def empty_app(tmp_path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    return app


def test_default_is_the_embedded_workdir():
    wd = locate()
    assert wd.unikraft == embedded_tree().resolve() / "unikraft"
    assert wd.libs == embedded_tree().resolve() / "libs"


def test_core_tree_path_finds_libs_and_apps_beside_it(workdir_copy):
    wd = locate(tree=workdir_copy / "unikraft")
    assert wd.libs == (workdir_copy / "libs").resolve()
    assert wd.apps == (workdir_copy / "apps").resolve()


def test_not_a_tree_is_one_line_naming_path_and_fix(tmp_path):
    with pytest.raises(TreeError) as e:
        locate(workdir=tmp_path)
    message = str(e.value)
    assert str(tmp_path) in message and "--workdir" in message and "\n" not in message


def test_missing_directory_is_reported(tmp_path):
    with pytest.raises(TreeError, match="no such directory"):
        locate(tree=tmp_path / "nope")


def test_libraries_know_core_membership_and_symbols():
    libs = locate().libraries()
    assert libs["uksched"].is_core and libs["uksched"].symbols == ("LIBUKSCHED",)
    assert libs["flexos-core"].symbols == ("LIBFLEXOS",)
    external = [lib for lib in libs.values() if not lib.is_core]
    assert external and all(lib.symbols for lib in external)


def test_embedded_tree_loads_with_only_the_nginx_warning_and_writes_nothing_in_app(empty_app,
                                                                                  tmp_path):
    env_before = dict(os.environ)
    loaded = load_kconfig(locate(), empty_app, build_dir=tmp_path / "kbuild")
    assert [(p.severity, "LWIP_THREADS" in p.message) for p in loaded.problems] == [("warning", True)]
    # One line, at the select that does nothing, with what to do about it.
    warning = loaded.problems[0]
    assert warning.message.startswith("LIBNGINX select LWIP_THREADS, an option of a choice (")
    assert warning.message.endswith("pick LWIP_THREADS in its choice if the app needs it")
    assert Path(warning.origin.file).parts[-3:] == ("libs", "nginx", "Config.uk") and warning.origin.line == 1
    assert loaded.kconf.syms["LIBFLEXOS"].type
    assert "LIBFLEXOS_INTELPKU" in loaded.kconf.syms
    assert list(empty_app.iterdir()) == []
    assert dict(os.environ) == env_before


def test_every_library_dir_is_sourced(empty_app, tmp_path):
    wd = locate()
    loaded = load_kconfig(wd, empty_app, build_dir=tmp_path / "kbuild")
    for lib in wd.libraries().values():
        for sym in lib.symbols:
            assert sym in loaded.kconf.syms, f"{lib.name}: {sym} not loaded"


def test_kconfig_syntax_error_points_at_file_and_line(workdir_copy, empty_app, tmp_path):
    broken = workdir_copy / "unikraft" / "lib" / "uksched" / "Config.uk"
    broken.write_text(broken.read_text() + "\nconfig\n  bool oops this is not kconfig(\n")
    with pytest.raises(TreeError) as e:
        load_kconfig(locate(workdir=workdir_copy), empty_app, build_dir=tmp_path / "kbuild")
    assert "uksched/Config.uk:" in str(e.value)
    assert "\n" not in str(e.value)


def test_garbage_in_dot_config_is_reported_by_line(empty_app, tmp_path):
    (empty_app / ".config").write_text("CONFIG_LIBUKSCHED=y\nthis is garbage\nCONFIG_NO_SUCH_SYMBOL=y\n")
    loaded = load_kconfig(locate(), empty_app, build_dir=tmp_path / "kbuild")
    where = [(Path(p.origin.file).name, p.origin.line) for p in loaded.problems]
    assert (".config", 2) in where and (".config", 3) in where
    assert loaded.kconf.syms["LIBUKSCHED"].str_value == "y"


def test_real_flexos_checkout_loads(real_tree, tmp_path):
    wd = locate(workdir=real_tree)
    apps = wd.app_dirs()
    assert apps, f"{real_tree}/apps has no app"
    loaded = load_kconfig(wd, apps[0], build_dir=tmp_path / "kbuild", read_config=False)
    for name in ("LIBFLEXOS_INTELPKU", "LIBFLEXOS_VMEPT", "LIBFLEXOS_ENABLE_DSS",
                 "LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS"):
        assert name in loaded.kconf.syms
    assert not any(p.severity == "error" for p in loaded.problems if "error" in p.message)

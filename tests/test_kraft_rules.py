"""Opening an app as the real FlexOS tools would, over the traps the embedded tree sets.

The embedded tree has what catches a configurator out on the real one: a
`default y` library (sqlite) no other app uses, a library that selects a
choice symbol (nginx selects LWIP_THREADS), an app declaring a compartment it
does not use and a `noisolstack: true` (flexos-example), and a `.config` that
disagrees with its kraft.yaml (flexos-example, saved with DSS on).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flexui.cli import EXIT_OK, main
from flexui.model.kconfig import state as ks
from flexui.model.kconfig.dotconfig import config_text, read_assignments
from flexui.model.kconfig.tree import load_kconfig, locate
from flexui.model.session.edit_session import Session
from flexui.paths import embedded_tree

TREE = embedded_tree()
WD = locate(workdir=TREE)


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path, monkeypatch):
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var))


def copy_app(tmp_path: Path, name: str, *, keep_config: bool = True) -> Path:
    target = tmp_path / "apps" / name
    ignored = ["*.old", "flexui.mk", "build", *([] if keep_config else [".config"])]
    shutil.copytree(TREE / "apps" / name, target, ignore=shutil.ignore_patterns(*ignored))
    return target


def open_app(tmp_path: Path, app: Path) -> Session:
    return Session.open(app, workdir=WD, build_dir=tmp_path / "kbuild")


def library_menu_order(kconf) -> list[str]:
    """External libraries in the order their options appear in the menus."""
    seen: list[str] = []
    for node in kconf.node_iter():
        parts = Path(node.filename).parts
        if "libs" in parts and parts[-1] == "Config.uk":
            name = parts[parts.index("libs") + 1]
            if name not in seen:
                seen.append(name)
    return seen


# -- which libraries Kconfig sees ------------------------------------------------
def test_kconfig_sees_the_apps_libraries_in_kraft_yaml_order_and_no_default_y_stranger(tmp_path):
    session = open_app(tmp_path, copy_app(tmp_path, "redis"))
    assert library_menu_order(session.kconf) == ["tlsf", "pthread-embedded", "newlib", "lwip", "redis"]
    # lib-sqlite is `default y`: seen by Kconfig, it would switch itself on in every app.
    assert "LIBSQLITE" not in session.kconf.syms
    assert "LIBSQLITE" not in config_text(session.kconf)


def test_a_plain_make_app_gets_its_makefile_libs_in_that_order(tmp_path):
    app = tmp_path / "apps" / "plain"
    app.mkdir(parents=True)
    (app / "Makefile").write_text("UK_LIBS ?= $(PWD)/../../libs\n"
                                  "LIBS := $(UK_LIBS)/lwip:$(UK_LIBS)/newlib\n", encoding="utf-8")
    loaded = load_kconfig(WD, app, build_dir=tmp_path / "kbuild")
    assert loaded.libraries == ("lwip", "newlib")
    assert library_menu_order(loaded.kconf) == ["lwip", "newlib"]
    assert "LIBSQLITE" not in loaded.kconf.syms


def test_an_app_without_config_uk_adds_nothing_under_application_options(tmp_path):
    app = tmp_path / "apps" / "plain"
    app.mkdir(parents=True)
    (app / "Makefile").write_text("LIBS := $(UK_LIBS)/newlib\n", encoding="utf-8")
    text = config_text(load_kconfig(WD, app, build_dir=tmp_path / "kbuild").kconf)
    after = text.split("# Application Options\n#\n", 1)[1]
    assert after.startswith("CONFIG_UK_NAME="), after[:200]


# -- kconfiglib warnings -----------------------------------------------------------
def test_a_select_of_a_choice_symbol_is_a_warning_only(tmp_path):
    loaded = load_kconfig(WD, copy_app(tmp_path, "nginx"), build_dir=tmp_path / "kbuild")
    assert [p.severity for p in loaded.problems] == ["warning"]
    assert "LWIP_THREADS" in loaded.problems[0].message


def test_the_session_lists_the_kconfig_warning_with_its_problems(tmp_path):
    session = open_app(tmp_path, copy_app(tmp_path, "nginx"))
    shown = [p for p in session.problems() if "LWIP_THREADS" in p.message]
    assert [p.severity for p in shown] == ["warning"]


def test_apply_goes_on_over_a_kconfig_warning_and_prints_it_on_stderr(tmp_path, capsys):
    app = copy_app(tmp_path, "nginx")
    assert main(["--apply", "nginx-mpk2", "--app", str(app), "--workdir", str(TREE)]) == EXIT_OK
    err = capsys.readouterr().err
    assert "warning" in err and "LWIP_THREADS" in err
    assert (app / ".config").is_file()


# -- compartments and gates as kraft reads them --------------------------------------
def test_an_unused_compartment_warns_and_the_app_still_saves(tmp_path):
    app = copy_app(tmp_path, "flexos-example", keep_config=False)
    session = open_app(tmp_path, app)
    problems = session.problems()
    assert not [str(p) for p in problems if p.severity == "error"]
    unused = [p for p in problems if p.subject == "comp3"]
    assert len(unused) == 1 and "kraft ignores it" in unused[0].message
    before = (app / "kraft.yaml").read_text()
    session.save()
    assert (app / "kraft.yaml").read_text() == before and (app / ".config").is_file()


def test_noisolstack_true_keeps_private_stacks(tmp_path):
    session = open_app(tmp_path, copy_app(tmp_path, "flexos-example", keep_config=False))
    assert "noisolstack: true" in (session.app_dir / "kraft.yaml").read_text()
    assert not session.iso.shared_stacks
    assert session.kconf.syms["LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS"].str_value == "y"


# -- an existing .config is the user's ------------------------------------------------
def test_an_existing_config_opens_unchanged_and_says_where_kraft_yaml_disagrees(tmp_path):
    app = copy_app(tmp_path, "flexos-example")
    written, _ = read_assignments(app / ".config")
    session = open_app(tmp_path, app)
    now, _ = read_assignments_of(session, tmp_path)
    assert {k: now.get(k) for k in written} == written
    assert not session.dirty and session.iso.dss
    [d] = session.kraft_disagreements()
    assert (d.symbol, d.config_value, d.kraft_value) == ("LIBFLEXOS_ENABLE_DSS", "y", "n")
    assert d.origin.line == line_of(app / "kraft.yaml", "CONFIG_LIBFLEXOS_ENABLE_DSS=n")
    shown = [p for p in session.problems() if p.subject == "LIBFLEXOS_ENABLE_DSS"]
    assert shown and shown[0].severity == "warning"


def test_taking_kraft_yamls_side_is_what_kraft_configure_gives_and_undoes(tmp_path):
    app = copy_app(tmp_path, "flexos-example")
    session = open_app(tmp_path, app)
    changes = session.take_kraft_side()
    assert ("LIBFLEXOS_ENABLE_DSS", "y", "n") in [(c.name, c.old, c.new) for c in changes]
    assert not session.iso.dss and session.kraft_disagreements() == []
    fresh = open_app(tmp_path / "fresh", copy_app(tmp_path / "fresh", "flexos-example",
                                                  keep_config=False))
    assert without_paths(ks.values(session.kconf)) == without_paths(ks.values(fresh.kconf))
    session.undo()
    assert session.kconf.syms["LIBFLEXOS_ENABLE_DSS"].str_value == "y" and session.iso.dss


def test_a_fresh_open_sets_only_what_kraft_configure_sets(tmp_path):
    session = open_app(tmp_path, copy_app(tmp_path, "redis", keep_config=False))
    syms = session.kconf.syms
    assert syms["LIBREDIS"].str_value == "y" and syms["LIBREDIS_SERVER"].str_value == "y"
    # Only the first symbol of a library's Config.uk is switched on, not every addlib of it.
    assert syms["LIBREDIS_CLIENT"].str_value == "n"
    assert not session.dirty


def without_paths(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k not in ("UK_APP", "UK_BASE")}


def read_assignments_of(session: Session, tmp_path: Path):
    path = tmp_path / "now.config"
    path.write_text(config_text(session.kconf))
    return read_assignments(path)


def line_of(path: Path, needle: str) -> int:
    return next(i + 1 for i, line in enumerate(path.read_text().splitlines()) if needle in line)

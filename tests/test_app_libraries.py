"""Which libraries the Compartments screen shows: kraft.yaml ones plus those the Kconfig enables."""

import shutil
from pathlib import Path

import pytest
import yaml

from flexui.model.isolation.app_libraries import app_libraries
from flexui.model.kconfig.tree import locate
from flexui.model.session.edit_session import Session
from flexui.paths import embedded_tree


@pytest.fixture
def session(tmp_path: Path) -> Session:
    app = tmp_path / "apps" / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app,
                    ignore=shutil.ignore_patterns(".config", "*.old", "flexui.mk", "build"))
    return Session.open(app, workdir=locate(), build_dir=tmp_path / "kbuild")


def by_name(session: Session) -> dict:
    return {lib.name: lib for lib in app_libraries(session)}


def test_every_kraft_yaml_library_is_listed_in_file_order_with_core_ones_flagged(session):
    libs = app_libraries(session)
    assert [lib.name for lib in libs] == list(session.iso.libraries)
    assert all(lib.in_kraft and lib.enabled for lib in libs)
    assert {lib.name for lib in libs if lib.is_core} == {"uksched", "ukschedcoop"}


def test_an_app_naming_no_library_sees_them_all_and_lists_those_it_enables(tmp_path):
    app = tmp_path / "apps" / "bare"
    app.mkdir(parents=True)
    (app / "kraft.yaml").write_text("specification: '0.6'\nname: bare\n", encoding="utf-8")
    session = Session.open(app, workdir=locate(), build_dir=tmp_path / "kbuild")
    assert "iperf" not in by_name(session)
    session.set_many({"LIBIPERF": "y"}, "enable iperf")
    iperf = by_name(session)["iperf"]
    assert not iperf.in_kraft and iperf.enabled and not iperf.is_core  # no compartments to join


def test_a_library_switched_on_in_kconfig_joins_the_default_compartment(tmp_path):
    app = tmp_path / "apps" / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app,
                    ignore=shutil.ignore_patterns(".config", "*.old", "flexui.mk", "build"))
    doc = yaml.safe_load((app / "kraft.yaml").read_text())
    names = [n for n, e in doc.pop("libraries").items() if not (e or {}).get("is_core")]
    (app / "kraft.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (app / "Makefile").write_text("LIBS := " + ":".join(f"$(UK_LIBS)/{n}" for n in [*names, "iperf"]) + "\n")
    session = Session.open(app, workdir=locate(), build_dir=tmp_path / "kbuild")
    assert "iperf" not in by_name(session)
    session.set_many({"LIBIPERF": "y"}, "enable iperf")
    iperf = by_name(session)["iperf"]
    assert iperf.in_kraft and iperf.enabled and not iperf.is_core
    assert session.iso.compartment_of("iperf") == session.iso.default_compartment.name


def test_a_kraft_yaml_library_switched_off_in_kconfig_leaves_the_compartments(session):
    session.set_many({"LIBTLSF": "n"}, "disable tlsf")
    libs = by_name(session)
    assert "tlsf" not in libs and "tlsf" not in session.iso.libraries
    assert libs["redis"].enabled


def test_core_libraries_the_kraft_yaml_does_not_place_stay_hidden(session):
    names = set(by_name(session))
    core = {name for name, info in session.workdir.libraries().items() if info.is_core}
    assert core - {"uksched", "ukschedcoop"}, "the embedded tree has other core libraries"
    assert not (names & core) - {"uksched", "ukschedcoop"}

"""The shared editing session: one history, Kconfig and layout kept in step."""


import pytest

from flexui.model.isolation.kraftyaml import load_kraft
from flexui.model.kconfig.tree import locate
from flexui.model.presets.preset import load_preset
from flexui.model.session.edit_session import Session
from flexui.paths import shipped_presets

KRAFT = """\
specification: '0.6'
name: redis
unikraft:
  version: staging
  kconfig:
    - CONFIG_LIBFLEXOS=y
targets:
  - architecture: x86_64
    platform: kvm
compartments:
  - name: comp1
    mechanism:
      driver: intel-pku
    default: true
  - name: comp2
    mechanism:
      driver: intel-pku
libraries:
  tlsf:
    version: staging
    kconfig:
      - CONFIG_LIBTLSF=y
  newlib:
    version: staging
    compartment: comp1
  lwip:
    version: staging
    compartment: comp2
  uksched:
    is_core: true
    compartment: comp1
  ukschedcoop:
    is_core: true
    compartment: comp1
volumes: {}
"""


@pytest.fixture
def session(tmp_path) -> Session:
    app = tmp_path / "redis"
    app.mkdir()
    (app / "kraft.yaml").write_text(KRAFT)
    s = Session.open(app, workdir=locate(), build_dir=tmp_path / "kbuild")
    s.edit_isolation("start", lambda iso: None)
    return s


def sym(session, name):
    return session.kconf.syms[name].str_value


def test_moving_a_library_is_one_undoable_step(session):
    session.edit_isolation("move lwip", lambda iso: iso.move_library("lwip", "comp1"))
    assert session.iso.compartment_of("lwip") == "comp1"
    assert session.undo() == "move lwip"
    assert session.iso.compartment_of("lwip") == "comp2"
    assert session.redo() == "move lwip"
    assert session.iso.compartment_of("lwip") == "comp1"


def test_mechanism_change_sets_backend_symbols_and_undo_reverts_them(session):
    assert sym(session, "LIBFLEXOS_INTELPKU") == "y"
    session.edit_isolation("vmept", lambda iso: iso.set_driver("vmept"))
    assert sym(session, "LIBFLEXOS_VMEPT") == "y"
    assert sym(session, "LIBFLEXOS_INTELPKU") == "n"
    session.undo()
    assert sym(session, "LIBFLEXOS_INTELPKU") == "y"


def test_backend_chosen_in_kconfig_flows_back_into_the_layout(session):
    session.set_value(session.kconf.syms["LIBFLEXOS_NONE"], 2)
    assert session.iso.driver == "fcalls"
    assert all(c.driver == "fcalls" for c in session.iso.compartments)


def test_hardening_enables_sanitizer_runtimes_and_survives_save_and_reopen(session, tmp_path):
    from flexui.model.isolation.configuration import Hardening

    session.edit_isolation("harden lwip", lambda iso: iso.set_hardening("lwip", Hardening.full()))
    assert sym(session, "LIBUBSAN") == "y" and sym(session, "LIBKASAN") == "y"
    assert session.dirty
    written = {p.name for p in session.save()}
    assert written == {".config", "flexui.mk"}, "hardening is not part of kraft.yaml"
    assert not session.dirty
    again = Session.open(session.app_dir, workdir=locate(), build_dir=tmp_path / "kbuild")
    assert again.iso.libraries["lwip"].hardening == Hardening.full()
    assert again.kconf.syms["LIBUBSAN"].str_value == "y"
    assert load_kraft(session.app_dir / "kraft.yaml").data["volumes"] == {}


def test_changes_since_save_lists_the_cascade_and_revert_undoes_one(session):
    session.save()
    session.set_value(session.kconf.syms["LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS"], 2)
    names = {c.name for c in session.changes_since_save()}
    assert "LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS" in names
    assert session.iso.shared_stacks
    session.revert_symbol("LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS")
    assert not session.iso.shared_stacks
    assert session.changes_since_save() == []


def test_listeners_hear_every_edit(session):
    heard = []
    session.subscribe(heard.append)
    session.edit_isolation("new comp", lambda iso: iso.add_compartment())
    session.undo()
    assert [e.kind for e in heard] == ["edit", "undo"]


def test_preset_round_trip_through_as_preset(session):
    preset = load_preset(shipped_presets() / "redis-mpk3-hardened.yaml", shipped=True)
    session.apply_preset(preset)
    assert session.preset is preset
    assert len(session.iso.compartments) == 3
    again = session.as_preset("mine")
    assert again.isolation.layout() and sorted(map(sorted, again.isolation.layout())) == \
        sorted(map(sorted, session.iso.layout()))
    assert again.isolation.hardened() == session.iso.hardened()
    assert not any(k.startswith("CONFIG_LIBFLEXOS_") for k in again.kconfig)


def test_nothing_is_written_until_save(session):
    app = session.app_dir
    before = {p.name: p.read_bytes() for p in app.iterdir()}
    session.edit_isolation("vmept", lambda iso: iso.set_driver("vmept"))
    assert {p.name: p.read_bytes() for p in app.iterdir()} == before

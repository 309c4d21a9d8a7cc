"""The Compartments screen's board: columns and chips decided without Textual, on the embedded redis app."""

import shutil

from flexui.model.isolation.board import compartment_board
from flexui.model.isolation.configuration import Hardening
from flexui.model.kconfig.tree import locate
from flexui.model.session.edit_session import Session
from flexui.paths import embedded_tree


def embedded_redis_session(tmp_path) -> Session:
    app = tmp_path / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app,
                    ignore=shutil.ignore_patterns(".config", "*.old", "flexui.mk", "build"))
    return Session.open(app, workdir=locate(), build_dir=tmp_path / "kbuild")


def test_columns_follow_the_compartments_and_chips_their_libraries(tmp_path):
    session: Session = embedded_redis_session(tmp_path)
    board = compartment_board(session)
    assert [c.name for c in board.columns] == [c.name for c in session.iso.compartments]
    placed = {chip.lib.name: column.name for column in board.columns for chip in column.chips}
    assert placed == {name: session.iso.compartment_of(name) for name in placed}
    assert board.libraries[0] in placed


def test_a_move_changes_only_the_two_columns_it_touches(tmp_path):
    session = embedded_redis_session(tmp_path)
    before = compartment_board(session)
    source = session.iso.compartment_of("newlib")
    target = next(c.name for c in session.iso.compartments if c.name != source)
    session.move_library("newlib", target)
    after = compartment_board(session)
    changed = {b.name for a, b in zip(before.columns, after.columns) if a != b}
    assert changed == {source, target}


def test_hardening_shows_on_its_chip(tmp_path):
    session = embedded_redis_session(tmp_path)
    session.set_hardening("newlib", Hardening(ubsan=True))
    chip = next(c for col in compartment_board(session).columns for c in col.chips if c.lib.name == "newlib")
    assert chip.hardening.ubsan

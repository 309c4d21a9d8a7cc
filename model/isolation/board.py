"""What the Compartments screen shows, as data: one column per compartment, one chip per library.

The screen compares the board before and after an edit and repaints only the
columns and chips that differ, so the grouping and the problems attached to
each chip and column are decided here, once, without Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from flexui.model.files.problems import Problem
from flexui.model.isolation.app_libraries import AppLibrary, app_libraries
from flexui.model.isolation.configuration import Hardening
from flexui.model.session.edit_session import Session


@dataclass(frozen=True)
class Chip:
    lib: AppLibrary
    hardening: Hardening
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    default: bool
    declared: bool
    problems: tuple[Problem, ...]
    chips: tuple[Chip, ...]


@dataclass(frozen=True)
class Board:
    columns: tuple[Column, ...]
    problems: tuple[Problem, ...]
    libraries: tuple[str, ...]  # in the order Kconfig sees them: the first is selected first

    def problems_of(self, subject: str) -> list[Problem]:
        return [p for p in self.problems if p.subject == subject]


def compartment_board(session: Session) -> Board:
    iso = session.iso
    problems = tuple(session.problems())
    by_subject: dict[str, list[Problem]] = {}
    for p in problems:
        by_subject.setdefault(p.subject, []).append(p)
    chips: dict[str, list[Chip]] = {c.name: [] for c in iso.compartments}
    default = iso.default_compartment
    libs = app_libraries(session)
    for lib in libs:
        where = iso.compartment_of(lib.name) if lib.in_kraft else (default.name if default else None)
        placed = iso.libraries.get(lib.name)
        chips.setdefault(where or "no compartment", []).append(
            Chip(lib, placed.hardening if placed else Hardening(), tuple(by_subject.get(lib.name, []))))
    columns = [Column(i, comp.name, comp.default, True,
                      tuple(by_subject.get(comp.name, []) + [p for chip in chips[comp.name] for p in chip.problems]),
                      tuple(chips[comp.name]))
               for i, comp in enumerate(iso.compartments)]
    declared = {c.name for c in iso.compartments}
    for name in [k for k in chips if k not in declared]:
        # A library placed in a compartment kraft.yaml does not declare: shown where it says, flagged.
        columns.append(Column(len(columns), name, False, False,
                              tuple(p for chip in chips[name] for p in chip.problems), tuple(chips[name])))
    return Board(tuple(columns), problems, tuple(lib.name for lib in libs))

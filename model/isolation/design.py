"""A configuration reduced to what safety and performance depend on.

Benchmark data, the estimator and the safety ordering all compare
configurations; compartment names and numbering do not matter to them, only
which libraries share a compartment, which are hardened, and the mechanism.
`DesignPoint` is that canonical, hashable form.
"""

from __future__ import annotations

from dataclasses import dataclass

from flexui.model.isolation.configuration import COUPLED_LIBRARIES, IsolationConfig
from flexui.model.vocabulary import (
    FCALLS,
    MECH_EPT,
    MECH_FCALLS,
    MECH_MPK_DSS,
    MECH_MPK_PRIVATE,
    MECH_MPK_SHARED,
    MECHANISM_LABELS,
    MECHANISMS,
    MPK,
    VMEPT,
)

# "mpk-private" and "mpk-dss" are incomparable to each other.
MECHANISM_LEVEL: dict[str, int] = {
    MECH_FCALLS: 0,
    MECH_MPK_SHARED: 1,
    MECH_MPK_PRIVATE: 2,
    MECH_MPK_DSS: 2,
    MECH_EPT: 3,
}

Layout = frozenset[frozenset[str]]


def library_units(libraries, coupled=COUPLED_LIBRARIES) -> list[frozenset[str]]:
    """Libraries grouped into the units that always share a compartment (uksched+ukschedcoop)."""
    libs = set(libraries)
    out = []
    for group in coupled:
        present = frozenset(group & libs)
        if present:
            out.append(present)
            libs -= present
    return sorted(out + [frozenset({lib}) for lib in libs], key=sorted)


def mechanism_stronger_or_equal(a: str, b: str) -> bool:
    """True when mechanism `a` protects at least as much as `b`."""
    if a == b:
        return True
    return MECHANISM_LEVEL[a] > MECHANISM_LEVEL[b]


def mechanism_of(iso: IsolationConfig) -> str:
    driver = iso.driver
    if driver == VMEPT:
        return MECH_EPT
    if driver == MPK:
        if iso.shared_stacks:
            return MECH_MPK_SHARED
        return MECH_MPK_DSS if iso.dss else MECH_MPK_PRIVATE
    return MECH_FCALLS


def canonical_layout(groups) -> Layout:
    """A layout from any iterable of library groups, empty groups dropped."""
    return frozenset(frozenset(g) for g in groups if g)


def refines(finer: Layout, coarser: Layout) -> bool:
    """Every compartment of `finer` lies inside one compartment of `coarser`."""
    where = {lib: group for group in coarser for lib in group}
    for group in finer:
        owners = {where.get(lib) for lib in group}
        if len(owners) != 1 or None in owners:
            return False
    return set().union(*finer) == set().union(*coarser) if finer else not coarser


@dataclass(frozen=True)
class DesignPoint:
    """Layout x hardened libraries x mechanism, independent of naming."""

    layout: Layout
    hardened: frozenset[str]
    mechanism: str

    @classmethod
    def of(cls, iso: IsolationConfig) -> DesignPoint:
        return cls(
            layout=canonical_layout(iso.layout()),
            hardened=frozenset(iso.hardened()),
            mechanism=mechanism_of(iso),
        )

    @property
    def libraries(self) -> frozenset[str]:
        return frozenset().union(*self.layout) if self.layout else frozenset()

    @property
    def compartments(self) -> int:
        return len(self.layout)

    def label(self) -> str:
        """Short human label: `{redis} | {lwip} ; hardened: lwip ; MPK, ...`."""
        groups = sorted(self.layout, key=lambda g: (-len(g), sorted(g)))
        parts = [",".join(sorted(g)) for g in groups]
        hard = ",".join(sorted(self.hardened)) or "none"
        return f"[{'] ['.join(parts)}] hardened: {hard}; {MECHANISM_LABELS[self.mechanism]}"

    def key(self) -> str:
        """A stable text key for files and JSON output."""
        groups = sorted(",".join(sorted(g)) for g in self.layout)
        return f"{'|'.join(groups)};{','.join(sorted(self.hardened))};{self.mechanism}"

    @classmethod
    def from_key(cls, key: str) -> DesignPoint:
        try:
            layout_text, hard_text, mechanism = key.split(";")
        except ValueError:
            raise ValueError(f"not a configuration key: {key!r} (want 'libs|libs;hardened;mechanism')") from None
        if mechanism not in MECHANISM_LEVEL:
            raise ValueError(f"unknown mechanism {mechanism!r} in {key!r}; one of {', '.join(MECHANISMS)}")
        layout = canonical_layout(g.split(",") for g in layout_text.split("|") if g)
        hardened = frozenset(h for h in hard_text.split(",") if h)
        return cls(layout, hardened, mechanism)


def apply_point(iso: IsolationConfig, point: DesignPoint) -> None:
    """Make `iso` realise `point`: mechanism, compartments, full hardening of its libraries.

    The group holding the current default compartment's libraries (or the
    largest) stays the default and keeps its name; libraries the point does
    not mention stay in the default compartment; each other group keeps the
    compartment that already holds most of it, then free and new ones are used.
    """
    from flexui.model.isolation.configuration import Hardening

    driver = {MECH_EPT: VMEPT, MECH_FCALLS: FCALLS}.get(point.mechanism, MPK)
    if not iso.compartments:
        iso.add_compartment()
    iso.set_driver(driver)
    iso.set_shared_stacks(point.mechanism == MECH_MPK_SHARED)
    iso.dss = point.mechanism == MECH_MPK_DSS
    default = iso.default_compartment or iso.compartments[0]
    current = {lib for lib in point.libraries if iso.compartment_of(lib) == default.name}
    groups = sorted(point.layout, key=lambda g: (-len(g & current), -len(g), sorted(g)))
    free = [c.name for c in iso.compartments if c is not default]
    names = [default.name]
    for group in groups[1:]:
        best = max(free, key=lambda n: sum(iso.compartment_of(lib) == n for lib in group), default=None)
        if best is not None and any(iso.compartment_of(lib) == best for lib in group):
            free.remove(best)
            names.append(best)
        else:
            names.append("")
    for i, name in enumerate(names):
        if not name:
            names[i] = free.pop(0) if free else iso.add_compartment().name
    for group, name in zip(groups, names):
        for lib in group:
            if lib not in iso.libraries:
                iso.add_library(lib)
            iso.libraries[lib].compartment = name
    for comp in [c for c in iso.compartments if c.name not in names]:
        iso.remove_compartment(comp.name)
    for lib in point.libraries:
        iso.set_hardening(lib, Hardening.full() if lib in point.hardened else Hardening())


def realised(base: IsolationConfig, point: DesignPoint) -> IsolationConfig:
    """A copy of `base` (the app's own isolation, core flags and names kept) realising `point`."""
    iso = base.copy()
    apply_point(iso, point)
    return iso

"""Every reason an isolation configuration would not build, with its fix.

The FlexOS toolchain stops at the first mistake with a Python traceback, or
worse, builds something else than asked (an undeclared compartment, a
scheduler split across compartments). flexui checks the rules of
docs/FLEXOS.md up front and reports all problems at once, each pointing at
the compartment or library it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from flexui.model.files.problems import Problem
from flexui.model.files.yamlsource import did_you_mean
from flexui.model.isolation.configuration import (
    COUPLED_LIBRARIES,
    MAX_COMPARTMENTS,
    Compartment,
    IsolationConfig,
    Library,
    Origin,
)
from flexui.model.vocabulary import DRIVER_LABELS, DRIVERS, MPK

if TYPE_CHECKING:
    from flexui.model.kconfig.tree import LibraryInfo

# Hardening flag -> the Unikraft library that provides its runtime.
SANITIZER_LIBRARIES: dict[str, str] = {"ubsan": "ubsan", "kasan": "kasan", "stack-protector": "uksp"}


def validate(iso: IsolationConfig, *, available: Mapping[str, LibraryInfo] | None = None,
             kconfig: Mapping[str, str] | None = None) -> list[Problem]:
    """All problems of `iso`, sorted by position; empty when it can be built.

    `available` (library name -> tree info) enables the checks against the
    source tree; `kconfig` (symbol -> value, with or without CONFIG_) lets
    TLSF selected in Kconfig count for MPK.
    """
    problems: list[Problem] = []
    problems += _compartment_problems(iso)
    problems += _placement_problems(iso)
    problems += _mechanism_problems(iso, kconfig or {})
    if available is not None:
        problems += _tree_problems(iso, available)
    return sorted(problems, key=lambda p: (p.origin.file, p.origin.line or 0) if p.origin else ("", 0))


def _at(element: Compartment | Library | None, iso: IsolationConfig) -> Origin | None:
    return element.origin if element is not None and element.origin is not None else iso.origin


def _line_of(element: Compartment | Library) -> str:
    return f" at line {element.origin.line}" if element.origin and element.origin.line else ""


def _compartment_problems(iso: IsolationConfig) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, Compartment] = {}
    for c in iso.compartments:
        if c.name in seen:
            problems.append(Problem(
                f"compartment '{c.name}' is declared twice (also{_line_of(seen[c.name])}); "
                "rename one of them", subject=c.name, origin=_at(c, iso)))
        else:
            seen[c.name] = c

    for c in iso.compartments:
        if not c.driver:
            problems.append(Problem(
                f"compartment {c.name} has no mechanism driver; add `mechanism: {{driver: intel-pku}}` "
                f"(or vmept, fcalls)", subject=c.name, origin=_at(c, iso)))
        elif c.driver not in DRIVERS:
            problems.append(Problem(
                f"compartment {c.name} has unknown driver '{c.driver}'{did_you_mean(c.driver, DRIVERS)}; "
                f"use one of {', '.join(DRIVERS)}", subject=c.name, origin=_at(c, iso)))

    image = iso.driver
    for c in iso.compartments:
        if c.driver in DRIVERS and image in DRIVERS and c.driver != image:
            reference = iso.default_compartment or iso.compartments[0]
            problems.append(Problem(
                f"compartment {c.name} uses {c.driver} but {reference.name} uses {image}; an image has "
                f"one driver: set `driver: {image}` on every compartment (or change them all)",
                subject=c.name, origin=_at(c, iso)))

    defaults = [c for c in iso.compartments if c.default]
    if iso.compartments and not defaults:
        problems.append(Problem(
            "no compartment is marked `default: true`; mark exactly one (libraries without a "
            "compartment go there)", origin=iso.origin))
    for c in defaults[1:]:
        problems.append(Problem(
            f"compartment {c.name} is marked default, and so is {defaults[0].name}; keep "
            "`default: true` on exactly one", subject=c.name, origin=_at(c, iso)))

    limit = MAX_COMPARTMENTS.get(image)
    if limit is not None and len(iso.compartments) > limit:
        first_extra = iso.compartments[limit]
        problems.append(Problem(
            f"{DRIVER_LABELS[image]} allows at most {limit} compartments but {len(iso.compartments)} "
            f"are declared (from {first_extra.name} on); merge some or use vmept",
            subject=first_extra.name, origin=_at(first_extra, iso)))
    return problems


def _placement_problems(iso: IsolationConfig) -> list[Problem]:
    problems: list[Problem] = []
    declared = [c.name for c in iso.compartments]
    for lib in iso.libraries.values():
        if lib.compartment and lib.compartment not in declared:
            use = f"use one of {', '.join(declared)} or " if declared else ""
            problems.append(Problem(
                f"library {lib.name} is placed in compartment '{lib.compartment}', which is not "
                f"declared{did_you_mean(lib.compartment, declared)}; {use}declare "
                f"{lib.compartment} under `compartments`", subject=lib.name, origin=_at(lib, iso)))

    problems += _unused_compartment_problems(iso)

    default = iso.default_compartment
    for group in COUPLED_LIBRARIES:
        listed = sorted(n for n in group if n in iso.libraries)
        if not listed or default is None:
            continue
        placement = {n: iso.compartment_of(n) for n in sorted(group)}
        if len(set(placement.values())) == 1:
            continue
        moved = next((n for n in listed if placement[n] != default.name), listed[0])
        target = placement[moved]
        parts = []
        for n in sorted(group - {moved}):
            if n in iso.libraries:
                parts.append(f"move {n} to {target} too")
            else:
                parts.append(f"add `{n}: {{compartment: {target}, is_core: true}}` (unlisted, it "
                             f"stays in the default compartment {default.name})")
        problems.append(Problem(
            f"{' and '.join(sorted(group))} must share a compartment (FlexOS keeps them together), "
            f"but {moved} is in {target}: {'; '.join(parts)}",
            subject=moved, origin=_at(iso.libraries[moved], iso)))
    return problems


def _unused_compartment_problems(iso: IsolationConfig) -> list[Problem]:
    """kraft drops a declared compartment no library uses and builds without it;
    it stops ("Invalid compartment list") only when a used compartment comes
    after the last unused one, a hole in the numbering."""
    used = [c.default or bool(iso.members(c.name)) for c in iso.compartments]
    unused = [i for i, u in enumerate(used) if not u]
    problems: list[Problem] = []
    hole = next((iso.compartments[j].name for j in range(unused[-1] + 1, len(used)) if used[j]),
                None) if unused else None
    for i in unused:
        c = iso.compartments[i]
        if hole is not None and i == unused[-1]:
            problems.append(Problem(
                f"compartment {c.name} is declared but no library is placed in it, while {hole} "
                f"after it is used: kraft refuses such a hole (\"Invalid compartment list\"); "
                f"place a library in {c.name} or remove it", subject=c.name, origin=_at(c, iso)))
        else:
            problems.append(Problem(
                f"compartment {c.name} is declared but no library is placed in it; kraft ignores it "
                f"and builds without it (place a library there with `compartment: {c.name}`, or "
                "remove it)", subject=c.name, origin=_at(c, iso), severity="warning"))
    return problems


def _mechanism_problems(iso: IsolationConfig, kconfig: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    if not iso.compartments:
        return problems
    image = iso.driver
    if iso.dss and iso.shared_stacks:
        problems.append(Problem(
            "DSS (Data Shadow Stacks) needs private stacks; turn off shared stacks or turn off DSS",
            subject="dss", origin=iso.origin))
    if image in DRIVERS and image != MPK and (iso.dss or iso.shared_stacks):
        what = " and ".join(w for w, on in (("shared stacks", iso.shared_stacks), ("DSS", iso.dss)) if on)
        problems.append(Problem(
            f"{what} only apply to intel-pku and are ignored with {image}; turn them off",
            subject="stacks", origin=iso.origin, severity="warning"))
    if image == MPK and "tlsf" not in iso.libraries and _kconfig_value(kconfig, "LIBTLSF") != "y":
        problems.append(Problem(
            "Intel MPK needs the TLSF allocator; add `tlsf: {kconfig: [CONFIG_LIBTLSF=y]}` under "
            "`libraries` (or set CONFIG_LIBTLSF=y)", subject="tlsf", origin=iso.origin))
    if iso.heap_size is not None and iso.heap_size <= 0:
        problems.append(Problem(
            f"the per-compartment heap size must be positive, not {iso.heap_size}; "
            "leave it unset for the default (10000)", subject="heap_size", origin=iso.origin))
    return problems


def _tree_problems(iso: IsolationConfig, available: Mapping[str, LibraryInfo]) -> list[Problem]:
    problems: list[Problem] = []
    for lib in iso.libraries.values():
        info = available.get(lib.name)
        if info is None:
            problems.append(Problem(
                f"library {lib.name} is not in the source tree{did_you_mean(lib.name, available)}; "
                f"add it under libs/{lib.name} or remove it", subject=lib.name, origin=_at(lib, iso)))
        elif info.is_core and not lib.is_core:
            problems.append(Problem(
                f"library {lib.name} lives inside the Unikraft tree; add `is_core: true` to it",
                subject=lib.name, origin=_at(lib, iso)))
        elif lib.is_core and not info.is_core:
            problems.append(Problem(
                f"library {lib.name} is not part of the Unikraft tree (it is an external library); "
                "remove `is_core: true`", subject=lib.name, origin=_at(lib, iso)))
    for flag, runtime in SANITIZER_LIBRARIES.items():
        users = [lib for lib in iso.libraries.values() if flag in lib.hardening.names()]
        if users and runtime not in available:
            problems.append(Problem(
                f"{flag} hardening of {', '.join(u.name for u in users)} needs the {runtime} library "
                f"(CONFIG_LIB{runtime.upper()}), which this tree lacks; use a FlexOS tree with "
                f"unikraft/lib/{runtime} or drop {flag}", subject=users[0].name, origin=_at(users[0], iso)))
    return problems


def _kconfig_value(kconfig: Mapping[str, str], name: str) -> str | None:
    value = kconfig.get(f"CONFIG_{name}")
    return value if value is not None else kconfig.get(name)

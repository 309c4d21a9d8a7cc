"""Turn an isolation configuration into Kconfig values and make variables.

FlexOS spreads one isolation decision over three places: Kconfig (backend,
gate type, DSS, heap size, TLSF, sanitizer runtimes, the libraries
themselves), kraft.yaml (layout) and variables passed to make (per-library
hardening flags). This module derives the first and the last from an
IsolationConfig, and applies Kconfig values through kconfiglib so that
dependencies resolve as in menuconfig. Whatever kconfiglib does not accept
comes back as a Refusal that says why, instead of being silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import kconfiglib
from kconfiglib import HEX, INT, STRING

from flexui.model.files.yamlsource import did_you_mean
from flexui.model.isolation.configuration import (
    COUPLED_LIBRARIES,
    Hardening,
    IsolationConfig,
)
from flexui.model.isolation.kraftyaml import (
    DRIVER_SYMBOLS,
    DSS,
    HEAP_SIZE,
    PRIVATE_STACKS,
    SHARED_STACKS,
)
from flexui.model.kconfig.refusal import why_refused
from flexui.model.kconfig.values import same_value
from flexui.model.vocabulary import DRIVER_LABELS, MPK

if TYPE_CHECKING:
    from flexui.model.kconfig.tree import LibraryInfo

# Compiler flags per hardening, as the FlexOS evaluation passed them.
HARDENING_FLAGS: dict[str, str] = {
    "ubsan": "-fsanitize=undefined",
    "kasan": "-fsanitize=kernel-address",
    "stack-protector": "-fstack-protector-all -mstack-protector-guard=global",
}
# Hardening -> the Kconfig symbol of the library providing its runtime.
RUNTIME_SYMBOLS: dict[str, str] = {"ubsan": "LIBUBSAN", "kasan": "LIBKASAN",
                                   "stack-protector": "LIBUKSP"}
TLSF_SYMBOL = "LIBTLSF"
FLEXOS_SYMBOL = "LIBFLEXOS"

_HOOK = re.compile(r"\$[({]([A-Za-z0-9_-]+_CFLAGS_EXTRA)[)}]")
_MAKE_VAR = re.compile(r"\s*([A-Za-z0-9_.-]+)\s*:?=\s*(.*?)\s*\Z")


@dataclass(frozen=True)
class Assignment:
    """One Kconfig value to set; `reason` tells the user why flexui sets it.

    `subject` names the library it is for ("" for image-wide settings), so a
    refusal can point at that library's line.
    """

    symbol: str  # without CONFIG_
    value: str
    reason: str
    subject: str = ""


@dataclass(frozen=True)
class Refusal:
    """A value kconfiglib did not take, with the rule that stopped it."""

    symbol: str
    wanted: str
    got: str
    reason: str


# -- deriving -------------------------------------------------------------------
def effective_hardening(iso: IsolationConfig) -> dict[str, Hardening]:
    """Hardening per library; libraries FlexOS keeps together share it.

    The paper hardened the scheduler as one unit (uksched with ukschedcoop),
    so hardening one of a coupled group hardens the group.
    """
    result = {name: lib.hardening for name, lib in iso.libraries.items()}
    for group in COUPLED_LIBRARIES:
        members = [n for n in group if n in result]
        union = Hardening(*(any(getattr(result[n], f) for n in members)
                            for f in ("ubsan", "kasan", "stack_protector")))
        for n in members:
            result[n] = union
    return {n: h for n, h in result.items() if h.any}


def derive_assignments(iso: IsolationConfig,
                       libraries: Mapping[str, LibraryInfo]) -> list[Assignment]:
    """The Kconfig values `iso` implies, image-wide settings first."""
    # A library is switched on by its first symbol, as kraft does; the others
    # (redis's client, newlib's libm) are its options, not the library.
    enabling = [Assignment(sym, "y", f"library {name}", subject=name)
                for name in iso.libraries if name in libraries
                for sym in libraries[name].symbols[:1]]
    image: list[Assignment] = []
    if iso.compartments:
        driver = iso.driver
        label = DRIVER_LABELS.get(driver, driver)
        image.append(Assignment(FLEXOS_SYMBOL, "y", "FlexOS isolation"))
        if driver in DRIVER_SYMBOLS:
            image.append(Assignment(_bare(DRIVER_SYMBOLS[driver]), "y", f"{label} backend"))
        if driver == MPK:
            if iso.shared_stacks:
                image.append(Assignment(_bare(SHARED_STACKS), "y", "MPK gates with shared stacks"))
            else:
                image.append(Assignment(_bare(PRIVATE_STACKS), "y", "MPK gates with private stacks"))
                image.append(Assignment(_bare(DSS), "y" if iso.dss else "n",
                                        "Data Shadow Stacks " + ("on" if iso.dss else "off")))
            image.append(Assignment(TLSF_SYMBOL, "y", "Intel MPK needs the TLSF allocator"))
        if iso.heap_size is not None:
            image.append(Assignment(_bare(HEAP_SIZE), str(iso.heap_size), "per-compartment heap size"))
    hardened = effective_hardening(iso)
    if iso.compartments or hardened:
        for flag, sym in RUNTIME_SYMBOLS.items():
            users = [n for n, h in hardened.items() if flag in h.names()]
            reason = (f"{flag} hardening of {', '.join(users)}" if users
                      else f"no library is hardened with {flag}")
            image.append(Assignment(sym, "y" if users else "n", reason))
    # A library the configuration lists explicitly wins over an image-wide default.
    listed = {a.symbol for a in enabling}
    seen: set[str] = set()
    result = []
    for a in [*(a for a in image if a.symbol not in listed), *enabling]:
        if a.symbol not in seen:
            seen.add(a.symbol)
            result.append(a)
    return result


# kraft.yaml `targets` spellings -> the Kconfig choice options kraft sets for them.
ARCH_SYMBOLS: dict[str, str] = {"x86_64": "ARCH_X86_64", "arm64": "ARCH_ARM_64", "arm": "ARCH_ARM_32"}


def target_assignments(targets: object) -> list[Assignment]:
    """Architecture and platform of kraft.yaml's first target, as `kraft configure` sets them."""
    first = targets[0] if isinstance(targets, list) and targets else None
    if not isinstance(first, dict):
        return []
    out = []
    arch, plat = first.get("architecture"), first.get("platform")
    if isinstance(arch, str) and arch in ARCH_SYMBOLS:
        out.append(Assignment(ARCH_SYMBOLS[arch], "y", f"kraft.yaml target architecture {arch}"))
    if isinstance(plat, str) and plat:
        out.append(Assignment(f"PLAT_{plat.upper()}", "y", f"kraft.yaml target platform {plat}"))
    return out


def _bare(symbol: str) -> str:
    return symbol.removeprefix("CONFIG_")


# -- make variables -------------------------------------------------------------
def cflags_variables(name: str, info: LibraryInfo | None) -> list[str]:
    """The make variables that add compiler flags to library `name`.

    A library whose Makefile.uk reads a `*_CFLAGS_EXTRA` hook gets its flags
    there (newlib: LIBNEWLIB_CFLAGS_EXTRA). Otherwise Unikraft's build reads
    `<LIB>_CFLAGS` for every library it registers (uksched: LIBUKSCHED_CFLAGS),
    which is what the paper's scripts overrode for such libraries.
    """
    if info is not None:
        makefile = info.path / "Makefile.uk"
        if makefile.is_file():
            hooks = sorted(set(_HOOK.findall(makefile.read_text(encoding="utf-8", errors="replace"))))
            if hooks:
                return hooks
        if info.make_names:
            return [f"{m}_CFLAGS" for m in info.make_names]
    return [f"LIB{name.upper().replace('-', '_')}_CFLAGS_EXTRA"]


def hardening_flags(hardening: Hardening) -> str:
    return " ".join(HARDENING_FLAGS[n] for n in hardening.names())


def make_variables(iso: IsolationConfig,
                   libraries: Mapping[str, LibraryInfo]) -> dict[str, str]:
    """Make variable -> value for every hardened library."""
    out: dict[str, str] = {}
    for name, hardening in effective_hardening(iso).items():
        for var in cflags_variables(name, libraries.get(name)):
            out[var] = hardening_flags(hardening)
    return out


MAKE_VARS_HEADER = """\
# Written by flexui: make variables of this app's isolation configuration.
# kraft.yaml cannot say which libraries are hardened, so flexui keeps their
# compiler flags here and passes each line to make as VAR=value.
# flexui rewrites this file when it saves; change hardening in flexui.
"""


def make_vars_text(variables: dict[str, str]) -> str:
    """Content of <app>/flexui.mk: a header, then `VAR := value` lines."""
    return MAKE_VARS_HEADER + "".join(f"{var} := {value}\n" for var, value in variables.items())


def parse_make_vars(text: str) -> dict[str, str]:
    """`VAR := value` (or `VAR = value`) lines of a flexui.mk; comments skipped."""
    out = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = _MAKE_VAR.match(line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def hardening_from_make_vars(text: str,
                             libraries: Mapping[str, LibraryInfo]) -> dict[str, Hardening]:
    """The hardening a flexui.mk gives each library (the inverse of make_variables)."""
    owner = {var: name for name, info in libraries.items()
             for var in cflags_variables(name, info)}
    result: dict[str, Hardening] = {}
    for var, value in parse_make_vars(text).items():
        name = owner.get(var)
        if name is None:
            continue
        flags = value.split()
        found = Hardening(*(all(f in flags for f in HARDENING_FLAGS[n].split())
                            for n in ("ubsan", "kasan", "stack-protector")))
        old = result.get(name, Hardening())
        result[name] = Hardening(old.ubsan or found.ubsan, old.kasan or found.kasan,
                                 old.stack_protector or found.stack_protector)
    return {n: h for n, h in result.items() if h.any}


# -- applying -------------------------------------------------------------------
def apply_assignments(kconf: kconfiglib.Kconfig,
                      assignments: Sequence[Assignment]) -> list[Refusal]:
    """Set every assignment through kconfiglib; return those that did not stick.

    One pass in the given order is enough: kconfiglib keeps the user value of
    a symbol whose dependencies are still off and uses it once they are met,
    so only choices depend on order (the last option set to y is selected).
    When a symbol (or a choice, by setting one of its options to y) is
    assigned more than once, the last assignment counts.
    Refusals are judged after all values are in, so no dependency is
    reported unmet that a later assignment satisfies.
    """
    warn = kconf.warn
    kconf.warn = False  # every ignored value is explained by a Refusal instead
    try:
        for a in assignments:
            sym = kconf.syms.get(a.symbol)
            if sym is not None and sym.nodes:
                sym.set_value(_user_value(sym, a.value))
        last = {_slot(kconf, a): a for a in assignments}
        return [r for r in (_check(kconf, a) for a in last.values()) if r is not None]
    finally:
        kconf.warn = warn


def _slot(kconf: kconfiglib.Kconfig, a: Assignment) -> object:
    """What an assignment decides: its symbol, or for y on a choice option, the choice."""
    sym = kconf.syms.get(a.symbol)
    if sym is not None and sym.choice is not None and a.value == "y":
        return sym.choice
    return a.symbol


def _user_value(sym: kconfiglib.Symbol, value: str) -> str:
    """A value as written in .config/kraft.yaml, as kconfiglib's set_value wants it."""
    if sym.orig_type in (STRING, INT, HEX) and len(value) >= 2 and value[0] == value[-1] == '"':
        return kconfiglib.unescape(value[1:-1])
    return value


def _check(kconf: kconfiglib.Kconfig, a: Assignment) -> Refusal | None:
    sym = kconf.syms.get(a.symbol)
    if sym is None or not sym.nodes:
        defined = [s.name for s in kconf.unique_defined_syms]
        return Refusal(a.symbol, a.value, "", f"no such symbol in this tree{did_you_mean(a.symbol, defined)}")
    wanted = _user_value(sym, a.value)
    got = sym.str_value
    if same_value(sym, wanted, got):
        return None
    return Refusal(a.symbol, wanted, got, why_refused(sym, wanted))


def _same(sym: kconfiglib.Symbol, wanted: str, got: str) -> bool:
    if sym.orig_type in (INT, HEX):
        base = 10 if sym.orig_type is INT else 16
        try:
            return int(wanted, base) == int(got, base)
        except ValueError:
            return False
    return wanted == got

"""The isolation configuration of one image: compartments, placement, hardening.

This is the vocabulary every other module speaks (kraft.yaml, presets,
validation, Kconfig derivation, safety ordering, screens). It stores what the
user said, including what is wrong with it, so that validation can explain
problems instead of the loader silently fixing them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

from flexui.model.vocabulary import DRIVERS, FCALLS, MPK, VMEPT

# Protection keys: 16 in hardware, key 0 reserved for shared data.
MAX_COMPARTMENTS: dict[str, int | None] = {
    MPK: 15,
    VMEPT: None,
    FCALLS: None,
}

# Libraries that the FlexOS toolchain keeps in one compartment.
COUPLED_LIBRARIES: tuple[frozenset[str], ...] = (frozenset({"uksched", "ukschedcoop"}),)


@dataclass(frozen=True)
class Origin:
    """Where a value was read from, so problems can point at file:line."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass(frozen=True)
class Hardening:
    """Software hardening of one library (the paper's "SFI" column)."""

    ubsan: bool = False
    kasan: bool = False
    stack_protector: bool = False

    @classmethod
    def full(cls) -> Hardening:
        return cls(True, True, True)

    @property
    def any(self) -> bool:
        return self.ubsan or self.kasan or self.stack_protector

    @property
    def all(self) -> bool:
        return self.ubsan and self.kasan and self.stack_protector

    def names(self) -> list[str]:
        return [n for n, on in (("ubsan", self.ubsan), ("kasan", self.kasan),
                                ("stack-protector", self.stack_protector)) if on]

    @classmethod
    def from_names(cls, names: list[str] | tuple[str, ...] | set[str]) -> Hardening:
        s = {n.replace("_", "-").lower() for n in names}
        if "all" in s or "harden" in s:
            return cls.full()
        return cls("ubsan" in s, "kasan" in s, "stack-protector" in s or "sp" in s)

    def covers(self, other: Hardening) -> bool:
        """True when this hardening includes every protection of `other`."""
        return ((self.ubsan or not other.ubsan) and (self.kasan or not other.kasan)
                and (self.stack_protector or not other.stack_protector))


@dataclass
class Compartment:
    name: str
    driver: str = MPK
    default: bool = False
    # Mechanism keys other than `driver` as written in kraft.yaml (e.g. noisolstack).
    options: dict = field(default_factory=dict)
    origin: Origin | None = None


@dataclass
class Library:
    name: str
    compartment: str | None = None
    hardening: Hardening = field(default_factory=Hardening)
    is_core: bool = False
    origin: Origin | None = None


@dataclass
class IsolationConfig:
    """Compartments, library placement and image-wide mechanism options.

    `shared_stacks` and `dss` are image-wide in FlexOS (one Kconfig choice),
    while kraft.yaml repeats the driver per compartment; keeping the
    per-compartment driver lets validation report mixed drivers.
    """

    compartments: list[Compartment] = field(default_factory=list)
    libraries: dict[str, Library] = field(default_factory=dict)
    shared_stacks: bool = False
    dss: bool = False
    heap_size: int | None = None
    origin: Origin | None = None

    # -- queries -----------------------------------------------------------
    @property
    def driver(self) -> str:
        """The image's driver: the default compartment's, else the first one's."""
        d = self.default_compartment
        if d is not None:
            return d.driver
        return self.compartments[0].driver if self.compartments else FCALLS

    @property
    def default_compartment(self) -> Compartment | None:
        defaults = [c for c in self.compartments if c.default]
        return defaults[0] if defaults else None

    def compartment(self, name: str) -> Compartment | None:
        for c in self.compartments:
            if c.name == name:
                return c
        return None

    def compartment_of(self, library: str) -> str | None:
        """Effective compartment: libraries without one go to the default."""
        lib = self.libraries.get(library)
        if lib is not None and lib.compartment:
            return lib.compartment
        d = self.default_compartment
        return d.name if d else None

    def members(self, compartment: str) -> list[str]:
        return [n for n in self.libraries if self.compartment_of(n) == compartment]

    def layout(self) -> list[frozenset[str]]:
        """Library sets per used compartment: what matters, not the numbering."""
        groups: dict[str, set[str]] = {}
        for n in self.libraries:
            c = self.compartment_of(n)
            if c is not None:
                groups.setdefault(c, set()).add(n)
        return [frozenset(g) for g in groups.values()]

    def hardened(self) -> list[str]:
        return [n for n, lib in self.libraries.items() if lib.hardening.any]

    def copy(self) -> IsolationConfig:
        return copy.deepcopy(self)

    # -- edits (used by screens; each returns what it did, for the user) ---
    def coupled_with(self, library: str) -> list[str]:
        for group in COUPLED_LIBRARIES:
            if library in group:
                return sorted(n for n in group - {library} if n in self.libraries)
        return []

    def move_library(self, library: str, compartment: str) -> list[str]:
        """Move a library (and the libraries coupled to it); return all moved."""
        if library not in self.libraries:
            raise KeyError(f"no library {library!r} in this configuration")
        if self.compartment(compartment) is None:
            raise KeyError(f"no compartment {compartment!r}")
        moved = [library, *self.coupled_with(library)]
        for n in moved:
            self.libraries[n].compartment = compartment
        return moved

    def add_compartment(self, name: str | None = None) -> Compartment:
        taken = {c.name for c in self.compartments}
        if name is None:
            i = len(self.compartments) + 1
            while f"comp{i}" in taken:
                i += 1
            name = f"comp{i}"
        elif name in taken:
            raise ValueError(f"a compartment named {name!r} already exists")
        # No mechanism options copied: kraft ignores them (noisolstack does nothing), and a
        # new compartment written from a preset has none either.
        comp = Compartment(name=name, driver=self.driver, default=not self.compartments)
        self.compartments.append(comp)
        return comp

    def rename_compartment(self, old: str, new: str) -> None:
        comp = self.compartment(old)
        if comp is None:
            raise KeyError(f"no compartment {old!r}")
        if new != old and self.compartment(new) is not None:
            raise ValueError(f"a compartment named {new!r} already exists")
        comp.name = new
        for lib in self.libraries.values():
            if lib.compartment == old:
                lib.compartment = new

    def remove_compartment(self, name: str) -> list[str]:
        """Remove a compartment; its libraries go to the default. Return them."""
        comp = self.compartment(name)
        if comp is None:
            raise KeyError(f"no compartment {name!r}")
        if len(self.compartments) == 1:
            raise ValueError("an image needs at least one compartment")
        was_default = comp.default
        self.compartments.remove(comp)
        if was_default:
            self.compartments[0].default = True
        default = self.default_compartment  # none when no compartment was marked default
        target = default.name if default is not None else None
        moved = []
        for lib in self.libraries.values():
            if lib.compartment == name:
                lib.compartment = target
                moved.append(lib.name)
        return moved

    def set_default(self, name: str) -> None:
        if self.compartment(name) is None:
            raise KeyError(f"no compartment {name!r}")
        for c in self.compartments:
            c.default = c.name == name

    def set_driver(self, driver: str) -> None:
        if driver not in DRIVERS:
            raise ValueError(f"unknown driver {driver!r}; use one of {', '.join(DRIVERS)}")
        for c in self.compartments:
            c.driver = driver
        if driver != MPK:
            self.shared_stacks = False
            self.dss = False

    def set_shared_stacks(self, shared: bool) -> None:
        self.shared_stacks = shared
        if shared:
            self.dss = False

    def set_hardening(self, library: str, hardening: Hardening) -> None:
        lib = self.libraries[library]
        self.libraries[library] = replace(lib, hardening=hardening)

    def add_library(self, name: str, compartment: str | None = None, is_core: bool = False) -> Library:
        if name in self.libraries:
            return self.libraries[name]
        lib = Library(name=name, compartment=compartment, is_core=is_core)
        self.libraries[name] = lib
        return lib

"""Presets: named isolation configurations of one app, in a small YAML format.

A preset says what the paper's configurations (and the user's own) are in
one place: mechanism, compartments, where each library goes, which ones are
hardened, and extra Kconfig values. Unlike kraft.yaml it carries hardening,
and it states stacks and DSS once for the image. The format is documented in
presets/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from yaml.nodes import Node

from flexui.model.build.settings import BuildSettings, conflicts, read_settings
from flexui.model.files.atomic import write_atomic
from flexui.model.files.problems import InputError, Problem
from flexui.model.files.yamlpatch import dump_flow
from flexui.model.files.yamlsource import (
    did_you_mean,
    locate,
    parse,
    read_text,
    type_name,
)
from flexui.model.isolation.apply import cflags_variables, effective_hardening
from flexui.model.isolation.configuration import (
    Compartment,
    Hardening,
    IsolationConfig,
    Library,
    Origin,
)
from flexui.model.isolation.kraftyaml import (
    DRIVER_SYMBOLS,
    DSS,
    HEAP_SIZE,
    PRIVATE_STACKS,
    SHARED_STACKS,
    kconfig_items,
    kconfig_problems,
)
from flexui.model.isolation.validation import validate
from flexui.model.vocabulary import MPK

if TYPE_CHECKING:
    from flexui.model.kconfig.tree import LibraryInfo

FORMAT_KEY = "flexui-preset"
FORMAT_VERSION = 1
PRESET_SUFFIXES = (".yaml", ".yml")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")

TOP_KEYS = (FORMAT_KEY, "name", "description", "app", "paper", "isolation", "kconfig", "build")
PAPER_KEYS = ("figure", "build", "artifact")
ISOLATION_KEYS = ("mechanism", "compartments", "libraries")
MECHANISM_KEYS = ("driver", "stacks", "dss", "heap_size")
COMPARTMENT_KEYS = ("name", "default")
LIBRARY_KEYS = ("compartment", "is_core", "harden")
STACKS = ("private", "shared")
HARDENING_NAMES = ("ubsan", "kasan", "stack-protector")

# Kconfig symbols decided by the `isolation` section; `kconfig` must not set them too.
ISOLATION_SYMBOLS = (*DRIVER_SYMBOLS.values(), SHARED_STACKS, PRIVATE_STACKS, DSS, HEAP_SIZE,
                     "CONFIG_LIBUBSAN", "CONFIG_LIBKASAN", "CONFIG_LIBUKSP")


@dataclass(frozen=True)
class PaperSource:
    """The configuration of the FlexOS paper (ASPLOS'22) a preset reproduces, and where the
    artifact (project-flexos/asplos22-ae) defines it, so the claim can be checked."""

    figure: int
    build: str  # the build's name in the figure's data (Fig. 6: its task id)
    artifact: tuple[str, ...]  # files of the artifact, relative to its root


@dataclass
class Preset:
    name: str
    description: str
    app: str
    isolation: IsolationConfig
    kconfig: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    shipped: bool = False
    paper: PaperSource | None = None
    build: BuildSettings = field(default_factory=BuildSettings)  # extra make variables and environment
    # Where `app`, `name` and each kconfig entry were written, for problems.
    origins: dict[str, Origin] = field(default_factory=dict, repr=False, compare=False)


# -- reading ------------------------------------------------------------------
def load_preset(path: Path, *, shipped: bool = False) -> Preset:
    """Read a preset file; InputError with every format problem at file:line."""
    path = Path(path)
    file = str(path)
    root, data = parse(read_text(path), file)
    reader = _Reader(root, file)
    preset = reader.preset(data)
    if reader.problems:
        raise InputError(reader.problems)
    preset.path = path
    preset.shipped = shipped
    return preset


class _Reader:
    """Checks a preset document and builds the Preset, collecting every problem."""

    def __init__(self, root: Node | None, file: str):
        self.root = root
        self.file = file
        self.problems: list[Problem] = []

    def at(self, *path: str | int, key: bool = False) -> Origin:
        return locate(self.root, self.file, *path, key=key)

    def bad(self, message: str, *path: str | int, subject: str = "", key: bool = False) -> None:
        self.problems.append(Problem(message, subject=subject, origin=self.at(*path, key=key)))

    def keys(self, mapping: dict, allowed: tuple[str, ...], *path: str | int, what: str) -> None:
        for k in mapping:
            if k not in allowed:
                self.bad(f"unknown key '{k}' in {what}{did_you_mean(str(k), allowed)}; "
                         f"allowed: {', '.join(allowed)}", *path, str(k), key=True)

    def mapping(self, value: object, what: str, *path: str | int, example: str) -> dict | None:
        if isinstance(value, dict):
            return value
        self.bad(f"{what} must be a mapping like `{example}`, not {type_name(value)}", *path)
        return None

    def text(self, data: dict, key: str) -> str:
        """A required non-empty top-level text value."""
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if key in data:
            self.bad(f"`{key}` must be non-empty text, not {type_name(value)}", key)
        else:
            self.bad(f"`{key}:` is missing; add it")
        return ""

    # -- sections --------------------------------------------------------
    def preset(self, data: object) -> Preset:
        empty = Preset("", "", "", IsolationConfig())
        if data is None:
            self.bad(f"the file is empty; a preset starts with `{FORMAT_KEY}: {FORMAT_VERSION}`")
            return empty
        if not isinstance(data, dict):
            self.bad(f"a preset must be a mapping of keys, not {type_name(data)}")
            return empty
        self.keys(data, TOP_KEYS, what="the preset")
        version = data.get(FORMAT_KEY)
        if FORMAT_KEY not in data:
            self.bad(f"`{FORMAT_KEY}: {FORMAT_VERSION}` is missing; add it as the first line "
                     "(it marks the file as a flexui preset)")
        elif version != FORMAT_VERSION or isinstance(version, bool):
            self.bad(f"preset format {version!r} is not supported; this flexui reads "
                     f"`{FORMAT_KEY}: {FORMAT_VERSION}`", FORMAT_KEY)
        name = self.text(data, "name")
        if name and not NAME_PATTERN.match(name):
            self.bad(f"preset name {name!r} may use only letters, digits, '.', '_' and '-' "
                     "(it is used as a file name and on the command line)", "name")
        description = data.get("description", "")
        if not isinstance(description, str):
            self.bad(f"`description` must be text, not {type_name(description)}", "description")
            description = ""
        app = self.text(data, "app")
        iso = IsolationConfig()
        if "isolation" not in data:
            self.bad("`isolation:` is missing; add mechanism, compartments and libraries")
        else:
            section = self.mapping(data["isolation"], "`isolation`", "isolation",
                                   example="{mechanism: ..., compartments: [...], libraries: {...}}")
            if section is not None:
                iso = self.isolation(section)
        kconfig: dict[str, str] = {}
        origins = {k: self.at(k, key=True) for k in ("name", "app") if k in data}
        if "kconfig" in data:
            problems = kconfig_problems(self.root, self.file, data, ())
            self.problems += problems
            kconfig = dict(kconfig_items(data["kconfig"]))
            for i, (sym, _) in enumerate(kconfig_items(data["kconfig"])):
                step: str | int = i if isinstance(data["kconfig"], list) else sym
                origins[sym] = self.at("kconfig", step, key=isinstance(step, str))
        paper = self.paper(data["paper"]) if "paper" in data else None
        build = BuildSettings()
        if "build" in data:
            build, problems = read_settings(self.root, self.file, data["build"], "build")
            self.problems += problems
        return Preset(name=name, description=description.strip(), app=app, isolation=iso,
                      kconfig=kconfig, origins=origins, paper=paper, build=build)

    def paper(self, value: object) -> PaperSource | None:
        example = "{figure: 9, build: flexos-ept2, artifact: [experiments/...]}"
        section = self.mapping(value, "`paper`", "paper", example=example)
        if section is None:
            return None
        self.keys(section, PAPER_KEYS, "paper", what="`paper`")
        figure, build, artifact = (section.get(k) for k in PAPER_KEYS)
        ok = True
        if isinstance(figure, bool) or not isinstance(figure, int) or figure <= 0:
            self.bad(f"`figure` must be the paper's figure number, not {figure!r}", "paper",
                     *(["figure"] if "figure" in section else []))
            ok = False
        if not isinstance(build, str) or not build.strip():
            self.bad("`build` must name the build in the figure's data (Fig. 6: its task id)", "paper",
                     *(["build"] if "build" in section else []))
            ok = False
        if not isinstance(artifact, list) or not artifact or not all(
                isinstance(a, str) and a and not a.startswith("/") and ".." not in a.split("/")
                for a in artifact):
            self.bad("`artifact` must list the artifact's files that define the build, relative to "
                     "its root (e.g. experiments/fig-09_iperf-throughput/...)", "paper",
                     *(["artifact"] if "artifact" in section else []))
            ok = False
        if ok and isinstance(figure, int) and isinstance(build, str) and isinstance(artifact, list):
            return PaperSource(figure, build.strip(), tuple(artifact))
        return None

    def isolation(self, section: dict) -> IsolationConfig:
        self.keys(section, ISOLATION_KEYS, "isolation", what="`isolation`")
        for key in ISOLATION_KEYS:
            if key not in section:
                self.bad(f"`{key}:` is missing under `isolation`; add it", "isolation", key=True)
        iso = IsolationConfig(origin=self.at("isolation", "mechanism") if "mechanism" in section
                              else self.at("isolation", key=True))
        driver = MPK
        if "mechanism" in section and (mech := self.mapping(
                section["mechanism"], "`mechanism`", "isolation", "mechanism",
                example="{driver: intel-pku, stacks: private, dss: true}")) is not None:
            driver = self.mechanism(mech, iso)
        comps = section.get("compartments")
        if "compartments" in section:
            if not isinstance(comps, list) or not comps:
                self.bad("`compartments` must be a non-empty list like "
                         "`[{name: comp1, default: true}, {name: comp2}]`", "isolation", "compartments")
            else:
                for i, entry in enumerate(comps):
                    comp = self.compartment(entry, i, driver)
                    if comp is not None:
                        iso.compartments.append(comp)
        if "libraries" in section and (libs := self.mapping(section["libraries"], "`libraries`", "isolation",
                                                            "libraries",
                                                            example="{lwip: {compartment: comp2}}")) is not None:
            for name, entry in libs.items():
                lib = self.library(str(name), entry)
                if lib is not None:
                    iso.libraries[lib.name] = lib
        return iso

    def mechanism(self, mech: dict, iso: IsolationConfig) -> str:
        path = ("isolation", "mechanism")
        self.keys(mech, MECHANISM_KEYS, *path, what="`mechanism`")
        driver = mech.get("driver")
        if not isinstance(driver, str):
            self.bad("`driver` must be intel-pku, vmept or fcalls" if "driver" in mech
                     else "`driver:` is missing in `mechanism`; add intel-pku, vmept or fcalls",
                     *path, *(["driver"] if "driver" in mech else []))
            driver = ""
        stacks = mech.get("stacks", "private")
        if stacks not in STACKS:
            self.bad(f"`stacks` must be private or shared, not {stacks!r}"
                     f"{did_you_mean(str(stacks), STACKS)}", *path, "stacks")
        iso.shared_stacks = stacks == "shared"
        dss = mech.get("dss", False)
        if not isinstance(dss, bool):
            self.bad(f"`dss` must be true or false, not {dss!r}", *path, "dss")
        iso.dss = dss is True
        heap = mech.get("heap_size")
        if heap is not None and (isinstance(heap, bool) or not isinstance(heap, int) or heap <= 0):
            self.bad(f"`heap_size` must be a positive whole number of bytes, not {heap!r}", *path,
                     "heap_size")
        elif heap is not None:
            iso.heap_size = heap
        return driver

    def compartment(self, entry: object, i: int, driver: str) -> Compartment | None:
        path = ("isolation", "compartments", i)
        if not isinstance(entry, dict):
            self.bad(f"compartment #{i + 1} must be a mapping like `{{name: comp{i + 1}}}`, "
                     f"not {type_name(entry)}", *path)
            return None
        self.keys(entry, COMPARTMENT_KEYS, *path, what="a compartment")
        name = entry.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            self.bad(f"compartment #{i + 1} needs a `name` made of letters, digits, '.', '_', '-' "
                     f"(e.g. comp{i + 1})", *path)
            return None
        default = entry.get("default", False)
        if not isinstance(default, bool):
            self.bad(f"`default` of compartment {name} must be true or false", *path, "default",
                     subject=name)
        return Compartment(name=name, driver=driver, default=default is True, origin=self.at(*path))

    def library(self, name: str, entry: object) -> Library | None:
        path = ("isolation", "libraries", name)
        origin = self.at(*path, key=True)
        if entry is None:
            return Library(name=name, origin=origin)
        if not isinstance(entry, dict):
            self.bad(f"library {name} must be a mapping like `{{compartment: comp2, harden: true}}` "
                     f"(or empty for the default compartment), not {type_name(entry)}", *path,
                     subject=name)
            return None
        self.keys(entry, LIBRARY_KEYS, *path, what=f"library {name}")
        comp = entry.get("compartment")
        if comp is not None and not isinstance(comp, str):
            self.bad(f"`compartment` of library {name} must be a compartment name, "
                     f"not {type_name(comp)}", *path, "compartment", subject=name)
            comp = None
        is_core = entry.get("is_core", False)
        if not isinstance(is_core, bool):
            self.bad(f"`is_core` of library {name} must be true or false", *path, "is_core", subject=name)
        return Library(name=name, compartment=comp, is_core=is_core is True,
                       hardening=self.hardening(name, entry.get("harden", False)), origin=origin)

    def hardening(self, name: str, harden: object) -> Hardening:
        path = ("isolation", "libraries", name, "harden")
        if isinstance(harden, bool):
            return Hardening.full() if harden else Hardening()
        if isinstance(harden, list) and all(isinstance(h, str) for h in harden):
            unknown = [h for h in harden if h not in HARDENING_NAMES]
            for h in unknown:
                self.bad(f"unknown hardening '{h}' for library {name}{did_you_mean(h, HARDENING_NAMES)}; "
                         f"use {', '.join(HARDENING_NAMES)}", *path, subject=name)
            return Hardening.from_names([h for h in harden if h in HARDENING_NAMES])
        self.bad(f"`harden` of library {name} must be true, false or a list of "
                 f"{', '.join(HARDENING_NAMES)}", *path, subject=name)
        return Hardening()


# -- checking -----------------------------------------------------------------
def preset_problems(preset: Preset, available: Mapping[str, LibraryInfo] | None = None, *,
                    apps: Collection[str] | None = None) -> list[Problem]:
    """validate() plus what only a preset can get wrong.

    `apps` (names of the tree's apps) enables the check that the preset's app exists.
    """
    problems = validate(preset.isolation, available=available, kconfig=preset.kconfig)
    fallback = Origin(str(preset.path)) if preset.path else None
    for sym in preset.kconfig:
        if sym in ISOLATION_SYMBOLS:
            problems.append(Problem(
                f"kconfig sets {sym}, which the `isolation` section decides (driver, stacks, dss, "
                "heap_size, harden); remove it from kconfig", subject=sym,
                origin=preset.origins.get(sym, fallback)))
    hardening_vars = {var for name in effective_hardening(preset.isolation)
                      for var in cflags_variables(name, (available or {}).get(name))}
    problems += conflicts(preset.build, hardening_vars, fallback)
    if apps is not None and preset.app not in apps:
        problems.append(Problem(
            f"app '{preset.app}' is not in the tree{did_you_mean(preset.app, apps)}; "
            f"use one of {', '.join(sorted(apps)) or '(none)'}", subject=preset.app,
            origin=preset.origins.get("app", fallback)))
    if preset.path is not None and preset.path.stem != preset.name:
        problems.append(Problem(
            f"preset name '{preset.name}' differs from its file name '{preset.path.name}'; rename "
            f"one so both say the same", subject=preset.name,
            origin=preset.origins.get("name", fallback), severity="warning"))
    return problems


# -- writing ------------------------------------------------------------------
def isolation_section(iso: IsolationConfig, *, explicit: bool = False) -> dict:
    """A preset's `isolation:` as plain data; `explicit` also writes `harden: false` (for scripts)."""
    mech: dict = {"driver": iso.driver}
    if iso.driver == MPK or iso.shared_stacks or iso.dss:
        mech["stacks"] = "shared" if iso.shared_stacks else "private"
        mech["dss"] = iso.dss
    if iso.heap_size is not None:
        mech["heap_size"] = iso.heap_size
    libraries: dict[str, dict] = {}
    for lib in iso.libraries.values():
        entry: dict = {}
        if lib.compartment:
            entry["compartment"] = lib.compartment
        if lib.is_core:
            entry["is_core"] = True
        if lib.hardening.all:
            entry["harden"] = True
        elif lib.hardening.any:
            entry["harden"] = lib.hardening.names()
        elif explicit:
            entry["harden"] = False
        libraries[lib.name] = entry
    return {"mechanism": mech,
            "compartments": [{"name": c.name, **({"default": True} if c.default else {})}
                             for c in iso.compartments],
            "libraries": libraries}


def dump_preset(preset: Preset) -> str:
    """The preset in the documented format (one line per compartment and library)."""
    section = isolation_section(preset.isolation)
    lines = [f"{FORMAT_KEY}: {FORMAT_VERSION}", f"name: {dump_flow(preset.name)}"]
    if preset.description:
        lines.append(f"description: {dump_flow(preset.description)}")
    lines.append(f"app: {dump_flow(preset.app)}")
    if preset.paper is not None:
        lines += ["paper:", f"  figure: {preset.paper.figure}", f"  build: {dump_flow(preset.paper.build)}",
                  "  artifact:", *(f"    - {dump_flow(a)}" for a in preset.paper.artifact)]
    lines += ["isolation:", f"  mechanism: {dump_flow(section['mechanism'])}", "  compartments:"]
    lines += [f"    - {dump_flow(c)}" for c in section["compartments"]]
    lines.append("  libraries:" if section["libraries"] else "  libraries: {}")
    lines += [f"    {dump_flow(name)}: {dump_flow(entry)}" for name, entry in section["libraries"].items()]
    if preset.kconfig:
        lines.append("kconfig:")
        lines += [f"  {name}: {dump_flow(value)}" for name, value in preset.kconfig.items()]
    if preset.build:
        lines.append("build:")
        lines += [f"  {section}: {dump_flow(entries)}"
                  for section, entries in preset.build.as_dict().items() if entries]
    return "\n".join(lines) + "\n"


def save_preset(preset: Preset, path: Path, *, shipped_dir: Path | None = None) -> bool:
    """Write atomically; False when unchanged. Refuses to overwrite shipped presets."""
    path = Path(path)
    shipped_dir = shipped_dir if shipped_dir is not None else _shipped_dir()
    if path.resolve().parent == Path(shipped_dir).resolve() or (
            preset.shipped and preset.path is not None and path.resolve() == preset.path.resolve()):
        raise InputError([Problem(
            f"{path.name} is a shipped preset and stays as published; save under your own "
            "presets folder or another name", subject=preset.name, origin=Origin(str(path)))])
    text = dump_preset(preset)
    _check_text(text, path)
    return write_atomic(path, text)


def _check_text(text: str, path: Path) -> None:
    """The text must read back as a preset before it is written."""
    root, data = parse(text, str(path))
    reader = _Reader(root, str(path))
    reader.preset(data)
    if reader.problems:
        raise InputError(reader.problems)


def _shipped_dir() -> Path:
    from flexui.paths import shipped_presets

    return shipped_presets()


# -- finding ------------------------------------------------------------------
def _preset_files(directory: Path) -> list[Path]:
    if not Path(directory).is_dir():
        return []
    return sorted(p for p in Path(directory).iterdir() if p.suffix in PRESET_SUFFIXES and p.is_file())


def list_presets(*dirs: Path, shipped_dir: Path | None = None) -> tuple[list[Preset], list[Problem]]:
    """Presets of `dirs` (earlier dirs win on equal names) and the problems of broken files.

    Nothing is skipped silently: a file that does not load, or a name taken
    by an earlier directory, is reported as a problem.
    """
    shipped_dir = Path(shipped_dir if shipped_dir is not None else _shipped_dir()).resolve()
    presets: dict[str, Preset] = {}
    problems: list[Problem] = []
    for directory in dirs:
        shipped = Path(directory).resolve() == shipped_dir
        for path in _preset_files(directory):
            try:
                preset = load_preset(path, shipped=shipped)
            except InputError as e:
                problems += e.problems
                continue
            first = presets.get(preset.name)
            if first is not None:
                problems.append(Problem(
                    f"preset '{preset.name}' is also defined in {first.path}, which wins; rename "
                    "this one to use it", subject=preset.name,
                    origin=preset.origins.get("name", Origin(str(path))), severity="warning"))
                continue
            presets[preset.name] = preset
    return list(presets.values()), problems


def find_preset(name_or_path: str, dirs: Iterable[Path]) -> Path:
    """The file of a preset given by name (file stem or `name:`) or by path."""
    dirs = list(dirs)
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix in PRESET_SUFFIXES or "/" in name_or_path:
        if candidate.is_file():
            return candidate
        raise InputError([Problem("preset file not found; check the path", origin=Origin(str(candidate)))])
    files = [p for d in dirs for p in _preset_files(d)]
    for path in files:
        if path.stem == name_or_path:
            return path
    names = []
    for path in files:
        try:
            preset = load_preset(path)
        except InputError:
            continue
        if preset.name == name_or_path:
            return path
        names.append(preset.name)
    known = sorted({*names, *(p.stem for p in files)})
    raise InputError([Problem(
        f"no preset named '{name_or_path}'{did_you_mean(name_or_path, known)}; "
        f"known presets: {', '.join(known) or '(none)'}", subject=name_or_path)])

"""Read and write FlexOS kraft.yaml (specification '0.6') without losing anything.

flexui edits only the isolation part of kraft.yaml (`compartments`, the
placement keys of `libraries`, and the few FlexOS Kconfig entries that must
agree with them). Everything else is the user's and survives untouched: key
order, unknown keys, the list or mapping form of `kconfig`, and, through
`yamlpatch`, the comments and layout of the lines flexui did not change.
Hardening is not stored here: FlexOS passes it to make as variables.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import Node

from flexui.model.files.atomic import write_atomic
from flexui.model.files.problems import InputError, Problem
from flexui.model.files.yamlpatch import dump_block, patch_yaml
from flexui.model.files.yamlsource import locate, parse, read_text, type_name
from flexui.model.isolation.configuration import (
    Compartment,
    IsolationConfig,
    Library,
    Origin,
)
from flexui.model.vocabulary import (
    BACKEND_SYMBOLS,
    DSS_SYMBOL,
    PRIVATE_STACKS_SYMBOL,
    SHARED_STACKS_SYMBOL,
)

KCONFIG_ENTRY = re.compile(r"(CONFIG_[A-Za-z0-9_]+)=(.*)\Z", re.S)
KCONFIG_NAME = re.compile(r"CONFIG_[A-Za-z0-9_]+\Z")

DRIVER_SYMBOLS: dict[str, str] = {driver: f"CONFIG_{sym}" for driver, sym in BACKEND_SYMBOLS.items()}
SHARED_STACKS = f"CONFIG_{SHARED_STACKS_SYMBOL}"
PRIVATE_STACKS = f"CONFIG_{PRIVATE_STACKS_SYMBOL}"
DSS = f"CONFIG_{DSS_SYMBOL}"
HEAP_SIZE = "CONFIG_LIBFLEXOS_COMP_HEAP_SIZE"

# Top-level keys after which new `compartments` / `libraries` blocks go.
_PLACE_AFTER = {"compartments": ("targets", "unikraft", "name", "specification"),
                "libraries": ("compartments", "targets", "unikraft")}


@dataclass
class KraftFile:
    """One kraft.yaml: its whole document, plus the text it was read from.

    `text` lets `dump` keep comments and layout; it is None for a document
    flexui creates from scratch.
    """

    path: Path
    data: dict
    text: str | None = field(default=None, repr=False, compare=False)

    # -- reading -------------------------------------------------------------
    def kconfig(self) -> dict[str, str]:
        """`unikraft` then every library's `kconfig`, merged (later wins)."""
        merged: dict[str, str] = {}
        for _, _, kconfig in _kconfig_blocks(self.data):
            for name, value in kconfig_items(kconfig):
                merged[name] = value
        return merged

    def kconfig_origins(self) -> dict[str, Origin]:
        """Where each `kconfig` entry is written (the last one, as in `kconfig`)."""
        file = str(self.path)
        root = _root_node(self.dump(), file)
        origins: dict[str, Origin] = {}
        for where, _, kconfig in _kconfig_blocks(self.data):
            if isinstance(kconfig, list):
                for i, entry in enumerate(kconfig):
                    m = KCONFIG_ENTRY.match(entry) if isinstance(entry, str) else None
                    if m:
                        origins[m.group(1)] = locate(root, file, *where, "kconfig", i)
            elif isinstance(kconfig, dict):
                for name in kconfig:
                    origins[str(name)] = locate(root, file, *where, "kconfig", str(name), key=True)
        return origins

    def isolation(self) -> IsolationConfig:
        """The compartments and placement, with file:line origins."""
        file = str(self.path)
        root = _root_node(self.dump(), file)
        data = self.data
        comps_data = data.get("compartments")
        comps_data = comps_data if isinstance(comps_data, list) else []
        compartments = []
        for i, entry in enumerate(comps_data):
            if not isinstance(entry, dict):
                continue
            driver, options = _mechanism(entry.get("mechanism"))
            comp_name = entry.get("name")
            compartments.append(Compartment(
                name=comp_name if isinstance(comp_name, str) else "",
                driver=driver, default=entry.get("default") is True, options=options,
                origin=locate(root, file, "compartments", i)))
        libs_data = data.get("libraries")
        libs_data = libs_data if isinstance(libs_data, dict) else {}
        libraries = {}
        for name, entry in libs_data.items():
            entry = entry if isinstance(entry, dict) else {}
            comp = entry.get("compartment")
            libraries[str(name)] = Library(
                name=str(name), compartment=comp if isinstance(comp, str) else None,
                is_core=entry.get("is_core") is True,
                origin=locate(root, file, "libraries", str(name), key=True))
        kconfig = self.kconfig()
        anchor = "compartments" if "compartments" in data else "libraries"
        return IsolationConfig(
            compartments=compartments, libraries=libraries,
            shared_stacks=_shared_stacks(kconfig), dss=kconfig.get(DSS) == "y",
            heap_size=_heap_size(kconfig),
            origin=locate(root, file, anchor, key=True) if anchor in data else Origin(file))

    # -- writing -------------------------------------------------------------
    def with_isolation(self, iso: IsolationConfig, since: IsolationConfig | None = None) -> KraftFile:
        """A new document with `iso`'s layout; every other key as it was.

        With `since`, only the gate type, DSS, heap size and backend that changed
        after it are written into the file's Kconfig: a value kraft.yaml merely
        disagrees with (an existing .config's) is the user's to settle, not ours.
        """
        doc = copy.deepcopy(self.data)
        old_comps = doc.get("compartments")
        old_comps = old_comps if isinstance(old_comps, list) else []
        if iso.compartments:
            _put(doc, "compartments", _compartments(old_comps, iso))
        else:
            doc.pop("compartments", None)
        old_libs = doc.get("libraries")
        old_libs = old_libs if isinstance(old_libs, dict) else {}
        if iso.libraries or "libraries" in doc:
            _put(doc, "libraries", _libraries(old_libs, iso, doc))
        _align_kconfig(doc, iso, since)
        return KraftFile(self.path, doc, text=self.text)

    def dump(self) -> str:
        """The document as text: the original text, patched where data changed."""
        if self.text is not None:
            patched = patch_yaml(self.text, self.data)
            if patched is not None:
                return patched
        return "---\n" + dump_block(self.data)


def load_kraft(path: Path) -> KraftFile:
    """Read a kraft.yaml; InputError listing every problem with file:line."""
    path = Path(path)
    text = read_text(path)
    return KraftFile(path, parse_kraft(text, str(path)), text=text)


def parse_kraft(text: str, file: str) -> dict:
    """The document of a kraft.yaml text, after checking the types flexui relies on."""
    root, data = parse(text, file)
    if root is None or data is None:  # no node at all, or a null document
        raise InputError([Problem("the file is empty; a kraft.yaml starts with "
                                  "`specification: '0.6'` and `name: <app>`", origin=Origin(file, 1))])
    if not isinstance(data, dict):
        raise InputError([Problem(f"kraft.yaml must be a mapping of keys, not {type_name(data)}",
                                  origin=locate(root, file))])
    problems = _check(root, data, file)
    if problems:
        raise InputError(problems)
    return data


def save_kraft(kf: KraftFile, path: Path | None = None) -> bool:
    """Write atomically (keeping kraft.yaml.old); False when nothing changed.

    The text is checked the way `load_kraft` would before anything is written.
    """
    target = Path(path) if path is not None else kf.path
    text = kf.dump()
    parse_kraft(text, str(target))
    return write_atomic(target, text)


# -- checks ----------------------------------------------------------------
def _check(root: Node, data: dict, file: str) -> list[Problem]:
    problems: list[Problem] = []

    def bad(message: str, *path: str | int, subject: str = "", key: bool = False) -> None:
        problems.append(Problem(message, subject=subject, origin=locate(root, file, *path, key=key)))

    for key in ("specification", "name"):
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], (str, int, float))):
            bad(f"`{key}` must be text, not {type_name(data[key])}", key)
    unikraft = data.get("unikraft")
    if isinstance(unikraft, dict):
        problems += kconfig_problems(root, file, unikraft, ("unikraft",))
    elif "unikraft" in data and not isinstance(unikraft, (str, int, float)):
        bad(f"`unikraft` must be a mapping (version, kconfig) or a version, not {type_name(unikraft)}",
            "unikraft")

    comps = data.get("compartments")
    if "compartments" in data and not isinstance(comps, list):
        bad(f"`compartments` must be a list (each item `- name: comp1`), not {type_name(comps)}",
            "compartments")
    for i, entry in enumerate(comps if isinstance(comps, list) else []):
        if not isinstance(entry, dict):
            bad(f"compartment #{i + 1} must be a mapping with `name` and `mechanism`, "
                f"not {type_name(entry)}", "compartments", i)
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            bad(f"compartment #{i + 1} needs a `name` (text, e.g. `name: comp{i + 1}`)",
                "compartments", i, *(["name"] if "name" in entry else []))
        subject = name if isinstance(name, str) else ""
        mech = entry.get("mechanism")
        if "mechanism" in entry and not isinstance(mech, (dict, str)):
            bad(f"`mechanism` of compartment {subject} must be a mapping like `{{driver: intel-pku}}`",
                "compartments", i, "mechanism", subject=subject)
        elif isinstance(mech, dict) and "driver" in mech and not isinstance(mech["driver"], str):
            bad(f"`driver` of compartment {subject} must be text (intel-pku, vmept or fcalls)",
                "compartments", i, "mechanism", "driver", subject=subject)
        elif isinstance(mech, dict) and not isinstance(mech.get("noisolstack", False), bool):
            bad(f"`noisolstack` of compartment {subject} must be true or false",
                "compartments", i, "mechanism", "noisolstack", subject=subject)
        if "default" in entry and not isinstance(entry["default"], bool):
            bad(f"`default` of compartment {subject} must be true or false",
                "compartments", i, "default", subject=subject)

    libs = data.get("libraries")
    if "libraries" in data and libs is not None and not isinstance(libs, dict):
        bad(f"`libraries` must be a mapping of library names (e.g. `lwip: {{compartment: comp2}}`), "
            f"not {type_name(libs)}", "libraries")
    for name, entry in (libs.items() if isinstance(libs, dict) else ()):
        where = ("libraries", name)
        if entry is None or (isinstance(entry, (str, int, float)) and not isinstance(entry, bool)):
            continue
        if not isinstance(entry, dict):
            bad(f"library {name} must be a mapping (version, kconfig, compartment, is_core), "
                f"not {type_name(entry)}", *where, subject=str(name))
            continue
        if "compartment" in entry and not isinstance(entry["compartment"], str):
            bad(f"`compartment` of library {name} must be a compartment name like comp2, "
                f"not {type_name(entry['compartment'])}", *where, "compartment", subject=str(name))
        if "is_core" in entry and not isinstance(entry["is_core"], bool):
            bad(f"`is_core` of library {name} must be true or false", *where, "is_core",
                subject=str(name))
        problems += kconfig_problems(root, file, entry, where)

    for where, _, block in _kconfig_blocks(data):
        for name, value in kconfig_items(block):
            if name == HEAP_SIZE and _heap_size({name: value}) is None:
                bad(f"{HEAP_SIZE} must be a whole number of bytes, not {value!r}",
                    *where, "kconfig", subject=HEAP_SIZE)
    return problems


def kconfig_problems(root: Node | None, file: str, owner: dict, where: tuple) -> list[Problem]:
    """Problems of `owner["kconfig"]` (CONFIG_X=v list or mapping) at their lines."""
    if "kconfig" not in owner:
        return []
    kconfig = owner["kconfig"]
    problems: list[Problem] = []
    if isinstance(kconfig, list):
        for i, item in enumerate(kconfig):
            if not (isinstance(item, str) and KCONFIG_ENTRY.match(item)):
                shown = item if isinstance(item, str) else type_name(item)
                problems.append(Problem(
                    f"kconfig entry {shown!r} must be written CONFIG_NAME=value (e.g. CONFIG_LIBUKDEBUG=y)",
                    origin=locate(root, file, *where, "kconfig", i)))
    elif isinstance(kconfig, dict):
        for name, value in kconfig.items():
            if not (isinstance(name, str) and KCONFIG_NAME.match(name)):
                hint = f"; write CONFIG_{name}" if isinstance(name, str) and re.fullmatch(r"\w+", name) else ""
                problems.append(Problem(f"kconfig key {name!r} must be a CONFIG_NAME{hint}",
                                        origin=locate(root, file, *where, "kconfig", str(name), key=True)))
            elif isinstance(value, bool) or value is None or not isinstance(value, (str, int, float)):
                problems.append(Problem(
                    f"kconfig {name} must have a value like y, n, a number or text, not "
                    f"{type_name(value)} (unquoted yes/no/true/false are booleans in YAML: write y or n)",
                    origin=locate(root, file, *where, "kconfig", name)))
    elif kconfig is not None:
        problems.append(Problem(f"`kconfig` must be a list of CONFIG_NAME=value or a mapping, "
                                f"not {type_name(kconfig)}", origin=locate(root, file, *where, "kconfig")))
    return problems


# -- helpers ----------------------------------------------------------------
def _root_node(text: str, file: str) -> Node | None:
    try:
        return parse(text, file)[0]
    except InputError:
        return None


def _mechanism(mech: object) -> tuple[str, dict]:
    if isinstance(mech, str):
        return mech, {}
    if isinstance(mech, dict):
        driver = mech.get("driver")
        return (driver if isinstance(driver, str) else "",
                {k: v for k, v in mech.items() if k != "driver"})
    return "", {}


def _kconfig_blocks(doc: dict) -> list[tuple[tuple, dict, object]]:
    """(key path, owner mapping, its `kconfig`) for unikraft and every library."""
    owners: list[tuple[tuple, object]] = [(("unikraft",), doc.get("unikraft"))]
    libs = doc.get("libraries")
    if isinstance(libs, dict):
        owners += [(("libraries", name), entry) for name, entry in libs.items()]
    return [(where, o, o["kconfig"]) for where, o in owners if isinstance(o, dict) and "kconfig" in o]


def kconfig_items(kconfig: object) -> list[tuple[str, str]]:
    """(CONFIG_X, value) pairs of a kconfig list or mapping; malformed entries skipped."""
    items = []
    if isinstance(kconfig, list):
        for entry in kconfig:
            m = KCONFIG_ENTRY.match(entry) if isinstance(entry, str) else None
            if m:
                items.append((m.group(1), m.group(2)))
    elif isinstance(kconfig, dict):
        for name, value in kconfig.items():
            if isinstance(name, str) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
                items.append((name, str(value)))
    return items


def _shared_stacks(kconfig: dict[str, str]) -> bool:
    """The MPK gate type kraft.yaml's Kconfig gives (private stacks unless it says shared).

    `noisolstack` is read by kraft's intel-pku driver and then ignored, so it
    says nothing about the gates.
    """
    return kconfig.get(SHARED_STACKS) == "y" and kconfig.get(PRIVATE_STACKS) != "y"


def _heap_size(kconfig: dict[str, str]) -> int | None:
    value = kconfig.get(HEAP_SIZE)
    if value is None:
        return None
    try:
        return int(value.strip('"'), 0)
    except ValueError:
        return None


def _put(doc: dict, key: str, value: object) -> None:
    """Set `key`; a new key goes after the keys it conventionally follows."""
    if key in doc:
        doc[key] = value
        return
    after = next((k for k in _PLACE_AFTER.get(key, ()) if k in doc), None)
    items = list(doc.items())
    at = len(items) if after is None else [k for k, _ in items].index(after) + 1
    items.insert(at, (key, value))
    doc.clear()
    doc.update(items)


def _compartments(old: list, iso: IsolationConfig) -> list:
    """Compartment entries for `iso`, reusing each old entry (and its extra keys)."""
    named = {e["name"]: e for e in old if isinstance(e, dict) and isinstance(e.get("name"), str)}
    wanted = {c.name for c in iso.compartments}
    out = []
    for i, comp in enumerate(iso.compartments):
        base = named.get(comp.name)
        if base is None and i < len(old) and isinstance(old[i], dict) and old[i].get("name") not in wanted:
            base = old[i]  # renamed in place
        out.append(_compartment_entry(base, comp))
    return out


def _compartment_entry(base: dict | None, comp: Compartment) -> dict:
    entry = dict(base) if base is not None else {"name": comp.name, "mechanism": None}
    entry["name"] = comp.name
    mech = entry.get("mechanism")
    if isinstance(mech, str) and not comp.options:
        entry["mechanism"] = comp.driver
    else:
        mech = dict(mech) if isinstance(mech, dict) else {}
        mech["driver"] = comp.driver
        mech.update(comp.options)
        entry["mechanism"] = mech
    if comp.default:
        entry["default"] = True
    elif entry.get("default") is True:
        del entry["default"]
    return entry


def _libraries(old: dict, iso: IsolationConfig, doc: dict) -> dict:
    """Library entries for `iso`: old ones kept in their order, new ones after."""
    unikraft = doc.get("unikraft")
    version = unikraft.get("version") if isinstance(unikraft, dict) else unikraft
    out = {name: _library_entry(entry, iso.libraries[name], None)
           for name, entry in old.items() if name in iso.libraries}
    for name, lib in iso.libraries.items():
        if name not in old:
            out[name] = _library_entry(None, lib, None if lib.is_core else version)
    return out


def _library_entry(base: object, lib: Library, version: object) -> object:
    """One library's entry; a new external library gets the unikraft version, as kraft expects."""
    if isinstance(base, dict):
        entry = dict(base)
    elif base is None:
        entry = {"version": version} if isinstance(version, (str, int, float)) else {}
    else:
        entry = {"version": base}
    if lib.compartment:
        entry["compartment"] = lib.compartment
    else:
        entry.pop("compartment", None)
    if lib.is_core:
        entry["is_core"] = True
    elif entry.get("is_core") is True:
        del entry["is_core"]
    if base is not None and not isinstance(base, dict) and list(entry) == ["version"]:
        return base
    return entry


def _align_kconfig(doc: dict, iso: IsolationConfig, since: IsolationConfig | None = None) -> None:
    """Make the FlexOS Kconfig entries written in the file agree with `iso` (where it moved from `since`)."""
    kconfig = KraftFile(Path(), doc).kconfig()

    def moved(aspect: str) -> bool:
        return since is None or getattr(since, aspect) != getattr(iso, aspect)

    if moved("dss") and iso.dss != (kconfig.get(DSS) == "y"):
        _set_kconfig(doc, DSS, "y" if iso.dss else "n")
    if moved("heap_size") and iso.heap_size != _heap_size(kconfig):
        _set_kconfig(doc, HEAP_SIZE, None if iso.heap_size is None else str(iso.heap_size))
    if moved("shared_stacks") and iso.shared_stacks != _shared_stacks(kconfig):
        if iso.shared_stacks:
            _set_kconfig(doc, PRIVATE_STACKS, None)
            _set_kconfig(doc, SHARED_STACKS, "y")
        else:
            _set_kconfig(doc, SHARED_STACKS, None)
    if moved("driver") and iso.compartments and any(sym in kconfig for sym in DRIVER_SYMBOLS.values()):
        chosen = DRIVER_SYMBOLS.get(iso.driver)
        for sym in DRIVER_SYMBOLS.values():
            want = "y" if sym == chosen else "n"
            if (sym in kconfig or sym == chosen) and kconfig.get(sym) != want:
                _set_kconfig(doc, sym, want)


def _set_kconfig(doc: dict, name: str, value: str | None) -> None:
    """Set (or with None remove) `name` wherever the file writes it, else in `unikraft`."""
    found = False
    for _, owner, kconfig in _kconfig_blocks(doc):
        if isinstance(kconfig, list):
            for i, entry in enumerate(list(kconfig)):
                m = KCONFIG_ENTRY.match(entry) if isinstance(entry, str) else None
                if m and m.group(1) == name:
                    found = True
                    kconfig[i] = f"{name}={value}" if value is not None else None
            owner["kconfig"] = [e for e in kconfig if e is not None]
        elif isinstance(kconfig, dict) and name in kconfig:
            found = True
            if value is None:
                del kconfig[name]
            else:
                old = kconfig[name]
                kconfig[name] = int(value) if isinstance(old, int) and value.isdigit() else value
    if found or value is None:
        return
    unikraft = doc.get("unikraft")
    if not isinstance(unikraft, dict):
        unikraft = {"version": unikraft} if unikraft is not None else {}
        _put(doc, "unikraft", unikraft)
    kconfig = unikraft.get("kconfig")
    if isinstance(kconfig, dict):
        kconfig[name] = value
    else:
        unikraft["kconfig"] = [*(kconfig if isinstance(kconfig, list) else []), f"{name}={value}"]


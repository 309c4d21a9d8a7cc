"""What `kraft configure` makes of a kraft.yaml, and where a `.config` disagrees.

The FlexOS kraft fork writes a UK_DEFCONFIG and runs `make defconfig`, so its
`.config` is Kconfig's defaults plus, in this order: `unikraft.kconfig`; the
target's architecture and platform option; for each library of kraft.yaml its
`kconfig` list and `CONFIG_<first symbol of its Config.uk>=y`; last, the
compartment mechanism's option of every library, each replacing an earlier
line of the same symbol. An existing `.config` plays no part in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import kconfiglib

from flexui.model.isolation.apply import (
    ARCH_SYMBOLS,
    Assignment,
    Refusal,
    apply_assignments,
)
from flexui.model.isolation.configuration import Origin
from flexui.model.isolation.kraftyaml import DRIVER_SYMBOLS, KraftFile, kconfig_items
from flexui.model.kconfig import state as ks
from flexui.model.kconfig.tree import Workdir

# kconfiglib flattens `if` blocks, so the first node kraft reads is the first
# entry of another kind; only a config/menuconfig entry gives a symbol.
_FIRST_ENTRY = re.compile(r"^\s*(menuconfig|config|choice|menu|comment|source|osource|rsource"
                          r"|orsource|mainmenu)\b\s*(\w*)", re.M)


def first_symbol(config_uk: Path) -> str | None:
    """The symbol kraft's `kconfig_enabled_flag` names for a component's Config.uk."""
    if not config_uk.is_file():
        return None
    match = _FIRST_ENTRY.search(config_uk.read_text(errors="replace"))
    if match is None or match.group(1) not in ("config", "menuconfig"):
        return None
    return match.group(2) or None


def _library_dir(wd: Workdir, name: str, entry: object) -> Path:
    if isinstance(entry, dict) and entry.get("is_core") is True:
        return wd.unikraft / "lib" / name
    return (wd.libs or wd.unikraft.parent / "libs") / name


def _lines(kconfig: object, reason: str, subject: str = "") -> list[Assignment]:
    return [Assignment(name.removeprefix("CONFIG_"), value, reason, subject)
            for name, value in kconfig_items(kconfig)]


def kraft_defconfig(kraft: KraftFile, wd: Workdir) -> list[Assignment]:
    """The UK_DEFCONFIG lines kraft generates for `kraft`, in kraft's order."""
    data = kraft.data
    unikraft = data.get("unikraft")
    lines = _lines(unikraft.get("kconfig") if isinstance(unikraft, dict) else None,
                   "kraft.yaml unikraft.kconfig")
    targets = data.get("targets")
    first = targets[0] if isinstance(targets, list) and len(targets) == 1 else None
    if isinstance(first, dict):
        arch, plat = first.get("architecture"), first.get("platform")
        if isinstance(arch, str) and arch in ARCH_SYMBOLS:
            lines.append(Assignment(ARCH_SYMBOLS[arch], "y", f"kraft.yaml target architecture {arch}"))
        if isinstance(plat, str) and plat:
            symbol = first_symbol(wd.unikraft / "plat" / plat / "Config.uk")
            if symbol:
                lines.append(Assignment(symbol, "y", f"kraft.yaml target platform {plat}"))
    comps = data.get("compartments")
    comps = comps if isinstance(comps, list) else []
    drivers = {c.get("name"): _driver(c) for c in comps if isinstance(c, dict)}
    default = next((c.get("name") for c in comps if isinstance(c, dict) and c.get("default") is True),
                   None)
    options: list[Assignment] = []
    libs = data.get("libraries")
    libs = libs if isinstance(libs, dict) else {}
    for name, entry in libs.items():
        name = str(name)
        lines += _lines(entry.get("kconfig") if isinstance(entry, dict) else None,
                        f"kraft.yaml library {name}", name)
        symbol = first_symbol(_library_dir(wd, name, entry) / "Config.uk")
        if symbol:
            lines.append(Assignment(symbol, "y", f"library {name} in kraft.yaml", name))
        comp = entry.get("compartment") if isinstance(entry, dict) else None
        option = DRIVER_SYMBOLS.get(drivers.get(comp if isinstance(comp, str) else default, ""))
        if option:
            options.append(Assignment(option.removeprefix("CONFIG_"), "y",
                                      f"compartment mechanism of library {name}", name))
    for assignment in options:
        same = next((i for i, line in enumerate(lines) if line.symbol == assignment.symbol), None)
        if same is not None:
            del lines[same]
        lines.append(assignment)
    return lines


def _driver(comp: dict) -> str:
    mech = comp.get("mechanism")
    driver = mech.get("driver") if isinstance(mech, dict) else mech
    return driver if isinstance(driver, str) else ""


def configure(kconf: kconfiglib.Kconfig, kraft: KraftFile | None, wd: Workdir) -> list[Refusal]:
    """Set `kconf` to what `kraft configure` (or, without kraft.yaml, `make defconfig`) gives."""
    kconf.unset_values()
    return apply_assignments(kconf, kraft_defconfig(kraft, wd)) if kraft is not None else []


@dataclass(frozen=True)
class Disagreement:
    """A value kraft.yaml sets that the `.config` does not have."""

    symbol: str
    config_value: str  # in the .config as opened ("" when the symbol is off or absent)
    kraft_value: str  # what `kraft configure` would give it
    origin: Origin | None = None

    def __str__(self) -> str:
        return (f"CONFIG_{self.symbol} is {self.config_value or 'unset'} in .config, "
                f"{self.kraft_value or 'unset'} with kraft configure")


def disagreements(kconf: kconfiglib.Kconfig, kraft: KraftFile | None,
                  wd: Workdir) -> list[Disagreement]:
    """The symbols kraft.yaml names whose value `kraft configure` would change."""
    if kraft is None:
        return []
    lines = kraft_defconfig(kraft, wd)
    saved = ks.capture(kconf)
    now = ks.values(kconf)
    warn = kconf.warn
    try:
        configure(kconf, kraft, wd)
        theirs = ks.values(kconf)
    finally:
        ks.restore(kconf, saved)
        kconf.warn = warn
    origins = kraft.kconfig_origins()
    out = []
    for symbol in dict.fromkeys(line.symbol for line in lines):
        if symbol in theirs and now.get(symbol, "") != theirs[symbol]:
            out.append(Disagreement(symbol, now.get(symbol, ""), theirs[symbol],
                                    origins.get(f"CONFIG_{symbol}", Origin(str(kraft.path)))))
    return out

"""Applying a preset to an app: the one pipeline behind `--apply` and the Presets screen.

A preset replaces the configuration, it is not merged into the old one: the
Kconfig values start from the defaults, then kraft.yaml's (as `kraft
configure` sets them for the new kraft.yaml), the preset's kconfig and what
its isolation implies. Whatever the old `.config` had that does not survive
is reported as dropped, so nothing disappears (or lingers) silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import kconfiglib

from flexui.model.files.problems import Problem
from flexui.model.files.yamlsource import locate as locate_in_yaml
from flexui.model.files.yamlsource import parse
from flexui.model.isolation.apply import (
    Assignment,
    apply_assignments,
    derive_assignments,
)
from flexui.model.isolation.configuration import IsolationConfig, Origin
from flexui.model.isolation.kraftyaml import KraftFile, parse_kraft
from flexui.model.isolation.validation import validate
from flexui.model.kconfig import state as ks
from flexui.model.kconfig.kraft_configure import kraft_defconfig
from flexui.model.presets.preset import Preset, preset_problems
from flexui.model.vocabulary import KRAFT_YAML

if TYPE_CHECKING:
    from flexui.model.kconfig.tree import LibraryInfo, Workdir


@dataclass(frozen=True)
class _Source:
    """Where an assignment came from, for messages.

    Refused kraft.yaml entries are warnings: the app already builds with them
    (kraft ignores what Kconfig refuses) and the preset did not ask for them.
    What the preset asks for must hold, so its refusals are errors.
    """

    what: str
    origin: Origin | None
    severity: str = "error"


@dataclass
class PresetLayout:
    """The first half of applying: the new kraft.yaml and isolation, checked."""

    preset: Preset
    source: KraftFile  # the kraft.yaml the new one is based on
    kraft: KraftFile  # the new kraft.yaml (at the app's path)
    iso: IsolationConfig  # what is written, hardening included
    problems: list[Problem] = field(default_factory=list)


@dataclass
class PresetKconfig:
    """The second half: what happened to the Kconfig values."""

    problems: list[Problem]
    dropped: list[ks.SymbolChange]  # values of the old configuration that are gone


def new_app_kraft(app_dir: Path, name: str | None = None) -> KraftFile:
    """The kraft.yaml flexui starts from for an app that has none."""
    return KraftFile(Path(app_dir) / KRAFT_YAML,
                     {"specification": "0.6", "name": name or Path(app_dir).name})


def plan_layout(preset: Preset, source: KraftFile, kraft_path: Path,
                available: Mapping[str, LibraryInfo]) -> PresetLayout:
    """The new kraft.yaml for `preset` on top of `source`, and every problem of it."""
    problems = list(preset_problems(preset, available))
    kraft = KraftFile(Path(kraft_path), source.data, text=source.text).with_isolation(preset.isolation)
    parse_kraft(kraft.dump(), str(kraft.path))
    iso = kraft.isolation()
    for name, lib in preset.isolation.libraries.items():
        if name in iso.libraries:  # kraft.yaml carries no hardening: it comes from the preset
            iso.set_hardening(name, lib.hardening)
    seen = {p.message for p in problems}
    problems += [Problem(p.message, p.subject, Origin(str(kraft.path)), p.severity)
                 for p in validate(iso, available=available,
                                   kconfig={**kraft.kconfig(), **preset.kconfig})
                 if p.message not in seen]
    return PresetLayout(preset, source, kraft, iso, problems)


def apply_kconfig(kconf: kconfiglib.Kconfig, layout: PresetLayout, wd: Workdir) -> PresetKconfig:
    """Set `kconf` to what `kraft configure` gives for the new kraft.yaml, plus the preset;
    say what the old values lost."""
    available = wd.libraries()
    before = ks.values(kconf)
    explicit = _explicit(kconf)
    kconf.unset_values()
    assignments, sources = _requested(layout, wd)
    derived = derive_assignments(layout.iso, available)
    problems = _overridden(assignments, derived, sources)
    preset = layout.preset
    for a in derived:
        lib = preset.isolation.libraries.get(a.subject)
        sources[a.symbol] = _Source(a.reason, lib.origin if lib else preset.isolation.origin)
    for refusal in apply_assignments(kconf, [*assignments, *derived]):
        src = sources[refusal.symbol]
        stays = f"; it stays {refusal.got}" if refusal.got else ""
        problems.append(Problem(
            f"CONFIG_{refusal.symbol}={refusal.wanted} ({src.what}) is refused by Kconfig: "
            f"{refusal.reason}{stays}", subject=refusal.symbol, origin=src.origin,
            severity=src.severity))
    after = ks.values(kconf)
    dropped = [c for c in ks.diff(before, after) if c.name in explicit and c.name not in sources]
    return PresetKconfig(problems, dropped)


def describe_dropped(dropped: list[ks.SymbolChange], limit: int = 8) -> str:
    """One line naming the old values a preset did not keep."""
    shown = [f"CONFIG_{c.name}={c.old or 'unset'}" for c in dropped[:limit]]
    more = f" and {len(dropped) - limit} more" if len(dropped) > limit else ""
    return f"dropped from the old configuration: {', '.join(shown)}{more}"


def _explicit(kconf: kconfiglib.Kconfig) -> set[str]:
    """Symbols whose value was set (by a .config or the user), not computed."""
    names = {s.name for s in kconf.unique_defined_syms if s.user_value is not None}
    names |= {c.selection.name for c in kconf.unique_choices
              if c.user_selection is not None and c.selection is not None}
    return names


def _requested(layout: PresetLayout, wd: Workdir) -> tuple[list[Assignment], dict[str, _Source]]:
    """What `kraft configure` sets for the new kraft.yaml and the preset's kconfig asks for, and where."""
    source, kraft, preset = layout.source, layout.kraft, layout.preset
    root, _ = parse(source.text or source.dump(), str(source.path))
    origins = source.kconfig_origins()
    target = locate_in_yaml(root, str(source.path), "targets", 0)
    assignments: list[Assignment] = []
    sources: dict[str, _Source] = {}
    for a in kraft_defconfig(kraft, wd):
        assignments.append(a)
        origin = target if a.reason.startswith("kraft.yaml target") else \
            origins.get(f"CONFIG_{a.symbol}", preset.isolation.origin)
        sources[a.symbol] = _Source(a.reason, origin, "warning")
    for name, value in preset.kconfig.items():
        symbol = name.removeprefix("CONFIG_")
        assignments.append(Assignment(symbol, value, "the preset's kconfig"))
        sources[symbol] = _Source("the preset's kconfig",
                                  preset.origins.get(name, Origin(str(preset.path))))
    return assignments, sources


def _overridden(assignments: list[Assignment], derived: list[Assignment],
                sources: dict[str, _Source]) -> list[Problem]:
    """Warn where kraft.yaml or the preset's kconfig asks for what the isolation overrides."""
    decided = {a.symbol: a for a in derived}
    warnings = []
    for a in assignments:
        d = decided.get(a.symbol)
        if d is not None and d.value != a.value:
            warnings.append(Problem(
                f"CONFIG_{a.symbol}={a.value} is overridden: the preset's isolation sets {d.value} "
                f"({d.reason})", subject=a.symbol, origin=sources[a.symbol].origin,
                severity="warning"))
    return warnings

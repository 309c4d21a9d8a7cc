"""One editing session over an app: Kconfig values plus isolation layout.

Every screen edits through the session, so a change made on one screen is
seen on the others, one history undoes them all, and "unsaved changes" has a
single meaning. Isolation edits are turned into Kconfig assignments at once
(backend, gate type, DSS, hardening libraries), and edits of those Kconfig
symbols flow back into the isolation configuration.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

import kconfiglib

from . import kconfig_state as ks
from .apply import (Refusal, apply_assignments, derive_assignments, make_variables,
                    make_vars_text)
from .atomic import write_all_atomic
from .dotconfig import config_text, read_assignments, write_min_config
from .history import History
from .isolation import IsolationConfig
from .kraft_configure import Disagreement, configure, disagreements
from .kraftyaml import KraftFile, load_kraft
from .presets import Preset
from .problems import Problem
from .tree import LoadedKconfig, Workdir, app_library_names, load_kconfig, locate
from .validation import validate

T = TypeVar("T")

BACKEND_SYMBOLS = {"LIBFLEXOS_INTELPKU": "intel-pku", "LIBFLEXOS_VMEPT": "vmept",
                   "LIBFLEXOS_NONE": "fcalls"}
MAKE_VARS_FILE = "flexui.mk"


@dataclass(frozen=True)
class SessionState:
    kconfig: ks.KconfigState
    iso: IsolationConfig


@dataclass(frozen=True)
class SessionEvent:
    """What changed, so screens can refresh only what they show."""

    kind: str  # "edit", "undo", "redo", "saved", "loaded"
    label: str = ""
    changes: tuple[ks.SymbolChange, ...] = ()
    refusals: tuple[Refusal, ...] = ()


@dataclass
class Session:
    loaded: LoadedKconfig
    kraft: KraftFile | None
    iso: IsolationConfig
    preset: Preset | None = None
    history: History[SessionState] = field(default_factory=History)
    _listeners: list[Callable[[SessionEvent], None]] = field(default_factory=list)
    _saved: SessionState | None = None
    _saved_values: dict[str, str] = field(default_factory=dict)
    _baseline_values: dict[str, str] = field(default_factory=dict)
    startup_refusals: list[Refusal] = field(default_factory=list)
    _disagreements: tuple[object, list[Disagreement]] | None = None

    # -- construction -------------------------------------------------------
    @classmethod
    def open(cls, app_dir: Path, *, workdir: Workdir | None = None,
             build_dir: Path | None = None) -> "Session":
        """Open an app: its kraft.yaml (if any) and its .config (if any)."""
        wd = workdir or locate()
        kraft_path = Path(app_dir) / "kraft.yaml"
        kraft = load_kraft(kraft_path) if kraft_path.exists() else None
        loaded = load_kconfig(wd, Path(app_dir), build_dir=build_dir,
                              libraries=app_library_names(Path(app_dir),
                                                          kraft.data if kraft else None))
        return cls.from_loaded(loaded, kraft)

    @classmethod
    def from_loaded(cls, loaded: LoadedKconfig, kraft: KraftFile | None = None) -> "Session":
        """A session over an already loaded Kconfig (tests, generated trees)."""
        iso = kraft.isolation() if kraft else IsolationConfig()
        session = cls(loaded=loaded, kraft=kraft, iso=iso)
        session._read_hardening()
        session._configure(fresh=not loaded.config_path.exists())
        session._mark_saved()
        session._baseline_values = ks.values(session.kconf)
        return session

    def _configure(self, fresh: bool) -> None:
        """A new app gets what `kraft configure` gives; an existing .config is the
        user's and stays as it is (see `kraft_disagreements`). The layout then
        follows the Kconfig's backend, gate type and DSS."""
        if fresh:
            self.startup_refusals = configure(self.kconf, self.kraft, self.workdir)
        self._sync_iso_from_kconfig()

    def kraft_disagreements(self) -> list[Disagreement]:
        """Where `kraft configure` would change a value kraft.yaml names."""
        key = (id(self.kraft), ks.capture(self.kconf))
        if self._disagreements is None or self._disagreements[0] != key:
            self._disagreements = (key, disagreements(self.kconf, self.kraft, self.workdir))
        return self._disagreements[1]

    def take_kraft_side(self) -> list[ks.SymbolChange]:
        """Rebuild the Kconfig values as `kraft configure` would (one undoable step)."""
        refusals: list[Refusal] = []
        return self._edit("take kraft.yaml's side (as kraft configure)",
                          lambda: refusals.extend(configure(self.kconf, self.kraft, self.workdir)),
                          refusals=refusals)

    # -- accessors ----------------------------------------------------------
    @property
    def kconf(self) -> kconfiglib.Kconfig:
        return self.loaded.kconf

    @property
    def workdir(self) -> Workdir:
        return self.loaded.workdir

    @property
    def app_dir(self) -> Path:
        return self.loaded.app_dir

    @property
    def app_name(self) -> str:
        if self.kraft is not None and isinstance(self.kraft.data.get("name"), str):
            return self.kraft.data["name"]
        return self.app_dir.name

    @property
    def dirty(self) -> bool:
        return self._state() != self._saved

    def problems(self) -> list[Problem]:
        """Layout problems, what loading the Kconfig and .config said, and kraft.yaml's disagreements."""
        kconfig = {s.name: s.str_value for s in self.kconf.unique_defined_syms
                   if s.name.startswith("LIB")}
        problems = validate(self.iso, available=self.workdir.libraries(), kconfig=kconfig)
        return problems + self.loaded.problems + [Problem(f"{d}; take kraft.yaml's side with K on the Kconfig screen",
                                   subject=d.symbol, origin=d.origin, severity="warning")
                           for d in self.kraft_disagreements()]

    # -- observers ----------------------------------------------------------
    def subscribe(self, listener: Callable[[SessionEvent], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, event: SessionEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- editing ------------------------------------------------------------
    def set_value(self, item: kconfiglib.Symbol | kconfiglib.Choice, value: object,
                  label: str | None = None) -> list[ks.SymbolChange]:
        """Set a symbol or choice mode as the user asked; return the cascade."""
        name = item.name if isinstance(item, kconfiglib.Symbol) else (item.name or "choice")
        return self._edit(label or f"set {name} = {value}",
                          lambda: item.set_value(value))

    def set_many(self, assignments: dict[str, str], label: str) -> list[ks.SymbolChange]:
        """Set several symbols as one undoable step (e.g. "enable dependencies")."""
        def run() -> None:
            for name, value in assignments.items():
                self.kconf.syms[name].set_value(value)
        return self._edit(label, run)

    def edit_isolation(self, label: str, fn: Callable[[IsolationConfig], T]) -> T:
        """Run `fn` on the isolation configuration as one undoable step."""
        result: list[T] = []
        refusals: list[Refusal] = []

        def run() -> None:
            result.append(fn(self.iso))
            refusals.extend(self._apply_isolation())
        self._edit(label, run, sync_back=False, refusals=refusals)
        return result[0]

    def apply_preset(self, preset: Preset) -> list[Refusal]:
        """Load a preset as one undoable step; it becomes the diff baseline."""
        refusals: list[Refusal] = []

        def run() -> None:
            self.iso = preset.isolation.copy()
            for name, value in preset.kconfig.items():
                sym = self.kconf.syms.get(name.removeprefix("CONFIG_"))
                if sym is not None:
                    sym.set_value(value)
            refusals.extend(self._apply_isolation())
        self._edit(f"load preset {preset.name}", run, sync_back=False, refusals=refusals)
        self.preset = preset
        self._baseline_values = ks.values(self.kconf)
        return refusals

    def _edit(self, label: str, run: Callable[[], None], *, sync_back: bool = True,
              refusals: list[Refusal] | None = None) -> list[ks.SymbolChange]:
        before_state = self._state()
        before_values = ks.values(self.kconf)
        run()
        if sync_back:
            self._sync_iso_from_kconfig()
        after_state = self._state()
        changes = ks.diff(before_values, ks.values(self.kconf))
        if after_state != before_state:
            self.history.record(label, before_state, after_state)
        self._emit(SessionEvent("edit", label, tuple(changes), tuple(refusals or ())))
        return changes

    def undo(self) -> str | None:
        return self._travel(self.history.undo(), "undo")

    def redo(self) -> str | None:
        return self._travel(self.history.redo(), "redo")

    def _travel(self, step, kind: str) -> str | None:
        if step is None:
            return None
        before_values = ks.values(self.kconf)
        self._restore(step.before if kind == "undo" else step.after)
        changes = ks.diff(before_values, ks.values(self.kconf))
        self._emit(SessionEvent(kind, step.label, tuple(changes)))
        return step.label

    # -- change lists -------------------------------------------------------
    def changes_since_save(self) -> list[ks.SymbolChange]:
        return ks.diff(self._saved_values, ks.values(self.kconf))

    def changes_since_baseline(self) -> list[ks.SymbolChange]:
        """Since the loaded preset, or since opening when no preset was loaded."""
        return ks.diff(self._baseline_values, ks.values(self.kconf))

    def revert_symbol(self, name: str, to: str = "save") -> list[ks.SymbolChange]:
        """Give one symbol back its value at the last save (or the baseline)."""
        reference = self._saved_values if to == "save" else self._baseline_values
        sym = self.kconf.syms[name]
        target = reference.get(name)
        if target is None:
            return []
        if sym.choice is not None and target == "y":
            return self.set_value(sym, 2, label=f"revert {name}")
        return self.set_value(sym, target, label=f"revert {name}")

    # -- files --------------------------------------------------------------
    def pending_files(self) -> dict[Path, str]:
        """The text of every file `save` would write."""
        files = {self.loaded.config_path: config_text(self.kconf)}
        if self.kraft is not None or self.iso.compartments:
            kraft = self.kraft or KraftFile(self.app_dir / "kraft.yaml", {
                "specification": "0.6", "name": self.app_dir.name})
            files[kraft.path] = kraft.with_isolation(self.iso).dump()
        files[self.app_dir / MAKE_VARS_FILE] = make_vars_text(
            make_variables(self.iso, self.workdir.libraries()))
        return files

    def save(self) -> list[Path]:
        """Write .config, kraft.yaml and the make variables; return what changed."""
        files = self.pending_files()
        written = write_all_atomic(files, keep_old={self.loaded.config_path,
                                                    self.app_dir / "kraft.yaml"})
        kraft_path = self.app_dir / "kraft.yaml"
        if kraft_path in files:
            self.kraft = load_kraft(kraft_path)
        self._mark_saved()
        self._emit(SessionEvent("saved", ", ".join(p.name for p in written)))
        return written

    def as_preset(self, name: str, description: str = "") -> Preset:
        """The session as a preset: isolation plus the Kconfig values it does not decide."""
        from .presets import ISOLATION_SYMBOLS

        derived = {f"CONFIG_{a.symbol}" for a in
                   derive_assignments(self.iso, self.workdir.libraries())}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "defconfig"
            self.kconf.write_min_config(str(path))
            assignments, _ = read_assignments(path)
        extras = {f"CONFIG_{sym}": value for sym, value in assignments.items()
                  if f"CONFIG_{sym}" not in ISOLATION_SYMBOLS and f"CONFIG_{sym}" not in derived}
        return Preset(name=name, description=description, app=self.app_name,
                      isolation=self.iso.copy(), kconfig=extras)

    def save_minimal(self, path: Path) -> bool:
        return write_min_config(self.kconf, path)

    def load_config(self, path: Path) -> list[ks.SymbolChange]:
        """Load another .config into the session (undoable)."""
        def run() -> None:
            self.kconf.load_config(str(path))
        return self._edit(f"load {Path(path).name}", run)

    # -- internals ----------------------------------------------------------
    def _state(self) -> SessionState:
        return SessionState(ks.capture(self.kconf), self.iso.copy())

    def _restore(self, state: SessionState) -> None:
        ks.restore(self.kconf, state.kconfig)
        self.iso = state.iso.copy()

    def _mark_saved(self) -> None:
        self._saved = self._state()
        self._saved_values = ks.values(self.kconf)

    def _apply_isolation(self) -> list[Refusal]:
        if not self.iso.compartments:
            return []
        return apply_assignments(self.kconf, derive_assignments(self.iso, self.workdir.libraries()))

    def _sync_iso_from_kconfig(self) -> None:
        """Backend, gate type and DSS edited in Kconfig update the layout."""
        syms = self.kconf.syms
        flexos = syms.get("LIBFLEXOS")
        if flexos is None or flexos.tri_value == 0 or not self.iso.compartments:
            return
        for name, driver in BACKEND_SYMBOLS.items():
            sym = syms.get(name)
            if sym is not None and sym.tri_value == 2 and self.iso.driver != driver:
                self.iso.set_driver(driver)
        if self.iso.driver == "intel-pku":
            shared = syms.get("LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS")
            dss = syms.get("LIBFLEXOS_ENABLE_DSS")
            self.iso.shared_stacks = bool(shared is not None and shared.tri_value == 2)
            self.iso.dss = bool(dss is not None and dss.tri_value == 2)

    def _read_hardening(self) -> None:
        """Hardening lives only in the make variables file flexui writes."""
        from .apply import hardening_from_make_vars

        path = self.app_dir / MAKE_VARS_FILE
        if not path.exists():
            return
        for lib, hardening in hardening_from_make_vars(
                path.read_text(encoding="utf-8"), self.workdir.libraries()).items():
            if lib in self.iso.libraries:
                self.iso.set_hardening(lib, hardening)

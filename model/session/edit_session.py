"""One editing session over an app: Kconfig values plus isolation layout.

Every screen edits through the session, so a change made on one screen is
seen on the others, one history undoes them all, and "unsaved changes" has a
single meaning. Isolation edits are turned into Kconfig assignments at once
(backend, gate type, DSS, hardening libraries), and edits of those Kconfig
symbols flow back into the isolation configuration.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import kconfiglib

from flexui.model.build.settings import BuildSettings, load_build_settings, settings_files
from flexui.model.files.atomic import write_all_atomic
from flexui.model.files.problems import Problem
from flexui.model.isolation.apply import (
    Refusal,
    apply_assignments,
    derive_assignments,
    make_variables,
    make_vars_text,
)
from flexui.model.isolation.configuration import Hardening, IsolationConfig
from flexui.model.isolation.design import DesignPoint
from flexui.model.isolation.diff import layout_changes
from flexui.model.isolation.kraftyaml import HEAP_SIZE, KraftFile, load_kraft
from flexui.model.isolation.validation import validate
from flexui.model.kconfig import state as ks
from flexui.model.kconfig.dotconfig import (
    config_text,
    read_assignments,
    write_min_config,
)
from flexui.model.kconfig.kraft_configure import Disagreement, configure, disagreements
from flexui.model.kconfig.tree import (
    LoadedKconfig,
    Workdir,
    app_library_names,
    load_kconfig,
    locate,
)
from flexui.model.presets import store
from flexui.model.presets.apply import (
    apply_kconfig,
    describe_dropped,
    new_app_kraft,
    plan_layout,
)
from flexui.model.presets.preset import Preset
from flexui.model.session.history import History
from flexui.model.vocabulary import (
    BACKEND_SYMBOLS,
    DSS_SYMBOL,
    KRAFT_YAML,
    MAKE_VARS_FILE,
    MPK,
    SHARED_STACKS_SYMBOL,
)
from flexui.model.workdir.enclosing import workdir_of

if TYPE_CHECKING:
    from flexui.model.build.preflight import BuildRefusal
    from flexui.model.build.runner import BuildPlan

T = TypeVar("T")

DRIVER_OF_BACKEND = {sym: driver for driver, sym in BACKEND_SYMBOLS.items()}


@dataclass(frozen=True)
class SessionState:
    kconfig: ks.KconfigState
    iso: IsolationConfig
    # The Kconfig tree the values belong to: a preset with other libraries reloads it.
    loaded: LoadedKconfig | None = field(default=None, compare=False)
    tree: int = 0  # id of `loaded.kconf`, so states of different trees never compare equal
    build: BuildSettings = field(default_factory=BuildSettings)  # the preset's make variables, environment


@dataclass(frozen=True)
class SessionEvent:
    """What changed and why: the user's edit (`label`) and each consequence it had.

    `changes` lists every Kconfig value that changed, `layout` every change of
    the isolation (placement, compartments, mechanism, hardening), and
    `consequences` names, in words, what followed from the edit without the
    user asking for it, so the screens can say so (undo reverts all of it).
    """

    kind: str  # "edit", "undo", "redo", "saved", "loaded"
    label: str = ""
    changes: tuple[ks.SymbolChange, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    consequences: tuple[str, ...] = ()
    layout: tuple[str, ...] = ()


@dataclass
class Session:
    loaded: LoadedKconfig
    kraft: KraftFile | None
    iso: IsolationConfig
    preset: Preset | None = None
    build: BuildSettings = field(default_factory=BuildSettings)  # flexui-build.yaml: make variables, env
    history: History[SessionState] = field(default_factory=History)
    _listeners: list[Callable[[SessionEvent], None]] = field(default_factory=list)
    _saved: SessionState | None = None
    _saved_values: dict[str, str] = field(default_factory=dict)
    _baseline_values: dict[str, str] = field(default_factory=dict)
    startup_refusals: list[Refusal] = field(default_factory=list)
    _disagreements: tuple[object, list[Disagreement]] | None = None
    _kraft_basis: IsolationConfig | None = None  # what kraft.yaml's gate/DSS/backend lines were last settled at
    _mpk_gates: tuple[bool, bool] | None = None  # MPK's gate type and DSS while another mechanism is on

    # -- construction -------------------------------------------------------
    @classmethod
    def open(cls, app_dir: Path, *, workdir: Workdir | None = None,
             build_dir: Path | None = None) -> Session:
        """Open an app: its kraft.yaml (if any) and its .config (if any)."""
        wd = workdir or locate()
        kraft_path = Path(app_dir) / KRAFT_YAML
        kraft = load_kraft(kraft_path) if kraft_path.exists() else None
        loaded = load_kconfig(wd, Path(app_dir), build_dir=build_dir,
                              libraries=app_library_names(Path(app_dir),
                                                          kraft.data if kraft else None))
        return cls.from_loaded(loaded, kraft)

    @classmethod
    def open_in_workdir(cls, app_dir: Path, directory: Path) -> Session:
        """Open an app with the tree of the work directory `directory` (unikraft/, libs/)."""
        return cls.open(app_dir, workdir=locate(workdir=directory))

    @classmethod
    def from_loaded(cls, loaded: LoadedKconfig, kraft: KraftFile | None = None) -> Session:
        """A session over an already loaded Kconfig (tests, generated trees)."""
        iso = kraft.isolation() if kraft else IsolationConfig()
        session = cls(loaded=loaded, kraft=kraft, iso=iso, build=load_build_settings(loaded.app_dir))
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

    # -- editing: Kconfig ----------------------------------------------------
    def set_value(self, item: kconfiglib.Symbol | kconfiglib.Choice, value: object,
                  label: str | None = None) -> list[ks.SymbolChange]:
        """Set a symbol or choice mode as the user asked; return the cascade."""
        name = item.name if isinstance(item, kconfiglib.Symbol) else (item.name or "choice")
        return self._edit(label or f"set {name} = {value}", lambda: item.set_value(value))

    def set_many(self, assignments: dict[str, str], label: str) -> list[ks.SymbolChange]:
        """Set several symbols as one undoable step (e.g. "enable dependencies")."""
        def run() -> None:
            for name, value in assignments.items():
                self.kconf.syms[name].set_value(value)
        return self._edit(label, run)

    def load_config(self, path: Path) -> list[ks.SymbolChange]:
        """Load another .config into the session (undoable)."""
        return self._edit(f"load {Path(path).name}", lambda: self.kconf.load_config(str(path)))

    @staticmethod
    def config_problems(path: Path) -> list[Problem]:
        """The lines of a .config that loading it would ignore, each with why."""
        return list(read_assignments(path)[1])

    # -- editing: isolation --------------------------------------------------
    def edit_isolation(self, label: str, fn: Callable[[IsolationConfig], T]) -> T:
        """Run `fn` on the isolation configuration as one undoable step."""
        result: list[T] = []
        self._edit(label, lambda: result.append(fn(self.iso)), isolation=True)
        return result[0]

    def move_library(self, library: str, compartment: str) -> list[str]:
        """Move a library (and what FlexOS keeps with it); return every library moved."""
        notes: list[str] = []
        return self._edit_with(f"move {library} to {compartment}",
                               lambda iso: _place(iso, library, compartment, notes), notes)

    def add_compartment(self, name: str, library: str | None = None) -> list[str]:
        """A new compartment, with `library` (and its coupled libraries) moved into it."""
        notes: list[str] = []

        def add(iso: IsolationConfig) -> list[str]:
            iso.add_compartment(name)
            return [] if library is None else _place(iso, library, name, notes)
        return self._edit_with(f"new compartment {name}", add, notes)

    def rename_compartment(self, old: str, new: str) -> None:
        self.edit_isolation(f"rename {old} to {new}", lambda iso: iso.rename_compartment(old, new))

    def remove_compartment(self, name: str) -> list[str]:
        notes: list[str] = []

        def remove(iso: IsolationConfig) -> list[str]:
            moved = iso.remove_compartment(name)
            default = iso.default_compartment
            target = f"{default.name}, the default compartment" if default is not None else "no compartment"
            notes.extend(f"{m} moves to {target}" for m in moved)
            return moved
        return self._edit_with(f"remove {name}", remove, notes)

    def set_default(self, name: str) -> None:
        """Make `name` the default; libraries placed only by default stay where they are."""
        notes: list[str] = []

        def edit(iso: IsolationConfig) -> None:
            old = iso.default_compartment
            if old is not None and old.name != name:
                for lib in iso.libraries.values():
                    if not lib.compartment:
                        lib.compartment = old.name
                        notes.append(f"{lib.name} stays in {old.name}: it had no compartment of "
                                     "its own and went to the default")
            iso.set_default(name)
        self._edit_with(f"default {name}", edit, notes)

    def set_hardening(self, library: str, hardening: Hardening) -> None:
        def edit(iso: IsolationConfig) -> None:
            if library not in iso.libraries:
                iso.add_library(library)
            iso.set_hardening(library, hardening)
        self.edit_isolation(f"hardening of {library}", edit)

    def set_driver(self, driver: str) -> None:
        """Change the mechanism; MPK's gate type and DSS come back when MPK does."""
        notes: list[str] = []

        def edit(iso: IsolationConfig) -> None:
            if iso.driver == MPK and driver != MPK:
                self._mpk_gates = (iso.shared_stacks, iso.dss)
                if iso.dss or iso.shared_stacks:
                    notes.append(f"{'DSS' if iso.dss else 'shared stacks'} off: only Intel MPK has "
                                 "them (kept for when MPK comes back)")
            iso.set_driver(driver)
            if driver == MPK and self._mpk_gates is not None:
                iso.shared_stacks, iso.dss = self._mpk_gates
                if iso.dss or iso.shared_stacks:
                    notes.append(f"{'DSS' if iso.dss else 'shared stacks'} back on, as it was with MPK")
        self._edit_with(f"mechanism {driver}", edit, notes)

    def set_shared_stacks(self, shared: bool) -> None:
        notes: list[str] = []

        def edit(iso: IsolationConfig) -> None:
            if shared and iso.dss:
                notes.append("DSS off: Data Shadow Stacks need private stacks")
            iso.set_shared_stacks(shared)
        self._edit_with("gate type " + ("shared stacks" if shared else "private stacks"), edit, notes)

    def set_dss(self, dss: bool) -> None:
        def edit(iso: IsolationConfig) -> None:
            iso.dss = dss
        self.edit_isolation("data shadow stacks " + ("on" if dss else "off"), edit)

    def _edit_with(self, label: str, fn: Callable[[IsolationConfig], T], notes: list[str]) -> T:
        result: list[T] = []
        self._edit(label, lambda: result.append(fn(self.iso)), isolation=True, consequences=notes)
        return result[0]

    # -- editing: presets ----------------------------------------------------
    def apply_preset(self, preset: Preset) -> list[Problem]:
        """Load a preset as one undoable step, exactly as `--apply` would; it becomes the diff baseline.

        Returns its problems (Kconfig refusals included); what the old
        configuration loses is named as a consequence of the step.
        """
        available = self.workdir.libraries()
        source = self.kraft or new_app_kraft(self.app_dir, self.app_name)
        layout = plan_layout(preset, source, self.app_dir / KRAFT_YAML, available)
        problems = list(layout.problems)
        notes: list[str] = []

        def run() -> None:
            self._load_libraries_of(layout.kraft)
            result = apply_kconfig(self.kconf, layout, self.workdir)
            problems.extend(result.problems)
            if result.dropped:
                notes.append(describe_dropped(result.dropped))
            self.iso = layout.iso.copy()  # written over the saved kraft.yaml, as --apply does
            self.build = preset.build
        self._edit(f"load preset {preset.name}", run, isolation=None, consequences=notes)
        self._kraft_basis = None  # a preset states the whole configuration, as --apply writes it
        self.preset = preset
        self._baseline_values = ks.values(self.kconf)
        return problems

    def _edit(self, label: str, run: Callable[[], None], *, isolation: bool | None = False,
              consequences: list[str] | None = None,
              refusals: list[Refusal] | None = None) -> list[ks.SymbolChange]:
        """One undoable step: the edit, then what it implies, all recorded and named.

        A Kconfig edit (isolation=False) carries the backend, gate type, DSS and
        libraries switched on or off over to the layout; an isolation edit
        (True) sets only the Kconfig values that the layout now implies
        differently, so Kconfig values the user set stay as they are. A preset
        (None) replaces both.
        """
        before_state = self._state()
        before_values = ks.values(self.kconf)
        before_iso = self.iso.copy()
        run()
        notes = list(consequences or ())  # filled in by `run`
        refusals = list(refusals or ())
        if isolation is False:
            edited = {c.name for c in ks.diff(before_values, ks.values(self.kconf))}
            notes += self._sync_iso_from_kconfig(before_values)
            derived, refused = self._apply_derived_delta(before_iso, keep=edited)
            notes += derived
            refusals += refused
        if isolation is True:
            derived, refused = self._apply_derived_delta(before_iso)
            notes += derived
            refusals += refused
        after_state = self._state()
        changes = ks.diff(before_values, ks.values(self.kconf))
        layout = tuple(layout_changes(before_iso, self.iso))
        if after_state != before_state:
            self.history.record(label, before_state, after_state, tuple(notes))
        self._emit(SessionEvent("edit", label, tuple(changes), tuple(refusals), tuple(notes), layout))
        return changes

    def undo(self) -> str | None:
        return self._travel(self.history.undo(), "undo")

    def redo(self) -> str | None:
        return self._travel(self.history.redo(), "redo")

    def _travel(self, step, kind: str) -> str | None:
        if step is None:
            return None
        before_values = ks.values(self.kconf)
        before_iso = self.iso.copy()
        self._restore(step.before if kind == "undo" else step.after)
        changes = ks.diff(before_values, ks.values(self.kconf))
        self._emit(SessionEvent(kind, step.label, tuple(changes), (), step.consequences,
                                tuple(layout_changes(before_iso, self.iso))))
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
            kraft = self.kraft or KraftFile(self.app_dir / KRAFT_YAML, {
                "specification": "0.6", "name": self.app_dir.name})
            files[kraft.path] = kraft.with_isolation(self.iso, since=self._kraft_basis).dump()
        files[self.app_dir / MAKE_VARS_FILE] = make_vars_text(
            make_variables(self.iso, self.workdir.libraries()))
        return files | settings_files(self.build, self.app_dir)

    def save(self) -> list[Path]:
        """Write .config, kraft.yaml, the make variables and the build settings; return what changed."""
        files = self.pending_files()
        written = write_all_atomic(files, keep_old={self.loaded.config_path,
                                                    self.app_dir / KRAFT_YAML})
        kraft_path = self.app_dir / KRAFT_YAML
        if kraft_path in files:
            self.kraft = load_kraft(kraft_path)
        self._mark_saved()
        self._emit(SessionEvent("saved", ", ".join(p.name for p in written)))
        return written

    def as_preset(self, name: str, description: str = "") -> Preset:
        """The session as a preset: isolation plus the Kconfig values it does not decide."""
        from flexui.model.presets.preset import ISOLATION_SYMBOLS

        derived = {f"CONFIG_{a.symbol}" for a in
                   derive_assignments(self.iso, self.workdir.libraries())}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "defconfig"
            self.kconf.write_min_config(str(path))
            assignments, _ = read_assignments(path)
        extras = {f"CONFIG_{sym}": value for sym, value in assignments.items()
                  if f"CONFIG_{sym}" not in ISOLATION_SYMBOLS and f"CONFIG_{sym}" not in derived}
        return Preset(name=name, description=description, app=self.app_name,
                      isolation=self.iso.copy(), kconfig=extras, build=self.build)

    def save_minimal(self, path: Path) -> bool:
        return write_min_config(self.kconf, path)

    # -- building -----------------------------------------------------------
    def image(self) -> Path | None:
        """The app's built image, if there is one."""
        from flexui.model.run.qemu_command import app_images

        return app_images(self.app_dir)[0]

    def image_differs(self) -> str | None:
        """What the session changes against the built image (unsaved edits count)."""
        from flexui.model.build.built_image import built_configuration, built_settings, session_differs

        differs = session_differs(built_configuration(self.app_dir), self.iso)
        built = built_settings(self.app_dir)
        if built is not None and built != self.build:
            differs = ", ".join(filter(None, [differs, "make variables or environment"]))
        if differs is None and self.dirty:
            return "unsaved changes"
        return differs

    def build_plan(self, commands: list[list[str]] | None = None) -> BuildPlan:
        """How `flexui --build` builds the saved app (`commands` instead of the FlexOS sequence)."""
        from flexui.model.build.runner import plan_build

        return plan_build(self.app_dir, commands=commands, workdir=workdir_of(self.app_dir))

    def build_refusal(self, plan: BuildPlan, *, prerequisites: bool = True) -> BuildRefusal | None:
        """Why the build cannot start, in `flexui --build`'s words, or None."""
        from flexui.model.build.preflight import build_refusal

        return build_refusal(plan, workdir_of(plan.app_dir), prerequisites=prerequisites)

    def build_sources(self) -> Path | None:
        """The source archives remembered for the app's work directory (`--build --sources`)."""
        from flexui.model.build.sources import remembered_sources

        return remembered_sources(workdir_of(self.app_dir))

    # -- the safety order -----------------------------------------------------
    @staticmethod
    def failed_configurations(app: str, metric: str) -> set[DesignPoint]:
        """What the closed loop last failed to build, boot or measure for this app and metric."""
        from flexui.model.explore.journal import user_journal  # here: opening a session needs none of it

        return user_journal(app, metric).failed()

    def export_safety_order(self, points: list[DesignPoint], *, order: str, highlight: Set[DesignPoint],
                            mark: Callable[[DesignPoint], tuple[str, str]]) -> tuple[Path, Path | None]:
        """The order around the session as safety-order.dot in the app (and its SVG, with Graphviz)."""
        from flexui.model.safety.dot import export_order  # here: it brings the estimator

        path = self.app_dir / "safety-order.dot"
        return path, export_order(path, points, order=order, highlight=highlight, mark=mark,
                                  title=f"{self.app_name} safety order")

    # -- presets ------------------------------------------------------------
    @staticmethod
    def presets() -> tuple[list[Preset], list[Problem]]:
        """Every preset (shipped, then the user's) and the problems of the files that do not load."""
        return store.all_presets()

    @staticmethod
    def preset_name_refusal(name: str) -> str | None:
        """Why the session cannot be saved as preset `name` (as `explore --save-preset` says), or None."""
        return store.name_refusal(name)

    def save_as_user_preset(self, name: str, description: str = "") -> Path:
        """The session as the user's preset `name`; InputError when it cannot be written."""
        return store.save_user_preset(self.as_preset(name, description))

    @staticmethod
    def delete_user_preset(preset: Preset) -> None:
        store.delete_user_preset(preset)

    # -- internals ----------------------------------------------------------
    def _state(self) -> SessionState:
        return SessionState(ks.capture(self.kconf), self.iso.copy(), self.loaded, id(self.kconf), self.build)

    def _restore(self, state: SessionState) -> None:
        if state.loaded is not None:
            self.loaded = state.loaded
        ks.restore(self.kconf, state.kconfig)
        self.iso = state.iso.copy()
        self.build = state.build

    def _mark_saved(self) -> None:
        self._saved = self._state()
        self._kraft_basis = self.iso.copy()
        self._saved_values = ks.values(self.kconf)

    def _load_libraries_of(self, kraft: KraftFile) -> None:
        """Kconfig sees the app's libraries: another list needs the tree loaded again."""
        names = app_library_names(self.app_dir, kraft.data)
        if names is None or tuple(names) == tuple(self.loaded.libraries or ()):
            return
        self.loaded = load_kconfig(self.workdir, self.app_dir, build_dir=self.loaded.build_dir,
                                   read_config=False, libraries=names)

    def _apply_derived_delta(self, before: IsolationConfig, keep: Set[str] = frozenset()
                             ) -> tuple[list[str], list[Refusal]]:
        """Set the Kconfig values the layout now implies differently from `before`.

        A value the layout no longer implies goes back to its default (choice
        options excepted: the new backend's option replaces them). Symbols in
        `keep` (what the user just set) are left alone.
        """
        if not self.iso.compartments and not before.compartments:
            return [], []
        libraries = self.workdir.libraries()
        old = {a.symbol: a for a in derive_assignments(before, libraries)} if before.compartments else {}
        new = {a.symbol: a for a in derive_assignments(self.iso, libraries)} \
            if self.iso.compartments else {}
        values = ks.values(self.kconf)
        wanted = [a for sym, a in new.items() if sym not in keep
                  and (sym not in old or old[sym].value != a.value or values.get(sym) is None)]
        notes = []
        for sym in sorted(old.keys() - new.keys() - keep):
            symbol = self.kconf.syms.get(sym)
            if symbol is not None and symbol.choice is None and symbol.user_value is not None:
                symbol.unset_value()
                notes.append(f"CONFIG_{sym} back to its default {symbol.str_value or 'unset'}: "
                             f"no longer implied ({old[sym].reason})")
        before_values = ks.values(self.kconf)
        refusals = apply_assignments(self.kconf, wanted)
        after = ks.values(self.kconf)
        notes += [f"CONFIG_{a.symbol}={after.get(a.symbol, '')}: {a.reason}"
                  for a in wanted if before_values.get(a.symbol) != after.get(a.symbol)]
        return notes, refusals

    def _sync_iso_from_kconfig(self, before_values: dict[str, str] | None = None) -> list[str]:
        """Carry a Kconfig edit over to the layout; return what that did, in words.

        Without `before_values` (on open) only the mechanism follows the Kconfig.
        """
        syms = self.kconf.syms
        flexos = syms.get("LIBFLEXOS")
        if flexos is None or flexos.tri_value == 0 or not self.iso.compartments:
            return []
        notes = []
        for name, driver in DRIVER_OF_BACKEND.items():
            sym = syms.get(name)
            if sym is not None and sym.tri_value == 2 and self.iso.driver != driver:
                self.iso.set_driver(driver)
                notes.append(f"mechanism {driver}: CONFIG_{name} is on")
        if self.iso.driver == MPK:
            shared = syms.get(SHARED_STACKS_SYMBOL)
            dss = syms.get(DSS_SYMBOL)
            self.iso.shared_stacks = bool(shared is not None and shared.tri_value == 2)
            self.iso.dss = bool(dss is not None and dss.tri_value == 2)
        if before_values is None:
            return notes
        heap = syms.get(HEAP_SIZE.removeprefix("CONFIG_"))
        if heap is not None and heap.user_value is not None and heap.str_value != before_values.get(heap.name):
            self.iso.heap_size = int(heap.str_value, 0) if heap.str_value else None
        notes += self._sync_libraries(before_values)
        return notes

    def _sync_libraries(self, before_values: dict[str, str]) -> list[str]:
        """Libraries switched off leave the compartments; switched on, they join the default."""
        infos = self.workdir.libraries()
        now = ks.values(self.kconf)

        def on(info, values) -> bool:
            return any(values.get(s, "n") not in ("n", "") for s in info.symbols)
        notes = []
        for name in list(self.iso.libraries):
            info = infos.get(name)
            if info is not None and info.symbols and on(info, before_values) and not on(info, now):
                where = self.iso.compartment_of(name)
                del self.iso.libraries[name]
                notes.append(f"{name} leaves {where}: CONFIG_{info.symbols[0]} is off")
        default = self.iso.default_compartment
        for name, info in infos.items():
            if name in self.iso.libraries or info.is_core or not info.symbols or default is None:
                continue
            if on(info, now) and not on(info, before_values):
                self.iso.add_library(name)
                notes.append(f"{name} joins {default.name}, the default compartment: "
                             f"CONFIG_{info.symbols[0]} is on")
        return notes

    def _read_hardening(self) -> None:
        """Hardening lives only in the make variables file flexui writes."""
        from flexui.model.isolation.apply import hardening_from_make_vars

        path = self.app_dir / MAKE_VARS_FILE
        if not path.exists():
            return
        for lib, hardening in hardening_from_make_vars(
                path.read_text(encoding="utf-8"), self.workdir.libraries()).items():
            if lib in self.iso.libraries:
                self.iso.set_hardening(lib, hardening)


def _place(iso: IsolationConfig, library: str, compartment: str, notes: list[str]) -> list[str]:
    """Put a library in a compartment, noting the libraries FlexOS moves with it."""
    if library not in iso.libraries:
        iso.add_library(library)
    moved = iso.move_library(library, compartment)
    notes.extend(f"{m} moves with {library}: FlexOS keeps them in one compartment"
                 for m in moved if m != library)
    return moved

"""Random edit sequences through the session, the way the screens call it, with invariants.

After every step: the three files the session would write agree with each
other and with what `--apply` of the same configuration (the session saved
as a preset) writes; no value changes without an event naming it; and undo
gives back exactly the state of as many steps before. Bounded
(`max_examples`, no deadline) so the suite stays fast.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from flexui.cmd_apply import plan_apply
from flexui.model.isolation.apply import RUNTIME_SYMBOLS, hardening_from_make_vars
from flexui.model.isolation.configuration import Hardening
from flexui.model.isolation.diff import layout_changes
from flexui.model.isolation.kraftyaml import DRIVER_SYMBOLS
from flexui.model.kconfig import state as ks
from flexui.model.kconfig.tree import locate
from flexui.model.presets.preset import dump_preset, load_preset
from flexui.model.session.edit_session import Session
from flexui.model.vocabulary import DRIVERS, MAKE_VARS_FILE
from flexui.paths import embedded_tree, shipped_presets

REDIS_PRESETS = sorted(p for p in shipped_presets().glob("redis-*.yaml"))
# Kconfig edits a user makes on the Kconfig screen that the layout follows (or ignores).
KCONFIG_EDITS = [("LIBUKDEBUG_PRINTD", "y"), ("LIBUKDEBUG_PRINTD", "n"),
                 ("LIBFLEXOS_VMEPT", "y"), ("LIBFLEXOS_INTELPKU", "y"), ("LIBFLEXOS_NONE", "y"),
                 ("LIBFLEXOS_ENABLE_DSS", "y"), ("LIBFLEXOS_ENABLE_DSS", "n"),
                 ("LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS", "y"),
                 ("LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS", "y"),
                 ("LIBIPERF", "y"), ("LIBIPERF", "n")]
HARDENINGS = [Hardening(), Hardening.full(), Hardening(ubsan=True), Hardening(kasan=True, stack_protector=True)]

edits = st.one_of(
    st.tuples(st.just("kconfig"), st.sampled_from(KCONFIG_EDITS)),
    st.tuples(st.just("move"), st.tuples(st.integers(0, 20), st.integers(0, 5))),
    st.tuples(st.just("rename"), st.tuples(st.integers(0, 5), st.sampled_from(["net", "app", "x1"]))),
    st.tuples(st.just("new"), st.integers(0, 20)),
    st.tuples(st.just("remove"), st.integers(0, 5)),
    st.tuples(st.just("default"), st.integers(0, 5)),
    st.tuples(st.just("driver"), st.sampled_from(DRIVERS)),
    st.tuples(st.just("stacks"), st.booleans()),
    st.tuples(st.just("dss"), st.booleans()),
    st.tuples(st.just("harden"), st.tuples(st.integers(0, 20), st.sampled_from(HARDENINGS))),
    st.tuples(st.just("preset"), st.sampled_from(REDIS_PRESETS)),
    st.tuples(st.just("undo"), st.none()),
    st.tuples(st.just("redo"), st.none()),
)


def do(session: Session, edit) -> None:
    """One edit, called as the screen that offers it calls it."""
    kind, arg = edit
    iso = session.iso
    comps = [c.name for c in iso.compartments]
    libs = list(iso.libraries)
    if kind == "kconfig":
        name, value = arg
        sym = session.kconf.syms.get(name)
        if sym is not None and sym.visibility:
            session.set_value(sym, value)
    elif kind == "move" and libs and comps:
        session.move_library(libs[arg[0] % len(libs)], comps[arg[1] % len(comps)])
    elif kind == "rename" and comps:
        old = comps[arg[0] % len(comps)]
        if arg[1] not in comps:
            session.rename_compartment(old, arg[1])
    elif kind == "new" and comps and len(comps) < 6:
        name = next(f"comp{i}" for i in range(1, 20) if f"comp{i}" not in comps)
        session.add_compartment(name, libs[arg % len(libs)] if libs else None)
    elif kind == "remove" and len(comps) > 1:
        name = comps[arg % len(comps)]
        if iso.default_compartment is None or iso.default_compartment.name != name:
            session.remove_compartment(name)
    elif kind == "default" and comps:
        session.set_default(comps[arg % len(comps)])
    elif kind == "driver" and comps:
        session.set_driver(arg)
    elif kind == "stacks" and iso.driver == "intel-pku":
        session.set_shared_stacks(arg)
    elif kind == "dss" and iso.driver == "intel-pku" and not iso.shared_stacks:
        session.set_dss(arg)
    elif kind == "harden" and libs:
        session.set_hardening(libs[arg[0] % len(libs)], arg[1])
    elif kind == "preset":
        session.apply_preset(load_preset(arg, shipped=True))
    elif kind == "undo":
        session.undo()
    elif kind == "redo":
        session.redo()


def files_of(session: Session) -> dict[str, str]:
    return {p.name: text for p, text in session.pending_files().items()}


def config_values(text: str) -> dict[str, str]:
    return dict(re.findall(r"^CONFIG_(\w+)=(.*)$", text, re.M))


def check_files_agree(session: Session, files: dict[str, str]) -> None:
    """kraft.yaml, .config and flexui.mk describe one image."""
    config = config_values(files[".config"])
    kraft = yaml.safe_load(files["kraft.yaml"])
    drivers = {c["mechanism"]["driver"] for c in kraft.get("compartments", [])}
    assert len(drivers) <= 1
    for driver in drivers:
        assert config.get(DRIVER_SYMBOLS[driver].removeprefix("CONFIG_")) == "y", driver
    infos = session.workdir.libraries()
    for name in kraft.get("libraries", {}):
        info = infos.get(name)
        if info is not None and info.symbols:
            assert any(config.get(s) == "y" for s in info.symbols), f"{name} in kraft.yaml, off in .config"
    hardened = hardening_from_make_vars(files[MAKE_VARS_FILE], infos)
    for name, hardening in hardened.items():
        assert name in kraft.get("libraries", {})
        for flag in hardening.names():
            assert config.get(RUNTIME_SYMBOLS[flag]) == "y", f"{name}: {flag} runtime off"


def check_same_as_apply(session: Session, files: dict[str, str], work: Path) -> None:
    """--apply of the session (saved as a preset) writes exactly what the session would."""
    preset = session.as_preset("property")
    path = work / "property.yaml"
    path.write_text(dump_preset(preset), encoding="utf-8")
    plan = plan_apply(str(path), app=session.app_dir, workdir=embedded_tree())
    applied = {p.name: text for p, text in plan.files.items()}
    for name in files:
        assert applied[name] == files[name], f"{name} differs from --apply of the same configuration"


def state_of(session: Session) -> tuple:
    return files_of(session), ks.values(session.kconf), session.iso.copy()


@settings(max_examples=10, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each step loads Kconfig
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(edits, min_size=1, max_size=7))
def test_random_edit_sequences_keep_the_session_truthful(sequence):
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        app = work / "apps" / "redis"
        shutil.copytree(embedded_tree() / "apps" / "redis", app,
                        ignore=shutil.ignore_patterns(".config", "*.old", "flexui.mk", "build"))
        session = Session.open(app, workdir=locate(workdir=embedded_tree()), build_dir=work / "kbuild")
        heard = []
        session.subscribe(heard.append)
        at_depth = {0: state_of(session)}
        for edit in sequence:
            before_values, before_iso = ks.values(session.kconf), session.iso.copy()
            heard.clear()
            do(session, edit)
            after_values = ks.values(session.kconf)
            named = {c.name for e in heard for c in e.changes}
            changed = {c.name for c in ks.diff(before_values, after_values)}
            assert changed <= named, f"{edit}: {sorted(changed - named)} changed without an event"
            named_layout = {line for e in heard for line in e.layout}
            assert set(layout_changes(before_iso, session.iso)) <= named_layout, edit
            files = files_of(session)
            depth = len(session.history.labels())
            if edit[0] in ("undo", "redo") and depth in at_depth:
                old_files, old_values, old_iso = at_depth[depth]
                assert (files, after_values, session.iso) == (old_files, old_values, old_iso), edit
            at_depth = {d: s for d, s in at_depth.items() if d < depth} if edit[0] not in ("undo", "redo") \
                else at_depth
            at_depth[depth] = state_of(session)
            check_files_agree(session, files)
            check_same_as_apply(session, files, work)
        while session.history.can_undo:  # undo all N steps: the state N steps before, exactly
            session.undo()
            depth = len(session.history.labels())
            if depth in at_depth:
                assert state_of(session)[:2] == at_depth[depth][:2]
                assert session.iso == at_depth[depth][2]

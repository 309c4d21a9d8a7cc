"""flexui against the FlexOS paper's artifact (a clone of project-flexos/asplos22-ae).

Every shipped preset that names a paper configuration (its `paper:` section)
must write that configuration: the real `--apply` on a copy of the real app
gives the artifact build's layout, mechanism, hardening and every Kconfig
value. And the artifact's own build directories (its kraft.yaml and `.config`)
open in flexui unchanged. Needs FLEXUI_ARTIFACT and FLEXUI_REAL_TREE (a FlexOS
work directory with the paper's apps); skipped otherwise.
"""

from __future__ import annotations

import csv
import difflib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from flexui.cli import main
from flexui.model.isolation.apply import Assignment, apply_assignments, parse_make_vars
from flexui.model.isolation.kraftyaml import load_kraft
from flexui.model.isolation.validation import validate
from flexui.model.kconfig import state as ks
from flexui.model.kconfig.tree import Workdir, load_kconfig, locate
from flexui.model.presets.preset import Preset, list_presets
from flexui.model.session.edit_session import Session
from flexui.model.vocabulary import MAKE_VARS_FILE
from flexui.paths import shipped_presets

FIG6 = Path("experiments/fig-06_nginx-redis-perm/apps")
FIG9 = Path("experiments/fig-09_iperf-throughput/docker-data/configs")
FIG10 = Path("experiments/fig-10_sqlite-exec-time/docker-data/configs")
FIG11 = Path("experiments/fig-11_flexos-alloc-latency/docker-data/configs")

PRIVATE, SHARED, DSS = ("LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS", "LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS",
                        "LIBFLEXOS_ENABLE_DSS")
# Builds the artifact's dockerfiles derive from another build's .config by editing it.
NO_ISOLSTACK = {PRIVATE: "n", DSS: "n", SHARED: "y"}
NO_DSS = {DSS: "n"}
EDITS = {"flexos-mpk2-noisolstack": NO_ISOLSTACK, "microbenchmarks-mpk2-noisolstack": NO_ISOLSTACK,
         "microbenchmarks-mpk2-isolstack-heap": NO_DSS}

# The artifact's FlexOS build directories of Figs. 9-11: (name, app, kraft.yaml or None for the
# app's own, .config, edits the dockerfile makes to that .config).
BUILDS = [
    ("fig9 iperf-fcalls", "iperf", FIG9 / "kraft.yaml.fcalls", FIG9 / "iperf-flexos-fcalls.config", {}),
    ("fig9 iperf-mpk2-isolstack", "iperf", None, FIG9 / "iperf-flexos-mpk2.config", {}),
    ("fig9 iperf-mpk2-noisolstack", "iperf", None, FIG9 / "iperf-flexos-mpk2.config", NO_ISOLSTACK),
    ("fig9 iperf-ept2", "iperf", FIG9 / "kraft.yaml.ept2", FIG9 / "iperf-flexos-ept2.config", {}),
    ("fig10 sqlite-fcalls", "sqlite", FIG10 / "kraft.yaml.fcalls", FIG10 / "sqlite-flexos-fcalls.config", {}),
    ("fig10 sqlite-mpk3", "sqlite", FIG10 / "kraft.yaml.mpk3", FIG10 / "sqlite-flexos-mpk3.config", {}),
    ("fig10 sqlite-ept2", "sqlite", FIG10 / "kraft.yaml.ept2", FIG10 / "sqlite-flexos-ept2.config", {}),
    ("fig11 microbenchmarks-mpk2-isolstack", "flexos-microbenchmarks", FIG11 / "kraft.yaml.mpk2",
     FIG11 / "microbenchmarks-flexos-mpk2.config", {}),
    ("fig11 microbenchmarks-mpk2-isolstack-heap", "flexos-microbenchmarks", FIG11 / "kraft.yaml.mpk2",
     FIG11 / "microbenchmarks-flexos-mpk2.config", NO_DSS),
    ("fig11 microbenchmarks-mpk2-noisolstack", "flexos-microbenchmarks", FIG11 / "kraft.yaml.mpk2",
     FIG11 / "microbenchmarks-flexos-mpk2.config", NO_ISOLSTACK),
    ("fig11 microbenchmarks-ept2", "flexos-microbenchmarks", FIG11 / "kraft.yaml.ept2",
     FIG11 / "microbenchmarks-flexos-ept2.config", {}),
]

# Fig. 6: how the evaluation's build script passed hardening (`LIB<NAME>_SFI=y`) to make and
# kraft configure: the sanitizer flags on the library's make variable, the runtimes in Kconfig.
SFI_FLAGS = "-fsanitize=undefined -fsanitize=kernel-address -fstack-protector-all -mstack-protector-guard=global"
SFI_VARIABLES = {"LIBNEWLIB": ("LIBNEWLIB_CFLAGS_EXTRA",),
                 "LIBUKSCHED": ("LIBUKSCHED_CFLAGS", "LIBUKSCHEDCOOP_CFLAGS")}
SFI_RUNTIMES = ("LIBUBSAN", "LIBKASAN", "LIBUKSP")
FIG6_LIBRARY = {"uksched": "LIBUKSCHED", "ukschedcoop": "LIBUKSCHED", "tlsf": "LIBTLSF",
                "pthread-embedded": "LIBPTHREAD_EMBEDDED", "newlib": "LIBNEWLIB", "lwip": "LIBLWIP",
                "redis": "LIBREDIS", "nginx": "LIBNGINX"}


def _paper_presets() -> list[Preset]:
    presets, _ = list_presets(shipped_presets())
    return [p for p in presets if p.paper is not None]


PAPER_PRESETS = _paper_presets()


@pytest.fixture(scope="module")
def artifact() -> Path:
    path = os.environ.get("FLEXUI_ARTIFACT")
    if not path:
        pytest.skip("FLEXUI_ARTIFACT is not set: no clone of the FlexOS artifact (asplos22-ae)")
    return Path(path)


@pytest.fixture(scope="module")
def workdir() -> Workdir:
    path = os.environ.get("FLEXUI_REAL_TREE")
    if not path:
        pytest.skip("FLEXUI_REAL_TREE is not set: no real FlexOS work directory to build the apps from")
    return locate(workdir=Path(path))


@pytest.fixture(autouse=True)
def no_user_presets(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


# -- what a configuration is ------------------------------------------------------------------
@dataclass
class Configuration:
    """What the comparison looks at, read from the files alone."""

    layout: frozenset[frozenset[str]]  # the libraries of each used compartment
    default: frozenset[str]  # the default compartment's libraries
    driver: str
    kconfig: dict[str, str]  # every symbol's value on this tree
    make: dict[str, str]  # hardening: make variable -> flags

    def mechanism(self) -> str:
        if self.driver != "intel-pku":
            return self.driver
        stacks = "shared stacks" if self.kconfig.get(SHARED) == "y" else "private stacks"
        return f"intel-pku, {stacks}" + (", DSS" if self.kconfig.get(DSS) == "y" else "")


def layout_of(kraft_text: str) -> tuple[frozenset[frozenset[str]], frozenset[str], str]:
    data = yaml.safe_load(kraft_text)
    comps = data.get("compartments") or []
    default = next(c["name"] for c in comps if c.get("default") is True)
    drivers = {(c.get("mechanism") or {}).get("driver") for c in comps}
    groups: dict[str, set[str]] = {}
    for name, entry in (data.get("libraries") or {}).items():
        groups.setdefault((entry or {}).get("compartment") or default, set()).add(name)
    layout = frozenset(frozenset(g) for g in groups.values())
    return layout, frozenset(groups.get(default, ())), ",".join(sorted(d for d in drivers if d))


def values_of(wd: Workdir, app_dir: Path) -> dict[str, str]:
    """The app's `.config` as this tree reads it (what `make olddefconfig` keeps)."""
    return ks.values(load_kconfig(wd, app_dir).kconf)


def app_copy(wd: Workdir, app: str, where: Path, kraft: str | None = None,
             config: str | None = None) -> Path:
    """The real app in a temp dir, optionally with the artifact's kraft.yaml and .config."""
    app_dir = where / app
    shutil.copytree(wd.apps / app, app_dir, ignore=shutil.ignore_patterns(".git", ".config*", "build"))
    if kraft is not None:
        (app_dir / "kraft.yaml").write_text(kraft)
    if config is not None:
        (app_dir / ".config").write_text(config)
    return app_dir


def edited(config: str, edits: dict[str, str]) -> str:
    """A .config with some values changed, as the artifact's dockerfiles sed them."""
    for name, value in edits.items():
        line = f"CONFIG_{name}={value}" if value != "n" else f"# CONFIG_{name} is not set"
        config, n = re.subn(rf"^(CONFIG_{name}=.*|# CONFIG_{name} is not set)$", line, config, flags=re.M)
        assert n == 1, f"{name} is not in the artifact's .config"
    return config


# -- Fig. 6: the kraft.yaml template and the permutation of one build ---------------------------
def fig6_row(artifact: Path, app: str, task: str) -> dict[str, str]:
    with (artifact / FIG6 / app / "permutations-3.csv").open(newline="") as f:
        return next(r for r in csv.DictReader(f) if r["TASKID"] == task)


def fig6_kraft(artifact: Path, app: str, row: dict[str, str]) -> str:
    """The build's kraft.yaml: the template with the build's compartments filled in (all of
    them declared, the first the default), as the evaluation's build script renders it."""
    data = yaml.safe_load((artifact / FIG6 / app / "templates" / "kraft" / "template.yaml").read_text())
    count = int(row["NUM_COMPARTMENTS"])
    data["compartments"] = [
        {"name": f"comp{i}", "mechanism": {"driver": row[f"COMPARTMENT{i}_DRIVER"],
                                          "noisolstack": row[f"COMPARTMENT{i}_ISOLSTACK"] == "true"},
         "default": i == 1} for i in range(1, count + 1)]
    for name, entry in data["libraries"].items():
        entry["compartment"] = f"comp{row[FIG6_LIBRARY[name] + '_COMPARTMENT']}"
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


def fig6_make(row: dict[str, str]) -> dict[str, str]:
    out = {}
    for column in sorted(c for c in row if c.endswith("_SFI")):
        lib = column.removesuffix("_SFI")
        if row[column] == "y":
            for var in SFI_VARIABLES.get(lib, (f"{lib}_CFLAGS_EXTRA",)):
                out[var] = SFI_FLAGS
    return out


def fig6_built_tasks(artifact: Path, app: str) -> list[str]:
    with (artifact / "experiments/fig-06_nginx-redis-perm/paperresults" / f"{app}.csv").open(newline="") as f:
        return sorted({r["TASKID"] for r in csv.DictReader(f)})


# -- the two sides ------------------------------------------------------------------------------
def artifact_configuration(preset: Preset, artifact: Path, wd: Workdir, where: Path) -> Configuration:
    paper = preset.paper
    if paper.figure == 6:
        row = fig6_row(artifact, preset.app, paper.build)
        kraft = fig6_kraft(artifact, preset.app, row)
        # `kraft configure` on the rendered kraft.yaml (a fresh open), plus its `--yes` runtimes.
        session = Session.open(app_copy(wd, preset.app, where, kraft=kraft), workdir=wd)
        make = fig6_make(row)
        if make:
            apply_assignments(session.kconf, [Assignment(s, "y", "--yes") for s in SFI_RUNTIMES])
        values = ks.values(session.kconf)
    else:
        config = next(f for f in paper.artifact if f.endswith(".config"))
        kraft_file = next((f for f in paper.artifact if "kraft.yaml" in Path(f).name), None)
        kraft = ((artifact / kraft_file) if kraft_file else wd.apps / preset.app / "kraft.yaml").read_text()
        text = edited((artifact / config).read_text(), EDITS.get(paper.build, {}))
        values = values_of(wd, app_copy(wd, preset.app, where, kraft=kraft, config=text))
        make = {}
    return Configuration(*layout_of(kraft), kconfig=values, make=make)


def flexui_configuration(preset: Preset, wd: Workdir, where: Path) -> Configuration:
    app_dir = app_copy(wd, preset.app, where)
    assert main(["--apply", preset.name, "--app", str(app_dir), "--workdir", str(wd.unikraft.parent)]) == 0
    return Configuration(*layout_of((app_dir / "kraft.yaml").read_text()), kconfig=values_of(wd, app_dir),
                         make=parse_make_vars((app_dir / MAKE_VARS_FILE).read_text()))


def differences(ours: Configuration, theirs: Configuration) -> list[str]:
    out = []
    if ours.layout != theirs.layout:
        out.append(f"layout: flexui {sorted(map(sorted, ours.layout))}, "
                   f"artifact {sorted(map(sorted, theirs.layout))}")
    if ours.default != theirs.default:
        out.append(f"default compartment: flexui {sorted(ours.default)}, artifact {sorted(theirs.default)}")
    if (ours.driver, ours.mechanism()) != (theirs.driver, theirs.mechanism()):
        out.append(f"mechanism: flexui {ours.mechanism()}, artifact {theirs.mechanism()}")
    if ours.make != theirs.make:
        out.append(f"hardening (make variables): flexui {ours.make}, artifact {theirs.make}")
    for change in ks.diff(theirs.kconfig, ours.kconfig):
        out.append(f"CONFIG_{change.name}: flexui {change.new or '(undefined)'}, "
                   f"artifact {change.old or '(undefined)'}")
    return out


@pytest.mark.parametrize("preset", PAPER_PRESETS, ids=[p.name for p in PAPER_PRESETS])
def test_a_preset_named_after_a_paper_configuration_writes_that_configuration(preset, artifact, workdir,
                                                                            tmp_path):
    for name in preset.paper.artifact:
        assert (artifact / name).is_file(), f"{preset.name}: {name} is not in the artifact"
    # Both sides in the same app directory, so the symbols of the app's path agree.
    theirs = artifact_configuration(preset, artifact, workdir, tmp_path)
    shutil.rmtree(tmp_path / preset.app)
    ours = flexui_configuration(preset, workdir, tmp_path)
    found = differences(ours, theirs)
    print(f"{preset.name} (Fig. {preset.paper.figure}, {preset.paper.build}): {len(found)} difference(s)")
    for line in found:
        print(f"  {line}")
    assert not found, f"{preset.name} is not the paper's configuration:\n  " + "\n  ".join(found)


def test_every_fig6_paper_preset_is_a_built_and_plotted_permutation(artifact):
    fig6 = [p for p in PAPER_PRESETS if p.paper.figure == 6]
    assert len(fig6) == 12
    for preset in fig6:
        assert preset.paper.build in fig6_built_tasks(artifact, preset.app), preset.name
        assert fig6_row(artifact, preset.app, preset.paper.build)["LIBLWIP_COMPARTMENT"] != "3"


# -- the artifact's own files -------------------------------------------------------------------
def artifact_kraft_files(artifact: Path) -> list[tuple[str, str, str]]:
    """(name, app, text) of every kraft.yaml of the artifact's FlexOS builds."""
    out = [(str(path.relative_to(artifact)), app, path.read_text())
           for path, app in sorted({(artifact / k, a) for _, a, k, _, _ in BUILDS if k is not None})]
    for app in ("redis", "nginx"):
        for task in fig6_built_tasks(artifact, app):
            out.append((f"fig6 {app} {task}", app, fig6_kraft(artifact, app, fig6_row(artifact, app, task))))
    return out


def test_every_artifact_kraft_yaml_is_accepted_and_round_trips_byte_identical(artifact, workdir, tmp_path):
    files = artifact_kraft_files(artifact)
    rejected, changed = [], []
    for name, _app, text in files:
        path = tmp_path / str(len(rejected) + len(changed)) / "kraft.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        kraft = load_kraft(path)
        errors = [p for p in validate(kraft.isolation(), available=workdir.libraries(), kconfig=kraft.kconfig())
                  if p.severity == "error"]
        if errors:
            rejected.append(f"{name}: {errors[0].message}")
        if kraft.dump() != text or kraft.with_isolation(kraft.isolation()).dump() != text:
            changed.append(name)
    print(f"{len(files)} artifact kraft.yaml files: {len(files) - len(rejected)} accepted, "
          f"{len(files) - len(changed)} round-trip byte-identical")
    assert len(files) == 7 + 96 + 96
    assert not rejected, "\n".join(rejected)
    assert not changed, "\n".join(changed)


@pytest.mark.parametrize("build", BUILDS, ids=[b[0] for b in BUILDS])
def test_an_artifact_build_directory_opens_unchanged(build, artifact, workdir, tmp_path):
    name, app, kraft_file, config_file, edits = build
    kraft = ((artifact / kraft_file) if kraft_file else workdir.apps / app / "kraft.yaml").read_text()
    config = edited((artifact / config_file).read_text(), edits)
    app_dir = app_copy(workdir, app, tmp_path, kraft=kraft, config=config)
    expected = values_of(workdir, app_dir)
    session = Session.open(app_dir, workdir=workdir)
    pending = session.pending_files()
    changes = [f"CONFIG_{c.name}: {c.old or '(undefined)'} -> {c.new or '(undefined)'}"
               for c in ks.diff(expected, ks.values(session.kconf))]
    if pending[app_dir / "kraft.yaml"] != kraft:
        lines = difflib.unified_diff(kraft.splitlines(), pending[app_dir / "kraft.yaml"].splitlines(), n=0,
                                     lineterm="")
        changes.append("kraft.yaml would be rewritten: " + "; ".join(
            line.strip() for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")))
    shared = expected.get(SHARED) == "y"
    if session.iso.shared_stacks != shared and session.iso.driver == "intel-pku":
        changes.append(f"gate type read as {'shared' if session.iso.shared_stacks else 'private'} stacks")
    print(f"{name}: {len(changes)} change(s) on open")
    for line in changes:
        print(f"  {line}")
    assert not changes, f"{name} changes on open:\n  " + "\n  ".join(changes)

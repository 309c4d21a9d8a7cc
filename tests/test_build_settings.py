"""A preset's make variables and environment: read with file:line errors, applied, built with, fingerprinted.

The builds are stand-ins (a real FlexOS build needs its toolchain): real GNU
make on a small makefile that writes the "image" with the values it saw, once
run as a make step and once from a command that runs make itself, as kraft does.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from flexui.cli import EXIT_INVALID, EXIT_OK, main
from flexui.model.build.built_image import built_settings
from flexui.model.build.kraft_cache import STATE_DIR
from flexui.model.build.runner import build_env, plan_build, run_build, why_not_buildable
from flexui.model.build.settings import FLEXUI_ENV, load_build_settings
from flexui.model.files.problems import InputError
from flexui.model.kconfig.tree import locate
from flexui.model.presets.preset import dump_preset, load_preset, preset_problems
from flexui.model.session.edit_session import Session
from flexui.model.vocabulary import BUILD_FILE
from flexui.paths import embedded_tree

TREE = embedded_tree()
APP = "flexos-example"
PRESET = """\
flexui-preset: 1
name: example-tuned
app: flexos-example
isolation:
  mechanism: {driver: intel-pku, stacks: private, dss: false}
  compartments:
    - {name: comp1, default: true}
    - {name: comp2}
  libraries:
    tlsf: {}
    newlib: {compartment: comp1}
    flexos-example: {compartment: comp2}
build:
  make:
    STANDIN_OPT: "-O2 -g"
    STANDIN_PRICE: "$$5"  # make syntax: $$ is a dollar
  env:
    STANDIN_TOOL: "cross tool"
"""
# Writes build/<app>_kvm-x86_64 holding what make and the environment gave it.
STANDIN_MK = """\
all:
\tmkdir -p build
\tprintf '%s\\n' 'opt=$(STANDIN_OPT)' 'price=$(STANDIN_PRICE)' "tool=$$STANDIN_TOOL" \\
\t\t> build/$(notdir $(CURDIR))_kvm-x86_64
"""
STANDIN_KRAFT = """\
import subprocess, sys
sys.exit(subprocess.run(["make", "-f", sys.argv[1]]).returncode)
"""


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path, monkeypatch):
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var))
    monkeypatch.delenv("MAKEFLAGS", raising=False)


def preset_file(tmp_path: Path, text: str = PRESET, name: str = "example-tuned.yaml") -> Path:
    path = tmp_path / "presets" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def applied_app(tmp_path: Path, preset: Path) -> Path:
    app = tmp_path / "apps" / APP
    shutil.copytree(TREE / "apps" / APP, app, ignore=shutil.ignore_patterns("build", "*.old"))
    assert main(["--apply", str(preset), "--app", str(app), "--workdir", str(TREE)]) == EXIT_OK
    return app


def standin_make_plan(tmp_path: Path, app: Path, through_kraft: bool = False):
    mk = tmp_path / "standin.mk"
    mk.write_text(STANDIN_MK)
    if through_kraft:
        script = tmp_path / "standin_kraft.py"
        script.write_text(STANDIN_KRAFT)
        return plan_build(app, commands=[[sys.executable, str(script), str(mk)]])
    return plan_build(app, commands=[["make", "-f", str(mk)]])


def image_lines(app: Path) -> list[str]:
    return (app / "build" / f"{APP}_kvm-x86_64").read_text().splitlines()


@pytest.mark.parametrize("through_kraft", [False, True], ids=["make-step", "command-running-make"])
def test_standin_build_of_an_applied_preset_gets_its_make_variables_and_environment(tmp_path, through_kraft):
    app = applied_app(tmp_path, preset_file(tmp_path))
    assert load_build_settings(app).make == {"STANDIN_OPT": "-O2 -g", "STANDIN_PRICE": "$$5"}
    plan = standin_make_plan(tmp_path, app, through_kraft)
    result = run_build(plan)
    assert result.ok, result.first_errors
    assert image_lines(app) == ["opt=-O2 -g", "price=$5", "tool=cross tool"]
    record = json.loads((app / "build" / "flexui-build.json").read_text())
    assert record["build_settings"] == {"make": {"STANDIN_OPT": "-O2 -g", "STANDIN_PRICE": "$$5"},
                                        "env": {"STANDIN_TOOL": "cross tool"}}
    assert record["inputs"][BUILD_FILE] == (app / BUILD_FILE).read_text()
    assert built_settings(app).env == {"STANDIN_TOOL": "cross tool"}


def test_changing_one_make_variable_makes_the_build_not_up_to_date(tmp_path):
    app = applied_app(tmp_path, preset_file(tmp_path))
    assert run_build(standin_make_plan(tmp_path, app)).ok
    assert run_build(standin_make_plan(tmp_path, app)).up_to_date
    applied_app(tmp_path / "again", preset_file(tmp_path / "again", PRESET.replace("-O2 -g", "-O3")))
    shutil.copy(tmp_path / "again" / "apps" / APP / BUILD_FILE, app / BUILD_FILE)
    rebuilt = run_build(standin_make_plan(tmp_path, app))
    assert rebuilt.ok and not rebuilt.up_to_date
    assert image_lines(app)[0] == "opt=-O3"
    (app / BUILD_FILE).write_text((app / BUILD_FILE).read_text().replace("cross tool", "other"))
    assert not run_build(standin_make_plan(tmp_path, app)).up_to_date  # the environment counts too


def test_a_preset_without_build_settings_empties_the_applied_ones(tmp_path):
    app = applied_app(tmp_path, preset_file(tmp_path))
    plain = PRESET.split("build:")[0]
    assert main(["--apply", str(preset_file(tmp_path, plain)), "--app", str(app), "--workdir", str(TREE)]) == 0
    assert not load_build_settings(app)
    assert plan_build(app).steps[0].argv == ["make", "prepare"]


BAD = """\
flexui-preset: 1
name: example-tuned
app: flexos-example
isolation:
  mechanism: {driver: intel-pku}
  compartments: [{name: comp1, default: true}]
  libraries: {tlsf: {}, newlib: {}, flexos-example: {}}
build:
  make:
    1OPT: x
    UK_ROOT: /elsewhere
    JOBS: 4
  env:
    PWD: /tmp
    GOOD_ONE: fine
  envs: {}
"""


def test_bad_build_entries_are_one_line_errors_at_their_line(tmp_path):
    with pytest.raises(InputError) as e:
        load_preset(preset_file(tmp_path, BAD))
    messages = [str(p) for p in e.value.problems]
    assert all("\n" not in m for m in messages)
    at = {m.split(": ", 1)[0].rsplit(":", 1)[1]: m for m in messages}
    assert set(at) == {"10", "11", "12", "14", "16"}, messages
    assert "1OPT" in at["10"] and "not valid" in at["10"]
    assert "UK_ROOT is set by flexui itself" in at["11"]
    assert "must be a string" in at["12"] and 'JOBS: "4"' in at["12"]
    assert "PWD is set by flexui itself" in at["14"]
    assert "unknown key 'envs'" in at["16"] and "did you mean 'env'" in at["16"]


def test_every_variable_flexui_sets_for_a_build_is_refused_in_a_preset(tmp_path):
    wd = tmp_path / "wd"
    (wd / STATE_DIR).mkdir(parents=True)
    (wd / STATE_DIR / "kraftrc").write_text("")  # a work directory with its own kraft cache
    owned = set(build_env(tmp_path, wd))
    assert owned <= FLEXUI_ENV and {"UK_WORKDIR", "KRAFTRC", "UK_CACHEDIR"} <= owned
    text = PRESET.replace("STANDIN_TOOL", sorted(owned)[0])
    with pytest.raises(InputError, match="set by flexui itself"):
        load_preset(preset_file(tmp_path, text))


def test_a_make_variable_holding_hardening_flags_is_refused_and_a_broken_settings_file_stops_the_build(tmp_path):
    text = PRESET.replace("flexos-example: {compartment: comp2}",
                          "flexos-example: {compartment: comp2, harden: true}")
    text = text.replace("STANDIN_PRICE", "LIBFLEXOS_EXAMPLE_CFLAGS_EXTRA")
    wd = locate(workdir=TREE)
    problems = preset_problems(load_preset(preset_file(tmp_path, text)), wd.libraries())
    assert any("hardening flags" in p.message and p.origin.line == 16 for p in problems), problems
    app = applied_app(tmp_path, preset_file(tmp_path))
    (app / BUILD_FILE).write_text("make:\n  OK: fine\n  BAD NAME: x\n")
    reason = why_not_buildable(standin_make_plan(tmp_path, app), None)
    assert reason.startswith(f"{app / BUILD_FILE}:3: ") and "\n" not in reason
    assert main(["--build", "--app", str(app), "--build-cmd", "make"]) == EXIT_INVALID


def test_the_session_carries_a_presets_build_settings_through_save_undo_and_save_as_preset(tmp_path):
    app = tmp_path / "apps" / APP
    shutil.copytree(TREE / "apps" / APP, app, ignore=shutil.ignore_patterns("build", "*.old"))
    session = Session.open(app, workdir=locate(workdir=TREE), build_dir=tmp_path / "kbuild")
    preset = load_preset(preset_file(tmp_path))
    session.apply_preset(preset)
    assert session.build.env == {"STANDIN_TOOL": "cross tool"} and session.dirty
    session.save()
    assert load_build_settings(app) == preset.build
    saved = session.as_preset("mine")
    again = load_preset(preset_file(tmp_path, dump_preset(saved), "mine.yaml"))
    assert again.build == preset.build
    session.undo()
    assert not session.build
    reopened = Session.open(app, workdir=locate(workdir=TREE), build_dir=tmp_path / "kbuild")
    assert reopened.build == preset.build


def test_apply_and_the_session_write_the_same_build_settings_file(tmp_path):
    from flexui.cmd_apply import plan_apply

    app = tmp_path / "apps" / APP
    shutil.copytree(TREE / "apps" / APP, app, ignore=shutil.ignore_patterns("build", "*.old"))
    preset = preset_file(tmp_path)
    cli = plan_apply(str(preset), app=app, workdir=TREE).files[app / BUILD_FILE]
    session = Session.open(app, workdir=locate(workdir=TREE), build_dir=tmp_path / "kbuild")
    session.apply_preset(load_preset(preset))
    session.save()
    assert (app / BUILD_FILE).read_text() == cli

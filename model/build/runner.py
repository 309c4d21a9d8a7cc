"""Run the FlexOS build of an app: live output, progress, cancel, honest verdict.

The FlexOS build tool can exit 0 after a failed make, so success is decided
from the image files the build must produce, not from exit codes. A build
whose inputs (.config, kraft.yaml, the hardening make variables, the
environment flexui sets, the commits and uncommitted changes of every
repository) match the last successful one is reported up to date and not run
again. A preset's make variables and environment (flexui-build.yaml) reach
every step: `VAR=value` arguments of make, MAKEFLAGS for kraft and other
commands, which run make themselves. Unikraft rewrites `.config` during the build, so the record keeps the
fingerprint of the inputs both before and after it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flexui.model.build.process_group import Group
from flexui.model.build.settings import (
    BuildSettings,
    conflicts,
    load_build_settings,
    makeflags,
)
from flexui.model.files.atomic import open_for_write, write_atomic
from flexui.model.files.problems import InputError
from flexui.model.isolation.apply import parse_make_vars
from flexui.model.isolation.configuration import Origin
from flexui.model.vocabulary import BUILD_FILE, DOT_CONFIG, KRAFT_YAML, MAKE_VARS_FILE

LOG_FILE = "flexui-build.log"
RECORD_FILE = "flexui-build.json"
INPUTS = (DOT_CONFIG, KRAFT_YAML, MAKE_VARS_FILE, BUILD_FILE)
COMPILE_LINE = re.compile(r"^\s*(CC|CXX|AS|LD|AR|OBJCOPY|CPP)\s+\S")
ERROR_LINE = re.compile(r"(\berror\b|\bError\b|\*\*\*|undefined reference|No such file|: not found$|command not found)")
LOG_LEVEL_LINE = re.compile(r"^\s*\[?\s*(INFO|DEBUG|WARN|WARNING|NOTICE)\b")  # kraft's chatter, not errors
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FIRST_ERRORS = 8

# No `kraft configure`: flexui writes the .config itself (what configure is for),
# and the FlexOS kraft stops there to ask about updating its caches, which a
# build without a terminal cannot answer. The paper's own scripts skip it too.
FLEXOS_STEPS = (
    ("prepare", ["make", "prepare"]),
    ("build", ["kraft", "-v", "build", "--no-progress", "--fast", "--compartmentalize"]),
)
PLAIN_STEPS = (("build", ["make"]),)


@dataclass(frozen=True)
class BuildStep:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # this step's own (MAKEFLAGS of a command that runs make)


@dataclass
class BuildPlan:
    app_dir: Path
    steps: list[BuildStep]
    images: list[Path]
    env: dict[str, str] = field(default_factory=dict)  # what flexui adds to the environment
    flexos: bool = True  # the FlexOS sequence (not the user's own commands)
    settings: BuildSettings = field(default_factory=BuildSettings)  # the app's flexui-build.yaml
    problem: str | None = None  # why flexui-build.yaml cannot be used

    @property
    def build_dir(self) -> Path:
        return self.app_dir / "build"


def build_env(app_dir: Path, workdir: Path | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The app Makefile uses $(PWD); kraft builds ~/.unikraft unless UK_WORKDIR names the work dir."""
    from flexui.model.build.kraft_cache import kraft_env

    env = {"PWD": str(app_dir)}
    if workdir is not None:
        env |= {"UK_WORKDIR": str(workdir), "UK_ROOT": str(workdir / "unikraft"), "UK_LIBS": str(workdir / "libs")}
    return env | kraft_env(workdir) | (extra or {})


def needs_workdir(plan: BuildPlan, workdir: Path | None) -> bool:
    """The FlexOS sequence needs a work directory (unikraft/ with its Makefile) the app is not in."""
    return plan.flexos and (workdir is None or not (workdir / "unikraft" / "Makefile").is_file())


def why_not_buildable(plan: BuildPlan, workdir: Path | None) -> str | None:
    """Why the FlexOS sequence cannot start here (one line naming the next step), or None."""
    if plan.problem:
        return plan.problem
    if not plan.flexos:
        return None
    app = plan.app_dir
    if needs_workdir(plan, workdir):
        return (f"app {app.name} is not in a FlexOS work directory (unikraft/, libs/, apps/); create one with "
                f"`flexui workdir init DIR --app {app.name} --remote URL|DIR` and open DIR/apps/{app.name}")
    if not (app / "Makefile").is_file():
        return f"{app} has no Makefile; it is not a buildable Unikraft app"
    if not (app / DOT_CONFIG).is_file():
        return (f"{app} has no .config (the build would start the interactive menuconfig); "
                "save the configuration first (flexui --apply PRESET, or s in the Kconfig screen)")
    return None


def plan_build(app_dir: Path, *, flexos: bool = True, commands: list[list[str]] | None = None,
               image_names: list[str] | None = None, jobs: int | None = None,
               workdir: Path | None = None, extra_env: dict[str, str] | None = None) -> BuildPlan:
    """The steps for this app; `commands` replaces the default sequence (from the user's config)."""
    app_dir = Path(app_dir).resolve()
    if commands:
        steps = [BuildStep(f"step {i + 1}", argv) for i, argv in enumerate(commands)]
    else:
        steps = [BuildStep(name, list(argv)) for name, argv in (FLEXOS_STEPS if flexos else PLAIN_STEPS)]
    if jobs:
        steps = [BuildStep(s.name, [*s.argv, f"-j{jobs}"]) if s.argv[0] == "make" else s for s in steps]
    names = image_names or [f"{app_dir.name}_kvm-x86_64"]
    env = {}
    vars_file = app_dir / MAKE_VARS_FILE
    if vars_file.is_file():
        env = parse_make_vars(vars_file.read_text(encoding="utf-8"))
    settings, problem = _settings(app_dir, env)
    steps = [with_make_vars(s, settings.make) for s in steps]
    env = build_env(app_dir, Path(workdir).resolve() if workdir else None,
                    {**settings.env, **env, **(extra_env or {})})
    return BuildPlan(app_dir, steps, [app_dir / "build" / n for n in names], env,
                     flexos=bool(flexos and not commands), settings=settings, problem=problem)


def _settings(app_dir: Path, hardening: dict[str, str]) -> tuple[BuildSettings, str | None]:
    """The app's build settings, or none and the one-line reason they cannot be used."""
    try:
        settings = load_build_settings(app_dir)
    except InputError as e:
        return BuildSettings(), str(e.problems[0])
    clash = conflicts(settings, hardening, Origin(str(app_dir / BUILD_FILE)))
    return (BuildSettings(), str(clash[0])) if clash else (settings, None)


def with_make_vars(step: BuildStep, variables: dict[str, str]) -> BuildStep:
    """make gets `VAR=value` arguments; a command that runs make itself (kraft) gets MAKEFLAGS."""
    if not variables:
        return step
    if Path(step.argv[0]).name in ("make", "gmake"):
        return BuildStep(step.name, [*step.argv, *(f"{k}={v}" for k, v in variables.items())], step.env)
    return BuildStep(step.name, step.argv, {**step.env, "MAKEFLAGS": makeflags(variables)})


@dataclass
class Progress:
    step: int
    steps: int
    step_name: str
    objects: int


@dataclass
class BuildResult:
    ok: bool
    up_to_date: bool = False
    cancelled: bool = False
    images: list[Path] = field(default_factory=list)
    first_errors: list[str] = field(default_factory=list)
    failed_step: str | None = None
    log_path: Path | None = None
    duration: float = 0.0
    fingerprint: str = ""
    record: dict = field(default_factory=dict)  # what was saved as build/flexui-build.json

    def describe(self) -> str:
        if self.up_to_date:
            return "image up to date: same configuration and sources as the last build"
        if self.cancelled:
            return "build cancelled"
        if self.ok:
            return f"built {', '.join(p.name for p in self.images)} in {self.duration:.1f} s"
        where = f" in step {self.failed_step}" if self.failed_step else ""
        return f"build failed{where}; full log: {self.log_path}"


def fingerprint(plan: BuildPlan, sources: dict | None = None) -> str:
    """Hash of everything the image depends on that flexui controls or can see."""
    h = hashlib.sha256()
    for name in INPUTS:
        path = plan.app_dir / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<absent>") + b"\0")
    h.update(json.dumps([s.argv for s in plan.steps]).encode())
    if any(s.env for s in plan.steps):
        h.update(json.dumps([s.env for s in plan.steps], sort_keys=True).encode())
    h.update(json.dumps(plan.env, sort_keys=True).encode())
    h.update(json.dumps(sources or {}, sort_keys=True).encode())
    return h.hexdigest()


def built_images(plan: BuildPlan, before: dict[Path, float]) -> tuple[list[Path], list[Path]]:
    """(fresh images, missing names): VM/EPT builds leave `<image>.comp0`, `.comp1`, ... instead."""
    fresh, missing = [], []
    for image in plan.images:
        comps = sorted(image.parent.glob(f"{image.name}.comp[0-9]*"))
        found = [p for p in [image, *comps] if p.is_file() and p.stat().st_mtime != before.get(p)]
        (fresh.extend(found) if found else missing.append(image))
    return fresh, missing


def _existing(plan: BuildPlan) -> list[Path]:
    return [p for image in plan.images for p in [image, *image.parent.glob(f"{image.name}.comp[0-9]*")]
            if p.is_file()]


def last_record(plan: BuildPlan) -> dict | None:
    path = plan.build_dir / RECORD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def run_build(plan: BuildPlan, on_output: Callable[[str], None] = lambda line: None,
              on_progress: Callable[[Progress], None] = lambda p: None,
              cancel: threading.Event | None = None, *, sources: dict | None = None,
              force: bool = False, sources_after: Callable[[], dict] | None = None,
              explain: Callable[[list[str]], list[str]] = lambda log: [],
              note: dict | None = None) -> BuildResult:
    """Run the plan's steps in order; `sources` (repository states) joins the fingerprint and record.

    `sources_after` gives the repository states once the build is done (the
    second fingerprint); `explain` turns the log of a failed build into lines
    that name the cause (a missing source archive) ahead of make's errors;
    `note` joins the record (the isolation layout the build had).
    """
    start = time.monotonic()
    digest = fingerprint(plan, sources)
    record = last_record(plan)
    images = _existing(plan)
    if (not force and record and record.get("ok") and digest in record.get("fingerprints", [])
            and len(images) >= len(plan.images)):
        return BuildResult(ok=True, up_to_date=True, images=images, fingerprint=digest, record=record)
    plan.build_dir.mkdir(parents=True, exist_ok=True)
    log_path = plan.build_dir / LOG_FILE
    before = {p: p.stat().st_mtime for p in images}
    log_lines: list[str] = []
    objects = 0
    errors: list[str] = []
    result = BuildResult(ok=False, log_path=log_path, fingerprint=digest)
    with open_for_write(log_path) as log:
        for i, step in enumerate(plan.steps, 1):
            on_progress(Progress(i, len(plan.steps), step.name, objects))
            with_env = "".join(f" ({k}={v})" for k, v in step.env.items())
            line_msg = f"[flexui] step {i}/{len(plan.steps)}: {' '.join(step.argv)}{with_env}"
            log.write(line_msg + "\n")
            on_output(line_msg)
            try:
                proc = Group(step.argv, cwd=plan.app_dir, env={**os.environ, **plan.env, **step.env}).start()
            except FileNotFoundError:
                errors.append(f"{step.argv[0]}: command not found; install it or configure the build commands")
                result.failed_step = step.name
                break
            for line in proc.lines():
                if cancel is not None and cancel.is_set() and not proc.killed:  # a busy build's too
                    proc.kill()
                if line is None:
                    continue
                log.write(line + "\n")
                log_lines.append(line)
                on_output(line)
                if COMPILE_LINE.match(line):
                    objects += 1
                    on_progress(Progress(i, len(plan.steps), step.name, objects))
                if is_error(line) and len(errors) < FIRST_ERRORS:
                    errors.append(line)
            code = proc.wait()
            if cancel is not None and cancel.is_set():
                result.cancelled = True
                result.failed_step = step.name
                break
            if code != 0:
                result.failed_step = step.name
                errors.append(f"{' '.join(step.argv)} exited with code {code}")
                break
    fresh, missing = built_images(plan, before)
    result.ok = not result.cancelled and result.failed_step is None and not missing
    if not result.ok and not result.cancelled and result.failed_step is None:
        errors.append(f"the build reported success but did not produce {', '.join(p.name for p in missing)}")
    if not result.ok and not result.cancelled:
        cause = explain(log_lines)
        errors = [*cause, errors[-1]] if cause else errors  # the cause, not make's page of consequences
    result.images = fresh
    result.first_errors = errors
    result.duration = time.monotonic() - start
    after = sources_after() if sources_after is not None else sources
    fingerprints = sorted({digest, fingerprint(plan, after)}) if result.ok else []
    result.record = {
        "fingerprint": digest, "fingerprints": fingerprints, "ok": result.ok, "images": [str(p) for p in fresh],
        "steps": [s.argv for s in plan.steps], "env": plan.env, "sources": sources or {}, **(note or {}),
        "build_settings": plan.settings.as_dict(), "step_env": [s.env for s in plan.steps],
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "inputs": {name: (plan.app_dir / name).read_text(encoding="utf-8", errors="replace")
                   if (plan.app_dir / name).is_file() else None for name in INPUTS},
    }
    write_atomic(plan.build_dir / RECORD_FILE, json.dumps(result.record, indent=1) + "\n")
    return result


def is_error(line: str) -> bool:
    """kraft colours its log levels: `[\\x1b[37mINFO\\x1b[0m] ...` is chatter even when it says "error"."""
    plain = ANSI.sub("", line)
    return bool(ERROR_LINE.search(plain)) and not LOG_LEVEL_LINE.match(plain)

"""Extra make variables and environment of an app's build, as a preset states them.

Some configurations only build with a make variable or an environment
variable set (a toolchain prefix, a library's option). A preset carries them
in its `build:` section so that the configuration is reproducible; applying
it writes them to <app>/flexui-build.yaml, which every build reads: make
steps get `VAR=value` arguments, other steps (kraft, which runs make itself)
get them through MAKEFLAGS, and the environment is merged. Both join the
build's fingerprint and record.

flexui sets some variables itself (the work directory, kraft's cache,
MAKEFLAGS, the hardening flags of flexui.mk); a preset may not set those.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import Node

from flexui.model.files.problems import InputError, Problem
from flexui.model.files.yamlpatch import dump_flow
from flexui.model.files.yamlsource import did_you_mean, locate, parse, read_text, type_name
from flexui.model.isolation.configuration import Origin
from flexui.model.vocabulary import BUILD_FILE

SECTIONS = ("make", "env")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# The environment flexui gives every build (build_runner.build_env, kraft_cache.kraft_env) and
# MAKEFLAGS, through which the make variables reach the make that kraft runs.
FLEXUI_ENV = frozenset({"PWD", "UK_WORKDIR", "UK_ROOT", "UK_LIBS", "KRAFTRC", "UK_CACHEDIR",
                        "MAKEFLAGS", "MFLAGS", "MAKELEVEL"})
# Make variables the app's Makefile takes from flexui's environment.
FLEXUI_MAKE = frozenset({"PWD", "UK_WORKDIR", "UK_ROOT", "UK_LIBS"})


@dataclass(frozen=True)
class BuildSettings:
    make: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    # Where each entry was written (`make.VAR`, `env.VAR`), for problems found later.
    origins: dict[str, Origin] = field(default_factory=dict, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.make or self.env)

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {"make": dict(self.make), "env": dict(self.env)}

    def describe(self) -> str:
        """One line for the Build/Run screen: `make FOO=1 · env BAR=x`, or ''."""
        parts = []
        if self.make:
            parts.append("make " + " ".join(f"{k}={v}" for k, v in self.make.items()))
        if self.env:
            parts.append("env " + " ".join(f"{k}={v}" for k, v in self.env.items()))
        return " · ".join(parts)


def read_settings(root: Node | None, file: str, value: object, *path: str | int
                  ) -> tuple[BuildSettings, list[Problem]]:
    """The `build:` mapping at `path` of a YAML document, and every problem of it at file:line."""
    problems: list[Problem] = []

    def bad(message: str, *at: str | int, key: bool = False, subject: str = "") -> None:
        problems.append(Problem(message, subject=subject, origin=locate(root, file, *path, *at, key=key)))

    if not isinstance(value, dict):
        bad(f"`build` must be a mapping like `{{make: {{VAR: value}}, env: {{VAR: value}}}}`, "
            f"not {type_name(value)}")
        return BuildSettings(), problems
    for k in value:
        if k not in SECTIONS:
            bad(f"unknown key '{k}' in `build`{did_you_mean(str(k), SECTIONS)}; allowed: make, env",
                str(k), key=True)
    found: dict[str, dict[str, str]] = {"make": {}, "env": {}}
    origins: dict[str, Origin] = {}
    for section, owned, what in (("make", FLEXUI_MAKE, "make variable"), ("env", FLEXUI_ENV, "environment variable")):
        entries = value.get(section)
        if section not in value or entries is None:
            continue
        if not isinstance(entries, dict):
            bad(f"`{section}` must be a mapping of {what}s like `{{VAR: value}}`, not {type_name(entries)}",
                section)
            continue
        for name, text in entries.items():
            at = (section, name) if isinstance(name, str) else (section,)
            if not isinstance(name, str) or not VARIABLE.match(name):
                bad(f"{what} name {name!r} is not valid: use letters, digits and '_', not starting with a digit",
                    *at, key=True, subject=str(name))
            elif name in owned:
                bad(f"{what} {name} is set by flexui itself (the work directory, kraft's cache, MAKEFLAGS); "
                    "remove it", *at, key=True, subject=name)
            elif not isinstance(text, str):
                bad(f"the value of {name} must be a string, not {type_name(text)}; quote it "
                    f"({name}: \"{text}\")", *at, subject=name)
            elif "\n" in text or "\0" in text:
                bad(f"the value of {name} must be one line", *at, subject=name)
            else:
                found[section][name] = text
                origins[f"{section}.{name}"] = locate(root, file, *path, *at, key=True)
    return BuildSettings(found["make"], found["env"], origins), problems


def conflicts(settings: BuildSettings, hardening_vars: Collection[str], fallback: Origin | None) -> list[Problem]:
    """The preset's make or environment variables that flexui.mk's hardening flags also set."""
    return [Problem(f"{section} variable {name} holds the hardening flags flexui writes to flexui.mk; "
                    "set hardening with `harden:` instead and remove it", subject=name,
                    origin=settings.origins.get(f"{section}.{name}", fallback))
            for section, entries in (("make", settings.make), ("env", settings.env))
            for name in entries if name in hardening_vars]


def load_build_settings(app_dir: Path) -> BuildSettings:
    """The app's flexui-build.yaml (none: no settings); InputError at file:line when malformed."""
    path = Path(app_dir) / BUILD_FILE
    if not path.is_file():
        return BuildSettings()
    root, data = parse(read_text(path), str(path))
    if data is None:
        return BuildSettings()
    settings, problems = read_settings(root, str(path), data)
    if problems:
        raise InputError(problems)
    return settings


def settings_text(settings: BuildSettings) -> str:
    """Content of flexui-build.yaml: a header, then the two mappings."""
    lines = ["# Written by flexui (from the preset's `build:`): make variables and environment of this app's build.",
             "# Every build reads it (make VAR=value, MAKEFLAGS for kraft); it joins the build's fingerprint."]
    for section in SECTIONS:
        entries = getattr(settings, section)
        lines.append(f"{section}:" if entries else f"{section}: {{}}")
        lines += [f"  {name}: {dump_flow(value)}" for name, value in entries.items()]
    return "\n".join(lines) + "\n"


def settings_files(settings: BuildSettings, app_dir: Path) -> dict[Path, str]:
    """What saving writes for the settings: the file when there are some, or to empty an existing one."""
    path = Path(app_dir) / BUILD_FILE
    return {path: settings_text(settings)} if settings or path.exists() else {}


def makeflags(variables: dict[str, str]) -> str:
    """The make variables as GNU make reads them from MAKEFLAGS (spaces and backslashes escaped)."""
    return " ".join(f"{name}={_escape(value)}" for name, value in variables.items())


def _escape(value: str) -> str:
    """make expands MAKEFLAGS once more than a command line: `$` doubles, as make itself writes it."""
    return re.sub(r"([\\\s])", r"\\\1", value).replace("$", "$$")

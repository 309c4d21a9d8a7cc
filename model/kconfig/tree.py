"""Finding a Unikraft/FlexOS tree and loading its Kconfig like the Makefile does.

`Config.uk` runs `$(shell,...)` scripts and sources generated files, so it
only loads with the environment Unikraft's Makefile exports. We recreate that
environment exactly (the same code loads the embedded tree and a real FlexOS
checkout), but point BUILD_DIR at a private cache directory so that loading
never writes into the user's app.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import kconfiglib

from flexui.model.files.problems import InputError, Problem, UserError
from flexui.model.files.textfile import read_user_text
from flexui.model.files.userdirs import cache_dir
from flexui.model.isolation.configuration import Origin
from flexui.model.kconfig.uk_configure import LIST_VARIABLES
from flexui.model.vocabulary import DOT_CONFIG, KRAFT_YAML

_ADDLIB = re.compile(r"addlib(?:_s)?\s*,\s*(lib[\w-]+)\s*(?:,\s*\$\(CONFIG_(\w+)\))?")
_CONFIG_DECL = re.compile(r"^\s*(?:menu)?config\s+(LIB\w+)", re.M)
_LOCATED = re.compile(r"^(?:warning: )?(.+?):(\d+): (?:error: |warning: )?(.*)$", re.S)
_DEFINED_AT = re.compile(r"\(defined at (.+?):(\d+)\)")
# kconfiglib's warning about a choice option that symbols select (the real lwip's LWIP_THREADS).
_CHOICE_SELECTED = re.compile(r"the choice symbol (\S+) \(defined at (.+?):(\d+)\) is (selected|implied) by "
                              r"the following symbols, but select/imply has no effect on choice symbols"
                              r"((?:\s*- \S+ \(defined at .+?:\d+\))+)")
_SELECTOR = re.compile(r"- (\S+) \(defined at (.+?):(\d+)\)")
_EXCLUDED_PLATS = {"common", "drivers"}
_MAKE_LIBS = re.compile(r"^\s*LIBS\s*[:+]?=(.*)$", re.M)
_MAKE_REF = re.compile(r"\$[({]\w+[)}]")


class TreeError(UserError):
    """A path that is not a usable tree, or Kconfig that does not parse."""


@dataclass(frozen=True)
class LibraryInfo:
    name: str  # as kraft.yaml names it: the directory name
    path: Path
    is_core: bool  # lives in unikraft/lib, so kraft.yaml needs `is_core: true`
    symbols: tuple[str, ...]  # enabling Kconfig symbols, without CONFIG_
    make_names: tuple[str, ...]  # addlib names upper-cased, for LIB<NAME>_CFLAGS_EXTRA


def _library_info(path: Path, is_core: bool) -> LibraryInfo:
    makefile = path / "Makefile.uk"
    text = makefile.read_text(errors="replace") if makefile.is_file() else ""
    pairs = _ADDLIB.findall(text)
    symbols = tuple(dict.fromkeys(sym for _, sym in pairs if sym))
    if not symbols and (path / "Config.uk").is_file():
        declared = _CONFIG_DECL.findall((path / "Config.uk").read_text(errors="replace"))
        symbols = tuple(declared[:1])
    make_names = tuple(dict.fromkeys(name.upper().replace("-", "_") for name, _ in pairs))
    return LibraryInfo(path.name, path, is_core, symbols, make_names)


@dataclass(frozen=True)
class Workdir:
    """A UK_WORKDIR: the core tree plus external libraries and apps."""

    unikraft: Path
    libs: Path | None = None
    apps: Path | None = None
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def libraries(self) -> dict[str, LibraryInfo]:
        if "libs" not in self._cache:
            found: dict[str, LibraryInfo] = {}
            for path in sorted((self.unikraft / "lib").iterdir()):
                if path.is_dir() and ((path / "Config.uk").is_file()
                                      or (path / "Makefile.uk").is_file()):
                    found[path.name] = _library_info(path, True)
            for path in self.external_lib_dirs():
                found.setdefault(path.name, _library_info(path, False))
            self._cache["libs"] = found
        return self._cache["libs"]

    def external_lib_dirs(self, names: Sequence[str] | None = None) -> list[Path]:
        """The external libraries Kconfig sees: `names` in that order, or every one."""
        if self.libs is None or not self.libs.is_dir():
            return []
        if names is None:
            return sorted(p for p in self.libs.iterdir() if (p / "Config.uk").is_file())
        return [self.libs / n for n in dict.fromkeys(names) if (self.libs / n / "Config.uk").is_file()]

    def app_dirs(self) -> list[Path]:
        if self.apps is None or not self.apps.is_dir():
            return []
        return sorted(p for p in self.apps.iterdir() if p.is_dir() and (
            (p / KRAFT_YAML).is_file() or (p / "Makefile").is_file()))


def app_library_names(app_dir: Path, kraft_data: object = None) -> list[str] | None:
    """The external libraries the app builds with, in its order; None when it names none.

    kraft passes kraft.yaml's non-core `libraries` to make as `L=`; a plain-make
    app lists them in its Makefile's `LIBS :=`. `kraft_data` is the kraft.yaml
    document when the caller has it (read from `app_dir` otherwise).
    """
    app_dir = Path(app_dir)
    if kraft_data is None and (app_dir / KRAFT_YAML).is_file():
        kraft_data = _read_yaml(app_dir / KRAFT_YAML)
    libs = kraft_data.get("libraries") if isinstance(kraft_data, dict) else None
    if isinstance(libs, dict):
        return [str(name) for name, entry in libs.items()
                if not (isinstance(entry, dict) and entry.get("is_core") is True)]
    makefile = app_dir / "Makefile"
    if makefile.is_file():
        try:
            found = _MAKE_LIBS.findall(read_user_text(makefile))
        except InputError:
            found = []
        if found:
            return [Path(_MAKE_REF.sub("", entry).rstrip("/")).name
                    for line in found for entry in line.split(":") if entry.strip()]
    return None


def _read_yaml(path: Path) -> object:
    from flexui.model.files.yamlsource import parse, read_text

    try:
        return parse(read_text(path), str(path))[1]
    except InputError:
        return None  # reported where the kraft.yaml itself is read


def _is_core_tree(path: Path) -> bool:
    return (path / "Config.uk").is_file() and (path / "lib").is_dir()


def locate(tree: Path | None = None, workdir: Path | None = None) -> Workdir:
    """The tree to use: `workdir` (a UK_WORKDIR), `tree` (core or workdir), or the embedded one."""
    if workdir is not None:
        given, option = workdir, "--workdir"
    elif tree is not None:
        given, option = tree, "--tree"
    else:
        from flexui.paths import embedded_tree

        given, option = embedded_tree(), "--workdir"
    base = Path(given).expanduser().resolve()
    if not base.is_dir():
        what = "a file, not a directory" if base.exists() else "no such directory"
        raise TreeError(f"{base}: {what}; pass {option} an existing directory")
    if _is_core_tree(base / "unikraft"):
        return Workdir(base / "unikraft", base / "libs", base / "apps")
    if _is_core_tree(base):
        parent = base.parent
        return Workdir(base, parent / "libs" if (parent / "libs").is_dir() else None,
                       parent / "apps" if (parent / "apps").is_dir() else None)
    raise TreeError(f"{base}: not a Unikraft tree (no Config.uk and lib/, nor unikraft/ "
                    f"inside); pass {option} a FlexOS checkout or a UK_WORKDIR")


def _version(unikraft: Path) -> tuple[str, str]:
    values: dict[str, str] = {}
    version_mk = unikraft / "version.mk"
    if version_mk.is_file():
        for line in version_mk.read_text(errors="replace").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    parts = [values.get("UK_VERSION", "0"), values.get("UK_SUBVERSION", "5")]
    if values.get("UK_EXTRAVERSION"):
        parts.append(values["UK_EXTRAVERSION"])
    return ".".join(parts) + _gitsha1(unikraft), values.get("UK_CODENAME", "")


def _gitsha1(unikraft: Path) -> str:
    """The suffix the Makefile's support/scripts/gitsha1 appends, when it exists."""
    script = unikraft / "support" / "scripts" / "gitsha1"
    if not script.is_file():
        return ""
    try:
        done = subprocess.run([str(script)], cwd=unikraft, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


# kconfiglib hook module: answers the tree's `$(shell,uk_build_configure.sh ...)`
# calls in-process, a 5x faster load than starting the script's processes.
FAST_SHELL = "flexui.model.kconfig.uk_configure"


def default_build_dir(wd: Workdir, app_dir: Path) -> Path:
    key = hashlib.sha1(f"{wd.unikraft.resolve()}\0{Path(app_dir).resolve()}".encode()).hexdigest()
    return cache_dir() / "kconfig" / key[:16]


def kconfig_env(wd: Workdir, app_dir: Path, build_dir: Path,
                libraries: Sequence[str] | None = None) -> dict[str, str]:
    """The variables Unikraft's Makefile exports to Kconfig (COMMON_CONFIG_ENV).

    `libraries` are the external libraries passed as `L=` (None: every one of libs/).
    """
    base, app = wd.unikraft.resolve(), Path(app_dir).resolve()
    kconfig_dir = build_dir / "kconfig"
    plat = base / "plat"
    plats = [p for p in sorted(plat.iterdir()) if p.is_dir() and p.name not in _EXCLUDED_PLATS] \
        if plat.is_dir() else []
    core_libs = [p for p in sorted((base / "lib").iterdir()) if p.is_dir()]
    lib_dirs = [*core_libs, base / "lib", *wd.external_lib_dirs(libraries)]
    app_kconfig_dir = app if (app / "Config.uk").is_file() else build_dir / "noapp"
    fullversion, codename = _version(base)
    return {
        "CC": os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc") or "gcc",
        "CONFIG_": "CONFIG_",
        "KCONFIG_CONFIG": str(app / DOT_CONFIG),
        "KCONFIG_AUTOCONFIG": str(kconfig_dir / "auto.conf"),
        "KCONFIG_AUTOHEADER": str(build_dir / "include" / "uk" / "_config.h"),
        "KCONFIG_TRISTATE": str(kconfig_dir / "tristate.config"),
        "BUILD_DIR": str(build_dir),
        "UK_BASE": str(base),
        "UK_APP": str(app),
        "UK_CONFIG": str(app / DOT_CONFIG),
        "UK_FULLVERSION": fullversion,
        "UK_CODENAME": codename,
        "UK_ARCH": "x86_64",
        "KCONFIG_APP_DIR": str(app_kconfig_dir),
        "KCONFIG_LIB_DIR": " ".join(str(p) for p in lib_dirs),
        "KCONFIG_LIB_IN": str(kconfig_dir / "libs.uk"),
        "KCONFIG_PLAT_DIR": " ".join(str(p) for p in [*plats, plat]),
        "KCONFIG_PLAT_IN": str(kconfig_dir / "plat.uk"),
        "UK_NAME": app.name,
        LIST_VARIABLES: json.dumps({"KCONFIG_LIB_DIR": [str(p) for p in lib_dirs],
                                    "KCONFIG_PLAT_DIR": [str(p) for p in [*plats, plat]]}),
    }


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _prepare_build_dir(env: dict[str, str]) -> None:
    """Fresh generated files each load: the script only ever appends to them.

    An app without Config.uk makes the script print nothing, which the C tool
    sources as nothing at all; kconfiglib needs a file, so it gets an empty one.
    """
    kconfig_dir = Path(env["KCONFIG_LIB_IN"]).parent
    kconfig_dir.mkdir(parents=True, exist_ok=True)
    for name in ("libs.uk", "plat.uk"):
        (kconfig_dir / name).unlink(missing_ok=True)
    noapp = Path(env["BUILD_DIR"]) / "noapp"
    if env["KCONFIG_APP_DIR"] == str(noapp):
        noapp.mkdir(exist_ok=True)
        (noapp / "Config.uk").write_text("")


def _problem(text: str, fallback: str, severity: str = "error", root: Path | None = None) -> Problem:
    """`root`: the work directory, which paths inside a message are shown relative to."""
    first = " ".join(text.strip().split())
    choice = _CHOICE_SELECTED.search(first)
    if choice:
        option, path, line, verb, listed = choice.groups()
        selectors = _SELECTOR.findall(listed)
        verb = "select" if verb == "selected" else "imply"
        if root is not None and Path(path).is_relative_to(root):
            path = str(Path(path).relative_to(root))
        return Problem(f"{', '.join(name for name, _, _ in selectors)} {verb} {option}, an option of a "
                       f"choice ({path}:{line}): Kconfig ignores that, so pick {option} in its choice if "
                       "the app needs it", origin=Origin(selectors[0][1], int(selectors[0][2])),
                       severity=severity)
    match = _LOCATED.match(first)
    if match:
        return Problem(match.group(3), origin=Origin(match.group(1), int(match.group(2))),
                       severity=severity)
    first = first.removeprefix("warning: ")
    defined = _DEFINED_AT.search(first)
    if defined:
        return Problem(first, origin=Origin(defined.group(1), int(defined.group(2))), severity=severity)
    return Problem(first, origin=Origin(fallback), severity=severity)


@dataclass
class LoadedKconfig:
    kconf: kconfiglib.Kconfig
    workdir: Workdir
    app_dir: Path
    config_path: Path
    problems: list[Problem] = field(default_factory=list)
    build_dir: Path | None = None
    libraries: tuple[str, ...] | None = None  # the external libraries Kconfig saw (None: all)


def load_kconfig(wd: Workdir, app_dir: Path, *, build_dir: Path | None = None,
                 read_config: bool = True,
                 libraries: Sequence[str] | None = None) -> LoadedKconfig:
    """Parse the tree's Kconfig for `app_dir` and read its `.config` if present.

    Kconfig sees the external libraries `libraries` (default: the app's own,
    see `app_library_names`; every one of libs/ for an app that names none).
    Kconfig errors raise TreeError (`file:line: message`); kconfiglib's
    warnings (about the Kconfig files or the `.config`: garbage lines, unknown
    symbols) come back as warning `problems`, as the C tool builds anyway.
    """
    app_dir = Path(app_dir).resolve()
    build_dir = Path(build_dir) if build_dir is not None else default_build_dir(wd, app_dir)
    if libraries is None:
        libraries = app_library_names(app_dir)
    env = kconfig_env(wd, app_dir, build_dir, libraries)
    _prepare_build_dir(env)
    top = wd.unikraft / "Config.uk"
    with _environment({**env, "KCONFIG_FUNCTIONS": FAST_SHELL}):
        try:
            kconf = kconfiglib.Kconfig(str(top), warn_to_stderr=False)
        except kconfiglib.KconfigError as e:
            raise TreeError(str(_problem(str(e), str(top)))) from None
        except OSError as e:
            raise TreeError(f"{e.filename or top}: {e.strerror}; check the tree is complete") from None
        config_path = app_dir / DOT_CONFIG
        problems = [_problem(w, str(top), "warning", wd.unikraft.parent) for w in kconf.warnings]
        if read_config and (config_path.exists() or config_path.is_symlink()):
            kconf.warnings.clear()
            kconf.warn_assign_undef = True
            try:
                read_user_text(config_path)  # a FIFO would block kconfiglib, bad bytes would escape it
                kconf.load_config(str(config_path))
            except InputError as e:
                problems += e.problems
            except (OSError, UnicodeDecodeError) as e:
                problems.append(Problem(f"cannot read: {e}; fix or remove the file",
                                        origin=Origin(str(config_path))))
            problems += [_problem(w, str(config_path), "warning") for w in kconf.warnings]
    return LoadedKconfig(kconf, wd, app_dir, config_path, problems, build_dir,
                         None if libraries is None else tuple(libraries))

"""Source archives a library downloads during the build, placed beforehand from a sources directory.

Unikraft's `fetch` rule downloads `$(notdir URL)` into `build/<libname>/` and
skips the download when the file is already there: that is how an offline or
air-gapped machine builds. The sources directory is remembered per work
directory (outside every repository and every build directory, so
`workdir clean` keeps it).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from flexui.model.files.atomic import write_atomic

SETTINGS_FILE = ".flexui.yaml"  # in the work directory's root, next to unikraft/
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_]+)\s*[:?]?=\s*(.*?)\s*$")
_ARG = r"\s*((?:\$\([^)]*\)|[^,()\s])+)\s*"
_FETCH = re.compile(rf"\$\(call\s+fetch(as)?\s*,{_ARG},{_ARG}(?:,{_ARG})?")
_REF = re.compile(r"\$\(([A-Za-z0-9_]+)\)")


@dataclass(frozen=True)
class Archive:
    library: str  # the Makefile's library name, e.g. libtlsf
    url: str
    name: str  # the file name the build looks for in build/<library>/

    def target(self, build_dir: Path) -> Path:
        return build_dir / self.library / self.name


def archives_of(makefile_uk: Path) -> list[Archive]:
    """The archives a library's Makefile.uk fetches, its `$(VAR)` references resolved."""
    try:
        text = makefile_uk.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    variables: dict[str, str] = {}

    def expand(value: str) -> str:
        for _ in range(8):
            value, n = _REF.subn(lambda m: variables.get(m.group(1), m.group(0)), value)
            if not n:
                break
        return value.strip()

    out = []
    for line in text.splitlines():
        if (m := _ASSIGN.match(line)) and "$(eval" not in line:
            variables[m.group(1)] = expand(m.group(2))
        for f in _FETCH.finditer(line):
            url = expand(f.group(3))
            name = expand(f.group(4)) if f.group(1) and f.group(4) else url.rsplit("/", 1)[-1]
            out.append(Archive(f.group(2), url, name))
    return out


def app_archives(app_dir: Path, workdir: Path, libraries: list[str]) -> list[Archive]:
    """Archives of the app's libraries in the work directory's libs/ (and of the app itself)."""
    files = [workdir / "libs" / lib / "Makefile.uk" for lib in libraries] + [app_dir / "Makefile.uk"]
    return [a for f in files for a in archives_of(f)]


def place_archives(archives: list[Archive], build_dir: Path, sources: Path | None) -> tuple[list[str], list[Archive]]:
    """Copy what the sources directory has into build/<lib>/; (what was placed, what is still missing)."""
    placed, missing = [], []
    for archive in archives:
        target = archive.target(build_dir)
        if target.is_file() and target.stat().st_size > 0:
            continue
        source = sources / archive.name if sources else None
        if source is not None and source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            placed.append(f"{archive.name} -> {target}")
        else:
            missing.append(archive)
    return placed, missing


def explain_missing(missing: list[Archive], log: list[str]) -> list[str]:
    """One line per missing archive the failed build tried to download."""
    text = "\n".join(log)
    return [f"{a.library} needs {a.name} ({a.url}), which could not be downloaded; put it in a directory and "
            f"build once with `flexui --build --sources DIR` (remembered for the work directory and its "
            f"explore jobs)" for a in missing if a.name in text or a.url in text]


def remembered_sources(workdir: Path | None) -> Path | None:
    if workdir is None:
        return None
    try:
        data = yaml.safe_load((workdir / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    value = data.get("sources") if isinstance(data, dict) else None
    return Path(value) if isinstance(value, str) else None


def remember_sources(workdir: Path, sources: Path) -> None:
    write_atomic(workdir / SETTINGS_FILE, yaml.safe_dump({"sources": str(Path(sources).resolve())}), keep_old=False)

"""Python twin of Unikraft's `support/scripts/uk_build_configure.sh`.

Unikraft's top-level Config.uk calls that script through `$(shell,...)` while
Kconfig is parsed: with `-p`/`-e DIRS -o FILE` it appends a `source` line for
every `Config.uk` found in DIRS to FILE and prints FILE; with `-a DIR` it
prints DIR's Config.uk. Doing the same in Python spares the hundred or so
processes the script starts per load (a grep per library). kconfiglib picks
up `functions` below through its KCONFIG_FUNCTIONS hook: the replacement
`shell` handles exactly these calls and hands every other command to
kconfiglib's own `shell`.
"""

from __future__ import annotations

import getopt
import os
import shlex
from pathlib import Path
from typing import Iterable

import kconfiglib

SCRIPT = "uk_build_configure.sh"
_SHELLS = {"sh", "bash", "dash"}


def config_files(dirs: Iterable[str]) -> list[str]:
    """`<dir>/Config.uk` for each dir that has one, spelled as `find` prints it."""
    found = []
    for d in dirs:
        path = d + ("" if d.endswith("/") else "/") + "Config.uk"
        if os.path.isfile(path):
            found.append(path)
    return found


def sources_text(files: Iterable[str], existing: str = "") -> str:
    """`existing` plus a `source` line for each file it does not source yet."""
    lines = existing.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    present = {line.rstrip("\n") for line in lines}
    for file in files:
        line = f'source "{file}"'
        if line not in present:
            present.add(line)
            lines.append(line + "\n")
    return "".join(lines)


def append_sources(dirs: Iterable[str], out: Path) -> None:
    """What `uk_build_configure.sh -e DIRS -o OUT` does to OUT."""
    existing = out.read_text(encoding="utf-8") if out.exists() else ""
    text = sources_text(config_files(dirs), existing)
    if text != existing or not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


def run(command: str) -> str | None:
    """The script's output for `command`, or None when `command` is not a call we mirror."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if words and os.path.basename(words[0]) in _SHELLS:
        words = words[1:]
    if not words or os.path.basename(words[0]) != SCRIPT:
        return None
    try:
        options, _ = getopt.getopt(words[1:], "a:e:p:o:h")
    except getopt.GetoptError:
        return None
    dirs: list[str] | None = None
    out = None
    for flag, value in options:
        if flag == "-a":
            app_config = config_files([value])
            return app_config[0] if app_config else None
        if flag in ("-e", "-p"):
            dirs = value.split()
        elif flag == "-o":
            out = value
        else:
            return None
    if dirs is None or not out:
        return None
    append_sources(dirs, Path(out))
    return out


def _shell(kconf: kconfiglib.Kconfig, name: str, command: str) -> str:
    output = run(command)
    return output if output is not None else kconfiglib._shell_fn(kconf, name, command)


functions = {"shell": (_shell, 1, 1)}

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
import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterable
from pathlib import Path

import kconfiglib

SCRIPT = "uk_build_configure.sh"
_SHELLS = {"sh", "bash", "dash"}
# Exported variables holding paths; LIST_VARIABLES holds the JSON lists of those that are lists.
PATH_VARIABLES = ("KCONFIG_LIB_DIR", "KCONFIG_PLAT_DIR", "KCONFIG_LIB_IN", "KCONFIG_PLAT_IN",
                  "KCONFIG_APP_DIR", "KCONFIG_CONFIG", "KCONFIG_AUTOCONFIG", "KCONFIG_AUTOHEADER",
                  "KCONFIG_TRISTATE", "UK_CONFIG", "BUILD_DIR", "UK_BASE", "UK_APP")
LIST_VARIABLES = "FLEXUI_KCONFIG_LISTS"
_SAFE_PATH = re.compile(r"[\w./+,:@%=-]*\Z")
_SHELL_SYNTAX = re.compile(r"[|&;<>()$`\\\"'*?\[\]#~{}\s]")


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
        quoted = file.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
        line = f'source "{quoted}"'
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
    words = _split(command)
    if words is None:
        return None
    return _configure(words)


def _masked(command: str) -> tuple[str, dict[str, list[str]]]:
    """`command` with each exported path replaced by a token; token -> the word(s) it stands for."""
    lists = json.loads(os.environ.get(LIST_VARIABLES) or "{}")
    values = {name: os.environ[name] for name in PATH_VARIABLES if len(os.environ.get(name, "")) > 1}
    tokens: dict[str, list[str]] = {}
    for i, name in enumerate(sorted(values, key=lambda n: -len(values[n]))):
        token = f"@@flexui{i}@@"
        if values[name] in command:
            command = command.replace(values[name], token)
            tokens[token] = list(lists.get(name) or [values[name]])
    return command, tokens


def _split(command: str) -> list[str] | None:
    """The command's words, each exported path one word whatever it holds (a list: its items)."""
    masked, tokens = _masked(command)
    try:
        words = shlex.split(masked)
    except ValueError:
        return None
    out: list[str] = []
    for word in words:
        if word in tokens and len(tokens[word]) > 1:
            out.append(" ".join(tokens[word]))
            continue
        for token, items in tokens.items():
            word = word.replace(token, " ".join(items))
        out.append(word)
    return out


def _dirs(value: str) -> list[str]:
    """The directories of a -e/-p argument: the exported list itself when it is one."""
    lists = json.loads(os.environ.get(LIST_VARIABLES) or "{}")
    for items in lists.values():
        if value == " ".join(items):
            return list(items)
    return value.split()


def _unsafe(command: str) -> bool:
    """Does an exported path with shell syntax in it appear in `command`?"""
    return any(value in command and not _SAFE_PATH.match(value)
               for name in PATH_VARIABLES if len(value := os.environ.get(name, "")) > 1)


def _test(words: list[str]) -> str | None:
    """`test A = B && echo y || echo n` (and `!=`), as Config.uk asks whether the app is the tree."""
    if (len(words) == 10 and words[0] in ("test", "[") and words[2] in ("=", "!=")
            and words[4:6] == ["&&", "echo"] and words[7:9] == ["||", "echo"]):
        same = words[1] == words[3]
        return words[6] if same == (words[2] == "=") else words[9]
    return None


def _plain(kconf: kconfiglib.Kconfig, words: list[str]) -> str:
    """A command with no shell syntax of its own, run without a shell."""
    try:
        done = subprocess.run(words, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        kconf._warn(f"'{' '.join(words)}' failed: {e}", kconf.filename, kconf.linenr)
        return ""
    return "\n".join(done.stdout.splitlines()).rstrip("\n")


def _configure(words: list[str]) -> str | None:
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
            dirs = _dirs(value)
        elif flag == "-o":
            out = value
        else:
            return None
    if dirs is None or not out:
        return None
    append_sources(dirs, Path(out))
    return out


def _shell(kconf: kconfiglib.Kconfig, name: str, command: str) -> str:
    words = _split(command)
    output = _configure(words) if words is not None else None
    if output is not None:
        return output
    if not _unsafe(command):
        return kconfiglib._shell_fn(kconf, name, command)
    answer = _test(words) if words is not None else None
    if answer is not None:
        return answer
    try:
        masked_words = shlex.split(_masked(command)[0])
    except ValueError:
        masked_words = ["("]
    if words and not any(_SHELL_SYNTAX.search(w) for w in masked_words):
        return _plain(kconf, words)
    raise kconfiglib.KconfigError(
        f"{kconf.filename}:{kconf.linenr}: $(shell,...) would hand a path with shell syntax in it "
        "($, `, quotes, spaces...) to a shell, which flexui never does; rename that directory")


functions = {"shell": (_shell, 1, 1)}

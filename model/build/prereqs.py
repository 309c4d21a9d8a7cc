"""What a FlexOS build and run need on this machine, checked before starting, said in one screen.

A missing tool otherwise shows up minutes into the build as a page of make
output (spatch, flex, bison), or as a prompt that aborts without a terminal
(kraft's first run asks to update its package cache).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from flexui.model.vocabulary import MECH_EPT

KRAFT_FORK = "the FlexOS fork of kraft (github.com/project-flexos/kraft; Python 3.8, setuptools<58): " \
             "pip install DIR-of-a-clone"
TOOLS = (
    ("spatch", "Coccinelle rewrites the sources for the gates: apt-get install coccinelle"),
    ("flex", "apt-get install flex"),
    ("bison", "apt-get install bison"),
    ("gcc", "apt-get install gcc"),
    ("make", "apt-get install make"),
)
QEMU = "qemu-system-x86_64"
EPT_QEMU = "qemu-system-ept"


@dataclass(frozen=True)
class Missing:
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}"


def kraft_cache_dir(env: dict[str, str] | None = None) -> Path:
    """Where kraft keeps its cache under the build's environment (flexui's additions over ours)."""
    env = {**os.environ, **(env or {})}
    return Path(env.get("UK_CACHEDIR") or Path(env.get("HOME", "~")).expanduser() / ".kraftcache")


def check_build(env: dict[str, str] | None = None, which=shutil.which) -> list[Missing]:
    """Every tool the FlexOS build sequence needs that this machine lacks, with how to get it.

    `env` is the build's environment (a work directory's own kraft cache, see kraft_cache).
    """
    missing = []
    if which("kraft") is None:
        missing.append(Missing("kraft", KRAFT_FORK))
    else:
        cache = kraft_cache_dir(env)
        entries = cache / "cache"  # kraft's FileCache keeps one file per origin there
        if not entries.is_dir() or not any(entries.iterdir()):
            workdir = (env or {}).get("UK_WORKDIR", "DIR")
            missing.append(Missing(f"kraft's package cache ({cache})",
                                   f"`flexui workdir kraft-cache {workdir}` sets it up offline from the work "
                                   "directory's repositories (or `kraft list update` with network); without it "
                                   "kraft asks and, with no terminal, aborts the build"))
    missing += [Missing(tool, fix) for tool, fix in TOOLS if which(tool) is None]
    return missing


def check_run(mechanism: str, qemu: str | None = None, which=shutil.which) -> list[Missing]:
    """The QEMU binary the mechanism needs: VM/EPT needs FlexOS's patched one (the `myshmem` device)."""
    if qemu is not None:
        return [] if which(qemu) or Path(qemu).is_file() else [Missing(qemu, "no such QEMU binary (--qemu)")]
    if mechanism == MECH_EPT:
        if which(EPT_QEMU) is None:
            return [Missing(EPT_QEMU, "VM/EPT images need FlexOS's patched QEMU (asplos22-ae's "
                                      "support/0001-Myshmem.patch); build it and name it with --qemu FILE")]
        return []
    return [] if which(QEMU) else [Missing(QEMU, "apt-get install qemu-system-x86")]

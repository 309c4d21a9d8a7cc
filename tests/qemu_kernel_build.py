"""Assemble our multiboot test kernel (tests/qemu_kernel/) for the QEMU tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent / "qemu_kernel"


def need_qemu() -> None:
    for tool in ("as", "ld", "qemu-system-x86_64"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (.ci/run installs qemu-system-x86; binutils come with gcc)")


def build_kernel(out_dir: Path, exit_value: int = 0, hang: bool = False, shutdown: bool = False) -> Path:
    need_qemu()
    name = f"kernel-{exit_value}{'-hang' if hang else ''}{'-shutdown' if shutdown else ''}"
    obj, elf = out_dir / f"{name}.o", out_dir / f"{name}.elf"
    defs = ["--defsym", f"EXIT_VALUE={exit_value}"] + (["--defsym", "HANG=1"] if hang else []) \
        + (["--defsym", "SHUTDOWN=1"] if shutdown else [])
    subprocess.run(["as", "--32", *defs, str(SOURCE / "kernel.S"), "-o", str(obj)], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-T", str(SOURCE / "link.ld"), str(obj), "-o", str(elf)],
                   check=True, capture_output=True)
    return elf

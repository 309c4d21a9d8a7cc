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


def build_kernel(out_dir: Path, exit_value: int = 0, hang: bool = False, shutdown: bool = False,
                 metric: int | None = None, noise: int = 0, crash: bool = False, chatty: bool = False) -> Path:
    need_qemu()
    name = f"kernel-{exit_value}{'-hang' if hang else ''}{'-shutdown' if shutdown else ''}" \
        + (f"-m{metric}" if metric is not None else "") + ("-crash" if crash else "") + ("-chatty" if chatty else "")
    obj, elf = out_dir / f"{name}.o", out_dir / f"{name}.elf"
    defs = ["--defsym", f"EXIT_VALUE={exit_value}"] + (["--defsym", "HANG=1"] if hang else []) \
        + (["--defsym", "SHUTDOWN=1"] if shutdown else []) \
        + (["--defsym", f"METRIC={metric}"] if metric is not None else []) \
        + (["--defsym", f"NOISE={noise}"] if metric is not None and noise > 1 else []) \
        + (["--defsym", "CRASH=1"] if crash else []) + (["--defsym", "CHATTY=1"] if chatty else [])
    subprocess.run(["as", "--32", *defs, str(SOURCE / "kernel.S"), "-o", str(obj)], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-T", str(SOURCE / "link.ld"), str(obj), "-o", str(elf)],
                   check=True, capture_output=True)
    return elf


# A stand-in for a QEMU on a host whose KVM fails: under -accel kvm it prints QEMU's
# "KVM internal error" and pauses (as the real one does) instead of exiting; otherwise it is QEMU.
PAUSING_QEMU = """#!/bin/sh
case " $* " in
  *" -accel kvm "*) echo "KVM internal error. Suberror: 1"; echo "emulation failure"; exec sleep 600 ;;
esac
exec qemu-system-x86_64 "$@"
"""


def pausing_qemu_standin(out_dir: Path) -> Path:
    path = out_dir / "pausing-qemu-standin"
    path.write_text(PAUSING_QEMU)
    path.chmod(0o755)
    return path


# A stand-in for FlexOS's patched QEMU: drops the `myshmem` devices a stock QEMU lacks.
SHMEM_QEMU = """#!/bin/sh
for arg; do
  shift
  case "$arg" in myshmem,*) continue ;; esac
  [ "$arg" = "-device" ] && [ "${1#myshmem,}" != "$1" ] && continue
  set -- "$@" "$arg"
done
exec qemu-system-x86_64 "$@"
"""


def ept_qemu_standin(out_dir: Path) -> Path:
    path = out_dir / "ept-qemu-standin"
    path.write_text(SHMEM_QEMU)
    path.chmod(0o755)
    return path

"""Stand-in for the FlexOS build in the closed-loop tests: writes one of our own kernels.

Run as the build command inside a job's build tree (cwd: the app). It reads
the configuration flexui wrote (kraft.yaml, flexui.mk), and assembles
tests/qemu_kernel so that the guest prints `metric: V`, V derived from the
configuration: safer is slower (more cycles), plus noise, with one
deliberate exception to monotonicity. `standin.yaml` in the app (committed
with it) names configurations whose build fails or whose guest hangs.
"""

from __future__ import annotations

import subprocess
import sys
import time
import zlib
from pathlib import Path

import yaml

from flexui.model.isolation.apply import hardening_from_make_vars
from flexui.model.isolation.design import DesignPoint
from flexui.model.isolation.kraftyaml import load_kraft
from flexui.model.perf.estimator import project

GATE = {"fcalls": 20, "mpk-shared": 300, "mpk-private": 420, "mpk-dss": 500, "ept": 2000}
HARDEN = {"flexos-example": 150, "newlib": 260}
BASE = 1000
KERNEL = Path(__file__).resolve().parent / "qemu_kernel"
JITTER = 8  # cycles of boot-to-boot noise, printed by the guest


def metric(point: DesignPoint) -> int:
    """The value the guest prints, less its boot-to-boot jitter."""
    value = BASE + (len(point.layout) - 1) * GATE[point.mechanism]
    value += sum(HARDEN.get(lib, 100) for lib in point.hardened)
    value += zlib.crc32(f"{len(point.layout)};{sorted(point.hardened)};{point.mechanism}".encode()) % 15
    if point.mechanism == "mpk-dss" and len(point.layout) == 2 and point.hardened == {"flexos-example"}:
        value -= 330  # the exception: safer than MPK shared stacks with the same hardening, yet faster
    return value


def point_here(app: Path) -> DesignPoint:
    iso = load_kraft(app / "kraft.yaml").isolation()
    mk = app / "flexui.mk"
    hardening = hardening_from_make_vars(mk.read_text(), dict.fromkeys(iso.libraries)) \
        if mk.is_file() else {}
    for lib, h in hardening.items():
        iso.set_hardening(lib, h)
    return DesignPoint.of(iso)


def named(point: DesignPoint, keys: list[str]) -> bool:
    """Keys name the explored libraries only; the app's others (tlsf) sit in the default compartment."""
    return any(project(point, k.libraries) == k for k in map(DesignPoint.from_key, keys))


def main() -> int:
    app = Path.cwd()
    control = yaml.safe_load((app / "standin.yaml").read_text()) if (app / "standin.yaml").is_file() else {}
    point = point_here(app)
    time.sleep(float(control.get("sleep", 0.0)))
    if named(point, control.get("fail", [])):
        print(f"standin.c:1: error: this configuration does not build ({point.key()})")
        return 1
    build = app / "build"
    build.mkdir(exist_ok=True)
    defs = ["--defsym", f"METRIC={metric(point)}", "--defsym", f"NOISE={JITTER}"]
    if named(point, control.get("hang", [])):
        defs += ["--defsym", "HANG=1"]
    subprocess.run(["as", "--32", *defs, str(KERNEL / "kernel.S"), "-o", str(build / "kernel.o")], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-T", str(KERNEL / "link.ld"), str(build / "kernel.o"),
                    "-o", str(build / f"{app.name}_kvm-x86_64")], check=True, capture_output=True)
    print(f"  LD      {app.name}_kvm-x86_64")
    return 0


if __name__ == "__main__":
    sys.exit(main())

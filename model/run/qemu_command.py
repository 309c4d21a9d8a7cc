"""The QEMU command lines that boot a FlexOS image, derived from image and configuration.

KVM when the host offers it, TCG otherwise. Under TCG every image gets
`-cpu max`: QEMU's default CPU lacks RDTSCP (FlexOS reads the TSC) and
protection keys (MPK); under KVM the guest sees the host's CPU (`-cpu host`),
so an MPK image needs a host with PKU. VM/EPT images are one image per
compartment, started in order and joined by shared-memory devices whose sizes
come from the images' ELF sections (FlexOS's patched QEMU, `qemu-system-ept`).
"""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path

from flexui.model.isolation.configuration import Origin
from flexui.model.isolation.design import DesignPoint
from flexui.model.vocabulary import MECH_EPT, MECH_FCALLS, RUN_FILE

DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
# FlexOS VM/EPT images run on FlexOS's patched QEMU, whose `myshmem` device maps
# a shared file at a fixed guest address: the shared data section (sized from
# the image's `.data_shared`), the RPC page and the shared heap.
EPT_QEMU = "qemu-system-ept"
PAGE = 4096
EPT_RPC = ("/rpc_page", 0x100000, 0x800000000)
EPT_HEAP = ("/heap", 0x8000000, 0x4000000000)
EPT_DATA = ("/data_shared", 0x105000)

@dataclass(frozen=True)
class Host:
    """What the machine can do; probed once, passed in so tests can state it."""

    kvm: bool
    pku: bool
    qemu: str | None

    @classmethod
    def probe(cls) -> Host:
        kvm = os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.R_OK | os.W_OK)
        try:
            flags = Path("/proc/cpuinfo").read_text(errors="replace").split()
        except OSError:
            flags = []
        return cls(kvm=kvm, pku="pku" in flags, qemu=shutil.which("qemu-system-x86_64"))


@dataclass
class RunSpec:
    """What to boot and how; `accel` "auto" means KVM when usable, with TCG as the fallback."""

    image: Path
    mechanism: str = MECH_FCALLS  # DesignPoint mechanism: fcalls, mpk-*, ept
    accel: str = "auto"  # auto | kvm | tcg
    memory_mb: int = 1024  # what the FlexOS evaluation gave its guests
    initrd: Path | None = None
    args: str = ""
    timeout: float = 60.0
    compartment_images: list[Path] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    qemu: str | None = None  # the QEMU binary the user named (VM/EPT: the patched one)
    expected: list[str] = field(default_factory=list)  # crash lines the app provokes on purpose (regexes)


@dataclass(frozen=True)
class Launch:
    """One QEMU process: its argument list and what the user should know about it."""

    argv: list[str]
    accel: str
    notes: tuple[str, ...] = ()


def app_images(app_dir: Path) -> tuple[Path | None, list[Path]]:
    """The image `make` left in the app's build/ and, for VM/EPT, its `.compN` images.

    FlexOS names them `<app>_kvm-x86_64` and `<app>_kvm-x86_64.comp0`, `.comp1`, ...
    """
    build = Path(app_dir) / "build"
    if not build.is_dir():
        return None, []
    images = sorted(p for p in build.glob("*_kvm-x86_64") if p.is_file())
    images.sort(key=lambda p: p.name != f"{Path(app_dir).name}_kvm-x86_64")
    if images:
        return images[0], sorted(build.glob(f"{images[0].name}.comp[0-9]*"))
    comps = sorted(build.glob("*_kvm-x86_64.comp[0-9]*"))
    return (comps[0] if comps else None), comps


RUN_FILE = RUN_FILE  # in the app dir: qemu_args (networking, -initrd ...) and expected crash lines


def app_run_settings(app_dir: Path) -> tuple[list[str], list[str]]:
    """The app's own (QEMU arguments, expected crash lines); InputError at file:line when malformed.

    `expected` names what the app provokes on purpose, e.g. the FlexOS
    example's illegal access ending in PF_PK, so that it is not a failure.
    """
    from flexui.model.files.problems import InputError, Problem
    from flexui.model.files.yamlsource import parse, read_text

    path = Path(app_dir) / RUN_FILE
    if not path.is_file():
        return [], []
    _, data = parse(read_text(path), str(path))
    data = data if isinstance(data, dict) else {}
    out = []
    for key, example in (("qemu_args", "qemu_args: [-initrd, rootfs.cpio]"), ("expected", "expected: [PF_PK]")):
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(a, (str, int, float)) for a in values):
            raise InputError([Problem(f"{key} must be a list of strings, e.g. {example}", origin=Origin(str(path), 1))])
        out.append([str(a) for a in values])
    return out[0], out[1]


def run_spec_for(app_dir: Path, **options) -> RunSpec | None:
    """The RunSpec for the app's built image, or None when nothing is built yet.

    The mechanism is the image's (model/build/built_image.py), never an unsaved
    session's; `options` set the other RunSpec fields (accel, timeout, ...);
    `extra` comes after the app's own QEMU arguments (flexui-run.yaml).
    """
    from flexui.model.build.built_image import built_configuration

    image, comps = app_images(app_dir)
    if image is None:
        return None
    qemu_args, expected = app_run_settings(app_dir)
    options["extra"] = [*qemu_args, *options.get("extra", [])]
    options.setdefault("expected", expected)
    return RunSpec(image, mechanism=DesignPoint.of(built_configuration(app_dir)).mechanism,
                   compartment_images=comps, **options)


def choose_accel(spec: RunSpec, host: Host) -> tuple[str, list[str]]:
    """The accelerator for this spec on this host, and the notes explaining the choice."""
    notes = []
    if spec.accel == "tcg" or (spec.accel == "auto" and not host.kvm):
        if spec.accel == "auto":
            notes.append("KVM not available (/dev/kvm missing or not accessible): software emulation")
        return "tcg", notes
    if spec.mechanism.startswith("mpk") and not host.pku:
        if spec.accel == "kvm":
            notes.append("the host CPU has no protection keys (pku): the MPK image will fail under KVM")
            return "kvm", notes
        notes.append("the host CPU has no protection keys (pku): emulating them with -cpu max under TCG")
        return "tcg", notes
    return "kvm", notes


def cpu_for(mechanism: str, accel: str) -> list[str]:
    """MPK needs protection keys in the guest CPU: the host's under KVM; under TCG every image gets
    `-cpu max` (the default CPU has neither PKU nor RDTSCP)."""
    if accel == "kvm":
        return ["-cpu", "host"] if mechanism.startswith("mpk") else []
    return ["-cpu", "max"]


def build_launches(spec: RunSpec, host: Host, accel: str | None = None) -> list[Launch]:
    """Every QEMU process to start, in order (several for VM/EPT)."""
    qemu = spec.qemu or host.qemu
    if qemu is None:
        raise FileNotFoundError("qemu-system-x86_64 not found; install it (apt-get install qemu-system-x86)")
    notes: list[str] = []
    if accel is None:
        accel, notes = choose_accel(spec, host)
    images = spec.compartment_images if spec.mechanism == MECH_EPT and spec.compartment_images else [spec.image]
    shared = shared_memory_devices(images) if len(images) > 1 else []
    if shared and spec.qemu is None:
        qemu = shutil.which(EPT_QEMU) or EPT_QEMU
        if not shutil.which(EPT_QEMU):
            notes.append(f"VM/EPT images need FlexOS's patched QEMU ({EPT_QEMU}) on PATH, or name it with --qemu")
    launches = []
    for i, image in enumerate(images):
        argv = [qemu, "-accel", accel, *cpu_for(spec.mechanism, accel), "-m", str(spec.memory_mb),
                "-kernel", str(image), "-display", "none", "-serial", "stdio", "-no-reboot",
                "-monitor", "none", *DEBUG_EXIT, *shared]
        if spec.initrd is not None:
            argv += ["-initrd", str(spec.initrd)]
        if spec.args:
            argv += ["-append", spec.args]
        argv += spec.extra
        launches.append(Launch(argv, accel, tuple(notes) if i == 0 else ()))
    return launches


def shared_memory_devices(images: list[Path]) -> list[str]:
    """The `myshmem` devices every VM/EPT compartment maps, in the same order."""
    data_size = max((elf_section_sizes(img).get(".data_shared", 0) for img in images), default=0)
    data_size = max(PAGE, -(-data_size // PAGE) * PAGE)
    file, paddr = EPT_DATA
    devices = ["-device", f"myshmem,file={file},size={data_size:#x},paddr={paddr:#x}"]
    for file, size, paddr in (EPT_RPC, EPT_HEAP):
        devices += ["-device", f"myshmem,file={file},size={size:#x},paddr={paddr:#x}"]
    return devices


def elf_section_sizes(path: Path) -> dict[str, int]:
    """Section name -> size, from the ELF section headers (32- or 64-bit, little endian)."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF":
        raise ValueError(f"{path}: not an ELF file")
    is64 = data[4] == 2
    if is64:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    else:
        shoff, = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)

    def header(i: int) -> tuple[int, int, int]:
        base = shoff + i * shentsize
        if is64:
            name, _, _, _, offset, size = struct.unpack_from("<IIQQQQ", data, base)
        else:
            name, _, _, _, offset, size = struct.unpack_from("<IIIIII", data, base)
        return name, offset, size

    _, str_offset, _ = header(shstrndx)
    sizes = {}
    for i in range(shnum):
        name_off, _, size = header(i)
        end = data.index(b"\0", str_offset + name_off)
        sizes[data[str_offset + name_off:end].decode(errors="replace")] = size
    return sizes

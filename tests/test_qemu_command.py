"""Command lines for MPK and VM/EPT images; ELF section sizes read from a real ELF."""

from __future__ import annotations

import json
import subprocess

from qemu_kernel_build import build_kernel, need_qemu

from flexui.model.run.qemu_command import (
    Host,
    RunSpec,
    build_launches,
    elf_section_sizes,
    run_spec_for,
)
from flexui.paths import embedded_tree

KVM_HOST_WITH_PKU = Host(kvm=True, pku=True, qemu="qemu-system-x86_64")


def test_mpk_under_kvm_passes_the_host_cpu(tmp_path):
    launch, = build_launches(RunSpec(tmp_path / "img", mechanism="mpk-dss", memory_mb=128,
                                     args="-- hello"), KVM_HOST_WITH_PKU)
    argv = launch.argv
    assert argv[argv.index("-accel") + 1] == "kvm" and argv[argv.index("-cpu") + 1] == "host"
    assert argv[argv.index("-m") + 1] == "128" and argv[argv.index("-append") + 1] == "-- hello"
    assert "isa-debug-exit,iobase=0xf4,iosize=0x04" in argv


def test_mpk_on_a_kvm_host_without_pku_is_emulated(tmp_path):
    launch, = build_launches(RunSpec(tmp_path / "img", mechanism="mpk-shared"),
                             Host(kvm=True, pku=False, qemu="qemu-system-x86_64"))
    assert launch.accel == "tcg" and any("protection keys" in n for n in launch.notes)


def test_ept_starts_one_qemu_per_compartment_with_shared_memory_sized_from_the_elf(tmp_path):
    need_qemu()
    src = tmp_path / "shared.S"
    src.write_text('.section .data_shared, "aw"\n.space 20000\n.text\n.global _start\n_start: hlt\n')
    subprocess.run(["as", "--64", str(src), "-o", str(tmp_path / "s.o")], check=True)
    comps = []
    for i in range(2):
        comps.append(tmp_path / f"app_kvm-x86_64.comp{i}")
        subprocess.run(["ld", str(tmp_path / "s.o"), "-o", str(comps[-1])], check=True, capture_output=True)
    assert elf_section_sizes(comps[0])[".data_shared"] == 20000
    launches = build_launches(RunSpec(comps[0], mechanism="ept", compartment_images=comps), KVM_HOST_WITH_PKU)
    assert [launch.argv[launch.argv.index("-kernel") + 1] for launch in launches] == [str(c) for c in comps]
    devices = [a for a in launches[0].argv if a.startswith("myshmem")]
    assert devices[0] == "myshmem,file=/data_shared,size=0x5000,paddr=0x105000"  # 20000 -> 5 pages
    assert len(devices) == 3 and all(launch.argv.count("-device") == launches[0].argv.count("-device")
                                     for launch in launches)


def test_section_sizes_of_our_32_bit_test_kernel(tmp_path):
    sizes = elf_section_sizes(build_kernel(tmp_path))
    assert sizes[".bss"] == 4096 and sizes[".text"] > 0


def test_run_spec_for_finds_the_built_image_and_the_mechanism_of_kraft_yaml(tmp_path):
    app = tmp_path / "redis"
    app.mkdir()
    (app / "kraft.yaml").write_text((embedded_tree() / "apps" / "redis" / "kraft.yaml").read_text())
    assert run_spec_for(app) is None
    (app / "build").mkdir()
    for name in ("redis_kvm-x86_64", "redis_kvm-x86_64.comp1", "redis_kvm-x86_64.comp0", "redis_kvm-x86_64.dbg"):
        (app / "build" / name).write_bytes(b"")
    spec = run_spec_for(app, timeout=5)
    assert spec.image.name == "redis_kvm-x86_64" and spec.mechanism.startswith("mpk") and spec.timeout == 5
    assert [p.name for p in spec.compartment_images] == ["redis_kvm-x86_64.comp0", "redis_kvm-x86_64.comp1"]
    fcalls = (app / "kraft.yaml").read_text().replace("intel-pku", "fcalls")
    (app / "build" / "flexui-build.json").write_text(json.dumps({"inputs": {"kraft.yaml": fcalls}}))
    assert run_spec_for(app).mechanism == "fcalls"  # the kraft.yaml the image was built from wins

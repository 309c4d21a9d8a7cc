"""A real QEMU boots our own test kernel: output, exit status, PKU, timeout, KVM fallback."""

from __future__ import annotations

import threading
import time

import pytest
from qemu_kernel_build import build_kernel, ept_qemu_standin, pausing_qemu_standin

from flexui.model.run.qemu_command import Host, RunSpec, build_launches
from flexui.model.run.qemu_runner import decode_exit, run

pytestmark = pytest.mark.xdist_group("qemu")  # guests with timeouts: one at a time, on one worker


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    out = tmp_path_factory.mktemp("kernels")
    return {"ok": build_kernel(out, 0), "fail": build_kernel(out, 5), "hang": build_kernel(out, 0, hang=True),
            "chatty": build_kernel(out, 0, chatty=True), "shutdown": build_kernel(out, 5, shutdown=True)}


def test_serial_output_is_streamed_and_the_exit_status_decoded(kernels):
    lines = []
    result = run(RunSpec(kernels["fail"], accel="tcg", timeout=30), lines.append)
    assert "flexui test kernel: hello" in lines and lines[-1] == "exiting"
    assert (result.exit_code, result.guest_exit, result.ok) == (11, 5, False)
    assert run(RunSpec(kernels["ok"], accel="tcg", timeout=30)).ok


def test_a_guest_that_shuts_down_cleanly_succeeds(kernels):
    result = run(RunSpec(kernels["shutdown"], accel="tcg", timeout=30))
    assert (result.exit_code, result.guest_exit, result.ok) == (0, None, True)
    assert result.describe() == "guest shut down"


def test_cpu_max_has_protection_keys_and_qemu64_has_not(kernels):
    mpk = run(RunSpec(kernels["ok"], mechanism="mpk-dss", accel="tcg", timeout=30))
    assert mpk.command[0][3:5] == ["-cpu", "max"] and "PKU: yes" in mpk.output
    plain = run(RunSpec(kernels["ok"], accel="tcg", timeout=30, extra=["-cpu", "qemu64"]))
    assert "PKU: no" in plain.output


def test_a_kernel_that_never_exits_is_killed_at_the_timeout(kernels):
    start = time.monotonic()
    result = run(RunSpec(kernels["hang"], accel="tcg", timeout=2))
    assert result.timed_out and not result.ok and result.guest_exit is None
    assert "looping forever" in result.output
    assert time.monotonic() - start < 10


def test_a_kernel_that_never_stops_printing_is_killed_at_the_timeout_and_by_stop(kernels):
    start = time.monotonic()
    result = run(RunSpec(kernels["chatty"], accel="tcg", timeout=2))
    assert result.timed_out and "still talking" in result.output
    assert time.monotonic() - start < 10
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    assert run(RunSpec(kernels["chatty"], accel="tcg", timeout=30), stop=stop).stopped


def test_stop_ends_the_guest(kernels):
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    result = run(RunSpec(kernels["hang"], accel="tcg", timeout=30), stop=stop)
    assert result.stopped and result.describe() == "stopped by the user"


HOST = Host.probe()  # /dev/kvm and the CPU flags in /proc/cpuinfo: each test below states its premise


@pytest.mark.skipif(not (HOST.kvm and HOST.pku), reason="needs /dev/kvm and a CPU with protection keys (pku "
                    "in /proc/cpuinfo): elsewhere an MPK image never goes to KVM, so KVM cannot fail for it")
def test_kvm_failure_falls_back_to_emulation(kernels):
    """On some KVM hosts with PKU, KVM rejects `-cpu host` for MPK images (MSR error): the runner must recover."""
    result = run(RunSpec(kernels["ok"], mechanism="mpk-dss", timeout=30), host=HOST)
    assert result.ok and "PKU: yes" in result.output
    if result.fell_back is not None:
        assert result.accel == "tcg" and result.command[0][3:5] == ["-cpu", "max"]
        forced = run(RunSpec(kernels["ok"], mechanism="mpk-dss", accel="kvm", timeout=30), host=HOST)
        assert forced.accel == "kvm" and forced.fell_back is None and not forced.ok  # asked for KVM only
        assert any(n.startswith("KVM failed: ") for n in forced.notes)
    else:
        assert result.accel == "kvm"


@pytest.mark.skipif(HOST.pku, reason="the host CPU has protection keys (pku in /proc/cpuinfo)")
def test_on_a_host_without_pku_an_mpk_image_is_emulated_from_the_start(kernels):
    """No PKU (e.g. an AMD EPYC, with or without /dev/kvm): KVM is not tried; TCG emulates the keys."""
    result = run(RunSpec(kernels["ok"], mechanism="mpk-dss", timeout=30), host=HOST)
    assert result.ok and "PKU: yes" in result.output
    assert result.accel == "tcg" and result.fell_back is None and result.command[0][3:5] == ["-cpu", "max"]
    assert any("no protection keys" in n or "KVM not available" in n for n in result.notes)


def test_without_kvm_the_command_uses_emulation_and_says_so(kernels):
    host = Host(kvm=False, pku=False, qemu="/usr/bin/qemu-system-x86_64")
    launch, = build_launches(RunSpec(kernels["ok"], mechanism="mpk-shared"), host)
    assert launch.accel == "tcg" and "-cpu" in launch.argv and "max" in launch.argv
    assert any("KVM not available" in n for n in launch.notes)


def test_exit_code_decoding():
    assert [decode_exit(c) for c in (1, 3, 11, 0, 2, None)] == [0, 1, 5, None, None, None]


def test_a_guest_that_crashes_fails_although_qemu_exits_0(kernels, tmp_path):
    crash = build_kernel(tmp_path, 0, crash=True)
    result = run(RunSpec(crash, accel="tcg", timeout=30))
    assert result.exit_code == 0 and not result.ok
    assert "page fault" in result.describe() and "Unhandled Trap 14" in result.failure


def test_a_crash_the_app_provokes_on_purpose_is_not_a_failure(tmp_path):
    crash = build_kernel(tmp_path, 0, crash=True)
    assert run(RunSpec(crash, accel="tcg", timeout=30, expected=["Unhandled Trap 14"])).ok


def test_a_file_that_is_not_a_kernel_fails_although_qemu_exits_1(tmp_path):
    build_kernel(tmp_path, 0)  # skips when QEMU is missing
    junk = tmp_path / "not-a-kernel"
    junk.write_text("hello\n")
    result = run(RunSpec(junk, accel="tcg", timeout=30))
    assert result.exit_code == 1 and not result.ok and "invalid kernel header" in result.describe()


def test_standin_pausing_qemu_after_a_kvm_internal_error_is_stopped_and_retried_at_once(kernels, tmp_path):
    qemu = pausing_qemu_standin(tmp_path)
    start = time.monotonic()
    result = run(RunSpec(kernels["ok"], timeout=30, qemu=str(qemu)),
                 host=Host(kvm=True, pku=True, qemu="/usr/bin/qemu-system-x86_64"))
    assert time.monotonic() - start < 15  # not the 30 s timeout
    assert result.fell_back == "KVM internal error. Suberror: 1" and result.accel == "tcg" and result.ok
    assert result.command[0][3:5] == ["-cpu", "max"]


def test_every_image_gets_cpu_max_under_emulation(kernels):
    host = Host(kvm=False, pku=False, qemu="/usr/bin/qemu-system-x86_64")
    for mechanism in ("fcalls", "mpk-shared", "ept"):
        launch, = build_launches(RunSpec(kernels["ok"], mechanism=mechanism, accel="tcg"), host)
        assert launch.argv[3:5] == ["-cpu", "max"]


def test_standin_ept_qemu_shows_every_compartments_serial_output_labelled(kernels, tmp_path):
    images = [kernels["hang"], kernels["fail"]]
    lines = []
    result = run(RunSpec(images[0], mechanism="ept", accel="tcg", timeout=4, compartment_images=images,
                         qemu=str(ept_qemu_standin(tmp_path))), lines.append,
                 host=Host(kvm=False, pku=False, qemu="/usr/bin/qemu-system-x86_64"))
    assert "[comp0] flexui test kernel: hello" in lines and "[comp0] looping forever" in lines
    assert "[comp1] flexui test kernel: hello" in lines and "[comp1] exiting" in lines
    assert all("myshmem" in " ".join(argv) for argv in result.command)

"""Run QEMU, stream the guest's serial output, and tell how the guest ended.

Each QEMU runs in its own process group (model/build/process_group.py) so that Stop,
the timeout and Ctrl-C end it and anything it started. The verdict comes from
what the guest and QEMU print as well as from exit codes: a QEMU that cannot
start, a guest that crashes, are failures whatever QEMU's exit code. A KVM
start that fails (the KVM module refuses the CPU model, "KVM internal error"
after which QEMU pauses instead of exiting, MSR failures) is stopped at once
and retried under software emulation, and the result says so.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flexui.model.build.process_group import Group
from flexui.model.run.qemu_command import Host, Launch, RunSpec, build_launches

KVM_FAILURE = re.compile(
    r"KVM internal error|failed to initialize kvm|Could not access KVM kernel module|"
    r"kvm_buf_set_msrs|failed to set MSR|kvm: .*(?:not supported|failed)", re.IGNORECASE)
QEMU_FAILURE = re.compile(
    r"invalid kernel header|Error loading (?:uncompressed )?kernel|could not load (?:PC BIOS|option rom|kernel)|"
    r"Could not open option rom|failed to find romfile|qemu-system-\S+: .*(?:No such file|cannot|could not)",
    re.IGNORECASE)
GUEST_CRASH = re.compile(
    r"\bPF_PK\b|page fault|Unhandled Trap|Assertion .*failed|assertion failed|\bASSERT\b|Kernel panic|"
    r"invalid opcode|general protection|Crash dump|CPU does not support PKU|triple fault|\bCRIT\b",
    re.IGNORECASE)


@dataclass
class RunResult:
    command: list[list[str]]
    accel: str
    exit_code: int | None = None
    guest_exit: int | None = None  # the value written to isa-debug-exit
    timed_out: bool = False
    stopped: bool = False
    fell_back: str | None = None  # why KVM was abandoned for TCG
    notes: list[str] = field(default_factory=list)
    duration: float = 0.0
    output: list[str] = field(default_factory=list)
    failure: str | None = None  # the QEMU or guest line that shows the run failed

    @property
    def ok(self) -> bool:
        """The guest wrote 0 to isa-debug-exit (QEMU exit code 1) or shut down cleanly, and nothing crashed."""
        return (not self.timed_out and not self.stopped and self.failure is None
                and (self.guest_exit == 0 or self.exit_code == 0))

    def describe(self) -> str:
        if self.failure is not None:
            return f"the run failed: {self.failure.strip()}"
        if self.timed_out:
            return "timed out: the guest was stopped"
        if self.stopped:
            return "stopped by the user"
        if self.guest_exit is not None:
            return f"guest exited with status {self.guest_exit}"
        if self.exit_code == 0:
            return "guest shut down"
        return f"QEMU exited with code {self.exit_code}"


def decode_exit(code: int | None) -> int | None:
    """QEMU exits with (value << 1) | 1 after a guest writes `value` to isa-debug-exit."""
    if code is None or code <= 0 or code % 2 == 0:
        return None
    return code >> 1


def failure_in(lines: list[str], expected: Sequence[str] = ()) -> str | None:
    """The first line showing that QEMU could not start or the guest crashed, unless the app expects it."""
    allowed = [re.compile(e) for e in expected]
    for line in lines:
        if (QEMU_FAILURE.search(line) or GUEST_CRASH.search(line)) and not any(a.search(line) for a in allowed):
            return line
    return None


def run_launch(launch: Launch, on_output: Callable[[str], None], timeout: float,
               stop: threading.Event | None, after_start: Callable[[], None] = lambda: None,
               label: str = "") -> tuple[int | None, bool, bool, list[str]]:
    """Run one QEMU until it exits, times out, is stopped or reports a KVM failure: (code, timed_out, stopped, lines).

    After a KVM failure QEMU pauses rather than exits: it is stopped at once, its code then None.
    """
    proc = Group(launch.argv).start()
    after_start()
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    timed_out = stopped = False
    for line in proc.lines():
        if line is not None:
            lines.append(line)
            on_output(label + line)
            if launch.accel == "kvm" and KVM_FAILURE.search(line):
                proc.kill()
        if proc.killed:
            continue
        if stop is not None and stop.is_set():  # checked on every line too: a guest that never
            stopped = True                      # stops printing must still stop and time out
            proc.kill()
        elif time.monotonic() > deadline:
            timed_out = True
            proc.kill()
    code = proc.wait()
    return (None if proc.killed else code), timed_out, stopped, lines


def run(spec: RunSpec, on_output: Callable[[str], None] = lambda line: None,
        stop: threading.Event | None = None, host: Host | None = None) -> RunResult:
    """Boot `spec`, calling `on_output` with each line from QEMU, until done.

    Setting `stop` ends the guest. Blocks: UIs call it from a worker thread.
    """
    host = host or Host.probe()
    launches = build_launches(spec, host)
    result = RunResult(command=[launch.argv for launch in launches], accel=launches[0].accel,
                       notes=[n for launch in launches for n in launch.notes])
    start = time.monotonic()
    for note in result.notes:
        on_output(f"[flexui] {note}")
    code, timed_out, stopped, lines = _run_all(launches, on_output, spec.timeout, stop)
    failure = next((line for line in lines if KVM_FAILURE.search(line)), None)
    if (result.accel == "kvm" and spec.accel == "auto" and failure is not None and not timed_out
            and not stopped and decode_exit(code) is None):
        result.fell_back = failure.strip()
        on_output(f"[flexui] KVM failed ({result.fell_back}); retrying under software emulation")
        launches = build_launches(spec, host, accel="tcg")
        result.command, result.accel = [launch.argv for launch in launches], "tcg"
        code, timed_out, stopped, lines = _run_all(launches, on_output, spec.timeout, stop)
    elif result.accel == "kvm" and failure is not None and decode_exit(code) is None:
        result.notes.append(f"KVM failed: {failure.strip()} (accel auto retries under emulation)")
        on_output(f"[flexui] {result.notes[-1]}")
        result.failure = failure
    result.exit_code, result.timed_out, result.stopped, result.output = code, timed_out, stopped, lines
    result.guest_exit = None if timed_out or stopped else decode_exit(code)
    result.failure = result.failure or (None if stopped else failure_in(lines, spec.expected))
    result.duration = time.monotonic() - start
    return result


def _run_all(launches: list[Launch], on_output, timeout: float, stop):
    """VM/EPT compartments start in order after the first (default) one, whose end ends the run.

    Each compartment's serial output is shown, labelled with its number.
    """
    others: list[Group] = []
    several = len(launches) > 1

    def follow(group: Group, label: str) -> None:
        for line in group.lines():
            if line is not None:
                on_output(label + line)

    def start_others() -> None:
        for i, launch in enumerate(launches[1:], 1):
            time.sleep(0.5)
            group = Group(launch.argv).start()
            others.append(group)
            threading.Thread(target=follow, args=(group, f"[comp{i}] "), daemon=True).start()

    try:
        return run_launch(launches[0], on_output, timeout, stop, start_others, "[comp0] " if several else "")
    finally:
        for group in others:
            group.kill()
            group.wait()

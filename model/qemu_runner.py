"""Run QEMU, stream the guest's serial output, and tell how the guest ended.

Each QEMU runs in its own process group so that Stop and the timeout end it
and anything it started. A KVM start that fails (the KVM module refuses the
CPU model, "KVM internal error", MSR failures) is retried under software
emulation, and the result says so.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .qemu_command import Host, Launch, RunSpec, build_launches

KVM_FAILURE = re.compile(
    r"KVM internal error|failed to initialize kvm|Could not access KVM kernel module|"
    r"kvm_buf_set_msrs|failed to set MSR|kvm: .*(?:not supported|failed)", re.IGNORECASE)


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

    @property
    def ok(self) -> bool:
        """The guest wrote 0 to isa-debug-exit (QEMU exit code 1) or shut down cleanly."""
        return not self.timed_out and not self.stopped and (self.guest_exit == 0 or self.exit_code == 0)

    def describe(self) -> str:
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


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_launch(launch: Launch, on_output: Callable[[str], None], timeout: float,
               stop: threading.Event | None, after_start: Callable[[], None] = lambda: None
               ) -> tuple[int | None, bool, bool, list[str]]:
    """Run one QEMU until it exits, times out or is stopped: (code, timed_out, stopped, lines)."""
    proc = subprocess.Popen(launch.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    after_start()
    lines: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            lines.append(line)
            on_output(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    timed_out = stopped = False
    while proc.poll() is None:
        if stop is not None and stop.is_set():
            stopped = True
            _kill(proc)
        elif time.monotonic() > deadline:
            timed_out = True
            _kill(proc)
        time.sleep(0.02)
    reader.join(timeout=2)
    return proc.returncode, timed_out, stopped, lines


def run(spec: RunSpec, on_output: Callable[[str], None] = lambda line: None,
        stop: threading.Event | None = None, host: Host | None = None) -> RunResult:
    """Boot `spec`, calling `on_output` with each line from QEMU (from a reader thread), until done.

    Setting `stop` ends the guest. Blocks: UIs call it from a worker thread.
    """
    host = host or Host.probe()
    launches = build_launches(spec, host)
    result = RunResult(command=[l.argv for l in launches], accel=launches[0].accel,
                       notes=[n for l in launches for n in l.notes])
    start = time.monotonic()
    for note in result.notes:
        on_output(f"[flexui] {note}")
    code, timed_out, stopped, lines = _run_all(launches, on_output, spec.timeout, stop)
    failure = next((l for l in lines if KVM_FAILURE.search(l)), None)
    if (result.accel == "kvm" and spec.accel == "auto" and failure is not None and not timed_out
            and not stopped and decode_exit(code) is None):
        result.fell_back = failure.strip()
        on_output(f"[flexui] KVM failed ({result.fell_back}); retrying under software emulation")
        launches = build_launches(spec, host, accel="tcg")
        result.command, result.accel = [l.argv for l in launches], "tcg"
        code, timed_out, stopped, more = _run_all(launches, on_output, spec.timeout, stop)
        lines += more
    elif result.accel == "kvm" and failure is not None and decode_exit(code) is None:
        result.notes.append(f"KVM failed: {failure.strip()} (accel auto retries under emulation)")
        on_output(f"[flexui] {result.notes[-1]}")
    result.exit_code, result.timed_out, result.stopped, result.output = code, timed_out, stopped, lines
    result.guest_exit = None if timed_out or stopped else decode_exit(code)
    result.duration = time.monotonic() - start
    return result


def _run_all(launches: list[Launch], on_output, timeout: float, stop):
    """VM/EPT compartments start in order after the first (default) one, whose end ends the run."""
    others: list[subprocess.Popen] = []

    def start_others() -> None:
        for launch in launches[1:]:
            time.sleep(0.5)
            others.append(subprocess.Popen(launch.argv, stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True))

    try:
        return run_launch(launches[0], on_output, timeout, stop, start_others)
    finally:
        for proc in others:
            _kill(proc)
            proc.wait()

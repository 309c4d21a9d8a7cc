"""One way to run a child for the build and for QEMU: its own process group, lines, and one kill.

Every child starts a new session, so stopping it (cancel, timeout, a watched
line, Ctrl-C or SIGTERM of flexui) ends it and everything it started. Output
is read by a thread into a queue, so a finished step whose background child
still holds the pipe does not block the caller: once the leader has exited
the rest of its group is killed and the pipe closes.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

LIVE: set[Group] = set()  # every group still running, for stop_all() from a signal handler
_LIVE_LOCK = threading.Lock()
DRAIN_AFTER_EXIT = 0.5  # seconds to read what the leader's group still writes after the leader exits


@dataclass(eq=False)
class Group:
    """A running child in its own process group; `lines()` yields its output until it is done."""

    argv: list[str]
    cwd: Path | None = None
    env: dict[str, str] | None = None
    capture: bool = True
    returncode: int | None = None
    killed: bool = False
    _proc: subprocess.Popen | None = field(default=None, repr=False)
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue, repr=False)

    def start(self) -> Group:
        """Raises FileNotFoundError when the program does not exist."""
        out = subprocess.PIPE if self.capture else subprocess.DEVNULL
        self._proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                      stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        with _LIVE_LOCK:
            LIVE.add(self)
        if self.capture:
            threading.Thread(target=self._pump, daemon=True).start()
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for raw in iter(self._proc.stdout.readline, b""):
            self._lines.put(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        self._lines.put(None)

    def kill(self) -> None:
        """SIGKILL to the whole group (idempotent)."""
        self.killed = True
        _killpg(self.pid)

    def poll(self) -> int | None:
        assert self._proc is not None
        code = self._proc.poll()
        if code is not None:
            self._finish(code)
        return code

    def _finish(self, code: int) -> None:
        self.returncode = code
        _killpg(self.pid)  # a background child of the leader must not outlive it or hold the pipe
        with _LIVE_LOCK:
            LIVE.discard(self)

    def lines(self, tick: float = 0.05) -> Iterator[str | None]:
        """Output lines; None every `tick` seconds without output, so callers can check their clocks."""
        exited_at: float | None = None
        while True:
            try:
                line = self._lines.get(timeout=tick)
            except queue.Empty:
                if self.poll() is not None:
                    exited_at = exited_at or time.monotonic()
                    if not self.capture or time.monotonic() - exited_at > DRAIN_AFTER_EXIT:
                        return
                yield None
                continue
            if line is None:
                break
            yield line
        self.wait()

    def wait(self) -> int:
        assert self._proc is not None
        code = self._proc.wait()
        self._finish(code)
        return code


def _killpg(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def stop_all() -> int:
    """Kill every live group; returns how many there were (for a signal handler)."""
    with _LIVE_LOCK:
        groups = list(LIVE)
    for group in groups:
        group.kill()
    return len(groups)


class Interrupted(Exception):
    """flexui got SIGINT or SIGTERM while a child ran; `code` is the shell's 128 + signal."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.code = 128 + signum
        super().__init__(signal.Signals(signum).name)


def stop_on_signals() -> None:
    """In the CLI: Ctrl-C or SIGTERM kills the children's groups and raises Interrupted."""
    def handler(signum, _frame) -> None:
        stop_all()
        raise Interrupted(signum)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)

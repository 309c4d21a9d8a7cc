"""A real pseudo-terminal around a command: the test types on the master side and reads what is painted."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

# Textual turns mouse reporting on as it starts: output before it is the launcher's.
TEXTUAL_STARTED = b"\x1b[?1000h"


class Terminal:
    """`command` on the slave side of a pty of `columns` x `rows`."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str],
                 columns: int = 100, rows: int = 30) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.before = termios.tcgetattr(self.slave)
        self.process = subprocess.Popen(command, stdin=self.slave, stdout=self.slave, stderr=self.slave,
                                        cwd=cwd, env={**os.environ, **env}, start_new_session=True)
        self.output = b""

    def read_until(self, marker: bytes, timeout: float = 60.0) -> bytes:
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{marker!r} never appeared; output: {self.output[-2000:]!r}")
            if select.select([self.master], [], [], left)[0]:
                self.output += os.read(self.master, 65536)
        return self.output

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> int:
        """Wait for the command to exit; `after` is then the terminal state it left behind."""
        try:
            deadline = time.monotonic() + 30
            while self.process.poll() is None and time.monotonic() < deadline:
                self.drain()  # a full pty would block the app's last writes
            code = self.process.wait(timeout=1)
            self.after = termios.tcgetattr(self.slave)
            return code
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.drain()
            os.close(self.master)
            os.close(self.slave)

    def drain(self) -> None:
        while select.select([self.master], [], [], 0.05)[0]:
            try:
                self.output += os.read(self.master, 65536)
            except OSError:
                return

"""Reading a user's text file without hanging on a FIFO or a device, or failing on bad bytes.

Every problem is an InputError naming the file (and the line, for bytes that
are not UTF-8), never a traceback and never a read that blocks forever.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flexui.model.files.problems import InputError, Problem
from flexui.model.isolation.configuration import Origin

MAX_BYTES = 64 * 1024 * 1024  # no configuration, preset or record comes near this


def read_user_bytes(path: Path) -> bytes:
    """The bytes of a regular file; InputError for anything else."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise _problem(path, "file not found; check the path") from None
    except IsADirectoryError:
        raise _problem(path, "is a directory; give the file inside it") from None
    except NotADirectoryError:
        raise _problem(path, "a part of this path is a file, not a directory; check the path") from None
    except OSError as e:
        raise _problem(path, f"cannot read: {e.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _problem(path, "is a directory; give the file inside it")
        if not stat.S_ISREG(info.st_mode):
            raise _problem(path, "is not a regular file (a FIFO, socket or device); give a regular file")
        if info.st_size > MAX_BYTES:
            raise _problem(path, f"is {info.st_size} bytes, too large for a configuration file")
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                raise _problem(path, "is too large for a configuration file")
        return b"".join(chunks)
    except OSError as e:
        raise _problem(path, f"cannot read: {e.strerror}") from None
    finally:
        os.close(fd)


def read_user_text(path: Path) -> str:
    """The UTF-8 text of a regular file; bytes that are not UTF-8 reported with their line."""
    data = read_user_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise InputError([Problem(f"not UTF-8 text (byte 0x{data[e.start]:02x}); save the file as UTF-8",
                                  origin=Origin(str(path), line))]) from None


def _problem(path: Path, message: str) -> InputError:
    return InputError([Problem(message, origin=Origin(str(path)))])

"""Command-line entry point.

The headless commands are a scripting API: nothing on their import path may
import Textual, and their exit codes are part of the API (see README).
"""

from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2

# Subcommand name -> module under flexui providing `main(argv) -> int`.
SUBCOMMANDS: dict[str, str] = {}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        import importlib

        module = importlib.import_module(f"flexui.{SUBCOMMANDS[argv[0]]}")
        return module.main(argv[1:])
    raise SystemExit("flexui: not implemented yet")


if __name__ == "__main__":
    sys.exit(main())

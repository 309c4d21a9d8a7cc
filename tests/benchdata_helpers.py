"""Where the paper's raw data is, for the tests that check our conversion of it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def flexos_data() -> Path:
    path = Path(os.environ.get("FLEXUI_FLEXOS_DATA", REPO.parent / "shared" / "flexos-data"))
    if not (path / "redis-results.csv").is_file():
        pytest.skip(f"the paper's raw data is not at {path} (set FLEXUI_FLEXOS_DATA)")
    return path

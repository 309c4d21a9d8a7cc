import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def real_tree() -> Path:
    """A real FlexOS work directory (unikraft/, libs/, apps/), if configured."""
    path = os.environ.get("FLEXUI_REAL_TREE")
    if not path:
        pytest.skip("FLEXUI_REAL_TREE is not set: no real FlexOS checkout to test against")
    return Path(path)

"""Shared loader for the fixture Kconfig tree (tests/fixtures/kconfig)."""

from pathlib import Path

import kconfiglib

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "kconfig"


def load_fixture(config: str | None = None) -> kconfiglib.Kconfig:
    """The fixture tree, with `config` (text of a .config) loaded when given."""
    kconf = kconfiglib.Kconfig(str(FIXTURE_DIR / "Kconfig"), warn_to_stderr=False)
    if config is not None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / ".config"
            path.write_text(config)
            kconf.load_config(str(path))
    return kconf


def node(kconf: kconfiglib.Kconfig, name: str) -> kconfiglib.MenuNode:
    return kconf.syms[name].nodes[0]

"""Sessions for the screen tests: the embedded tree (what users get) or the fixture Kconfig."""

from __future__ import annotations

import shutil
from pathlib import Path

import kconfiglib

from flexui.model.kconfig.tree import LoadedKconfig, locate
from flexui.model.session.edit_session import Session
from flexui.paths import embedded_tree

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "kconfig" / "Kconfig"


def fixture_session(tmp_path: Path, config: str | None = None) -> Session:
    """A session over the fixture Kconfig (every construct), app dir tmp_path/app."""
    app = tmp_path / "app"
    app.mkdir(parents=True, exist_ok=True)
    config_path = app / ".config"
    if config is not None:
        config_path.write_text(config)
    kconf = kconfiglib.Kconfig(str(FIXTURE), warn_to_stderr=False)
    if config_path.exists():
        kconf.load_config(str(config_path))
    loaded = LoadedKconfig(kconf=kconf, workdir=locate(workdir=embedded_tree()), app_dir=app,
                           config_path=config_path, problems=[])
    return Session.from_loaded(loaded)


def embedded_session(tmp_path: Path, app: str = "redis", config: str | None = None,
                     app_kconfig: str | None = None) -> Session:
    """A copy of an embedded-tree app opened like `flexui --app` does."""
    app_dir = tmp_path / app
    shutil.copytree(embedded_tree() / "apps" / app, app_dir)
    if config is not None:
        (app_dir / ".config").write_text(config)
    if app_kconfig is not None:
        (app_dir / "Config.uk").write_text(app_kconfig)
    return Session.open(app_dir, workdir=locate(workdir=embedded_tree()),
                        build_dir=tmp_path / "build")

"""The configuration the app's built image was made from.

The image is built from the saved files, not from an open session: flexui's
build record (build/flexui-build.json) keeps the kraft.yaml the build read,
and without a record the saved kraft.yaml is the best witness. The record
also keeps the make variables and environment of the preset's `build:`. Run uses this,
and the Build/Run screen compares it with the session to say when they differ.
"""

from __future__ import annotations

import json
from pathlib import Path

from flexui.model.build.settings import BuildSettings
from flexui.model.files.problems import InputError
from flexui.model.isolation.configuration import IsolationConfig
from flexui.model.isolation.design import DesignPoint
from flexui.model.isolation.kraftyaml import KraftFile, load_kraft, parse_kraft
from flexui.model.vocabulary import KRAFT_YAML

RECORD = Path("build") / "flexui-build.json"


def built_configuration(app_dir: Path) -> IsolationConfig:
    app_dir = Path(app_dir)
    try:
        record = json.loads((app_dir / RECORD).read_text(encoding="utf-8"))
        text = record["inputs"][KRAFT_YAML]
        return KraftFile(app_dir / KRAFT_YAML, parse_kraft(text, str(app_dir / RECORD))).isolation()
    except (OSError, ValueError, KeyError, TypeError, InputError):
        pass
    kraft = app_dir / KRAFT_YAML
    try:
        return load_kraft(kraft).isolation() if kraft.is_file() else IsolationConfig()
    except InputError:
        return IsolationConfig()


def built_settings(app_dir: Path) -> BuildSettings | None:
    """The make variables and environment the image was built with (None: no record says)."""
    try:
        record = json.loads((Path(app_dir) / RECORD).read_text(encoding="utf-8"))
        settings = record["build_settings"]
        return BuildSettings(dict(settings["make"]), dict(settings["env"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def session_differs(image: IsolationConfig, session: IsolationConfig) -> str | None:
    """How the session's configuration differs from the image's, or None."""
    a, b = DesignPoint.of(image), DesignPoint.of(session)
    what = []
    if a.mechanism != b.mechanism:
        what.append(f"mechanism {b.mechanism} (image: {a.mechanism})")
    if a.layout != b.layout:
        what.append("compartments")
    if a.hardened != b.hardened:
        what.append("hardening")
    return ", ".join(what) or None

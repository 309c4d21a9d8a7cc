"""Remembers the last app and work directory between runs.

A broken or unreadable file is never fatal: flexui starts with defaults and
overwrites it on the next successful open.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from flexui.model.files.atomic import write_atomic
from flexui.model.files.userdirs import config_dir


@dataclass
class Recent:
    app: str | None = None
    workdir: str | None = None
    tree: str | None = None


def recent_path() -> Path:
    return config_dir() / "recent.yaml"


def load_recent(path: Path | None = None) -> Recent:
    path = path or recent_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return Recent()
    if not isinstance(data, dict):
        return Recent()
    return Recent(**{k: str(v) for k, v in data.items()
                     if k in Recent.__dataclass_fields__ and isinstance(v, str)})


def save_recent(recent: Recent, path: Path | None = None) -> None:
    data = {k: v for k, v in asdict(recent).items() if v is not None}
    write_atomic(path or recent_path(), yaml.safe_dump(data, sort_keys=True), keep_old=False)

"""Where presets live: the shipped ones and the user's own folder.

The Presets screen (through the session) and `flexui explore --save-preset`
list, name and save presets here, so both refuse the same names with the same
words and write the same file.
"""

from __future__ import annotations

from pathlib import Path

from flexui.model.files.problems import Problem
from flexui.model.files.userdirs import user_presets_dir
from flexui.model.presets.preset import NAME_PATTERN, Preset, list_presets, save_preset


def _shipped_dir() -> Path:
    from flexui.paths import shipped_presets

    return shipped_presets()


def all_presets() -> tuple[list[Preset], list[Problem]]:
    """Shipped presets, then the user's (a shipped name wins), and the problems of broken files."""
    return list_presets(_shipped_dir(), user_presets_dir())


def name_refusal(name: str) -> str | None:
    """Why `name` cannot be a preset of the user's, or None."""
    if not NAME_PATTERN.match(name):
        return "use letters, digits, '.', '_' and '-'"
    shipped = _shipped_dir()
    if (shipped / f"{name}.yaml").exists() or name in {p.name for p in list_presets(shipped)[0]}:
        return f"{name} is a shipped preset; choose another name"
    return None


def save_user_preset(preset: Preset) -> Path:
    """Write the preset into the user's folder as NAME.yaml; InputError when it cannot be."""
    path = user_presets_dir() / f"{preset.name}.yaml"
    save_preset(preset, path)
    return path


def delete_user_preset(preset: Preset) -> None:
    """Remove one of the user's presets (shipped ones stay: the caller refuses them)."""
    if preset.path is not None and not preset.shipped:
        preset.path.unlink(missing_ok=True)

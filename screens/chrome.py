"""The texts of the screens' shared chrome, without Textual.

The launcher paints the first frame before Textual is imported
(flexui/first_frame.py), and the screens paint the same texts afterwards:
both take them from here, so the handover shows no change.
"""

from __future__ import annotations

from flexui.model.menu import MenuNavigator
from flexui.model.session import Session

# (mode, tab label, key) in tab order; the app registers the same modes.
SCREENS: list[tuple[str, str, str]] = [
    ("kconfig", "Kconfig", "f2"),
    ("compartments", "Compartments", "f3"),
    ("safety", "Safety", "f4"),
    ("build", "Build/Run", "f5"),
    ("presets", "Presets", "f6"),
]

CRUMB_SEPARATOR = " › "


def tab_label(label: str, key: str) -> str:
    return f"{key.upper()} {label}"


def status_parts(session: Session) -> list[tuple[str, bool]]:
    """(text, bold) pieces of the header: tree, app, preset and unsaved state."""
    tree = "embedded tree" if session.workdir.unikraft.parent.name == "unikraft-tree" \
        else str(session.workdir.unikraft)
    preset = f" · preset {session.preset.name}" if session.preset else ""
    parts = [("flexui · app ", False), (session.app_name, True), (f" · {tree}{preset}", False)]
    parts += [(" · ", False), ("● unsaved", True)] if session.dirty else [(" · saved", False)]
    return parts


def crumbs(nav: MenuNavigator) -> str:
    return CRUMB_SEPARATOR.join(nav.breadcrumb())

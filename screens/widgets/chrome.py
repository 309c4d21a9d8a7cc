"""The texts of the screens' shared chrome, without Textual.

The launcher paints the first frame before Textual is imported
(flexui/first_frame.py), and the screens paint the same texts afterwards:
both take them from here, so the handover shows no change.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from flexui.model.kconfig.menu import MenuNavigator
from flexui.model.session.edit_session import Session

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


@dataclass(frozen=True)
class TabStrip:
    """The tab bar's two lines: labels as (text, role, mode), then the underline as (text, role)."""

    labels: list[tuple[str, str, str]]
    underline: list[tuple[str, str]]


def tab_strip(active: str, width: int, modes: Collection[str] | None = None) -> TabStrip:
    """Tabs for `modes` (all screens by default), `active` highlighted; underline `width` wide."""
    labels: list[tuple[str, str, str]] = []
    start = end = x = 0
    for mode, label, key in SCREENS:
        if modes is not None and mode not in modes:
            continue
        text = f" {tab_label(label, key)} "
        if mode == active:
            start, end = x, x + len(text)
        labels.append((text, "tab-active" if mode == active else "tab", mode))
        x += len(text)
    underline = [("━" * start, "underline"), ("╸", "underline"),
                 ("━" * (end - start - 2), "underline-active"), ("╺", "underline"),
                 ("━" * max(0, width - end), "underline")]
    return TabStrip(labels, [(text, role) for text, role in underline if text])


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

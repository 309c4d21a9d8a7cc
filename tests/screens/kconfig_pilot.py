"""Helpers for driving the Kconfig screen with Textual's pilot."""

from __future__ import annotations

from flexui.app import FlexApp
from flexui.screens.kconfig.menuconfig import MenuconfigScreen


def menu_screen(app: FlexApp) -> MenuconfigScreen:
    screen = app.get_screen("kconfig") if app.screen.__class__ is not MenuconfigScreen else app.screen
    assert isinstance(screen, MenuconfigScreen)
    return screen


def rows(app: FlexApp) -> list[str]:
    nav = menu_screen(app).nav
    return [nav.row(i).text() for i in range(len(nav.shown))]


def selected(app: FlexApp) -> str:
    nav = menu_screen(app).nav
    return nav.row(nav.index).text()


def selected_name(app: FlexApp) -> str | None:
    node = menu_screen(app).nav.selected
    return getattr(node.item, "name", None)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


async def jump(pilot, query: str) -> None:
    """Search with `/` and jump to the first match."""
    await pilot.press("slash")
    await type_text(pilot, query)
    await pilot.press("enter")
    await pilot.pause()


async def move_to(pilot, label: str) -> None:
    """Move the cursor with j/k to the entry whose prompt is `label` (fails if absent)."""
    nav = menu_screen(pilot.app).nav
    labels = [nav.row(i).label for i in range(len(nav.shown))]
    assert label in labels, f"{label!r} not in {labels}"
    delta = labels.index(label) - nav.index
    await pilot.press(*(["j"] * delta if delta > 0 else ["k"] * -delta))


def config_lines(path) -> set[str]:
    return {line for line in path.read_text().splitlines() if line.startswith(("CONFIG_", "# CONFIG_"))}

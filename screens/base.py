"""What every session screen shares: the status header, the tab bar, the key bar.

Screens never poll the model: the app turns session events into
`SessionChanged` messages, and a screen that was hidden refreshes when it is
shown again.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Tab, Tabs

from flexui.model.session import Session, SessionEvent
from flexui.screens.chrome import SCREENS, status_parts, tab_label
from flexui.screens.key_bar import KeyBar
from flexui.screens.quiet_static import QuietStatic


class SessionChanged(Message):
    def __init__(self, event: SessionEvent | None) -> None:
        self.event = event
        super().__init__()


class StatusHeader(QuietStatic):
    """Tree, app, preset and unsaved state: what the user is editing."""

    DEFAULT_CSS = "StatusHeader { height: 1; }"

    def render_status(self, session: Session) -> None:
        self.show_text(Text.assemble(*[(text, "bold" if bold else "")
                                       for text, bold in status_parts(session)]))


class NavBar(Tabs):
    """One tab per screen; clicking a tab switches to it."""

    def __init__(self, active: str) -> None:
        super().__init__(*[Tab(tab_label(label, key), id=f"tab-{mode}")
                           for mode, label, key in SCREENS if mode in _registered()],
                         active=f"tab-{active}")

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        mode = event.tab.id.removeprefix("tab-")
        if self.app.current_mode != mode:
            self.app.switch_mode(mode)


def _registered() -> set[str]:
    from flexui.app import FlexApp

    return set(FlexApp.MODES)


class SessionScreen(Screen):
    """Base for screens that render the shared session."""

    MODE: str = ""

    @property
    def session(self) -> Session:
        return self.app.session

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="status-header")
        yield NavBar(self.MODE)
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.query_one(StatusHeader).render_status(self.session)

    def on_screen_resume(self) -> None:
        self.query_one(NavBar).active = f"tab-{self.MODE}"
        self.query_one(StatusHeader).render_status(self.session)
        self.refresh_from_session(None)

    def on_session_changed(self, message: SessionChanged) -> None:
        self.query_one(StatusHeader).render_status(self.session)
        self.refresh_from_session(message.event)

    def refresh_from_session(self, event: SessionEvent | None) -> None:
        """Redraw what depends on the session; `event` is None after a screen switch."""

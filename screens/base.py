"""What every session screen shares: the status header, the tab bar, the key bar.

Screens never poll the model: the app turns session events into
`SessionChanged` messages, and a screen that was hidden refreshes when it is
shown again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen

from flexui.model.session.edit_session import Session, SessionEvent
from flexui.screens.widgets.chrome import status_parts
from flexui.screens.widgets.key_bar import KeyBar
from flexui.screens.widgets.quiet_static import QuietStatic
from flexui.screens.widgets.tab_bar import TabBar

if TYPE_CHECKING:
    from textual import getters

    from flexui.app import FlexApp


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


class SessionScreen(Screen):
    """Base for screens that render the shared session."""

    MODE: str = ""
    # on_mount renders the session itself: a resume renders again only once the screen was hidden
    # (Textual resumes a screen twice on its first show).
    RENDERS_ON_MOUNT = False
    _hidden = False
    _was_hidden = False

    if TYPE_CHECKING:  # the app these screens run in, for the type checker only
        app = getters.app(FlexApp)

    def post_message(self, message: Message) -> bool:
        """The resumes of a first show keep the styles the nodes got as they mounted.

        Textual restyles every node of a screen on each resume, and resumes a
        new screen twice right after composing it: 20-80 ms of a first visit
        spent styling again what was styled a moment before. Once the screen
        has been hidden, its resumes restyle as usual. (Not done for modal
        screens: without that restyle Textual leaves out the screen under a
        translucent one.)
        """
        if isinstance(message, events.ScreenSuspend):
            self._was_hidden = True
        elif isinstance(message, events.ScreenResume) and not self._was_hidden:
            message.refresh_styles = False
        return super().post_message(message)

    @property
    def session(self) -> Session:
        return self.app.session

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="status-header")
        yield TabBar(self.MODE, set(self.app.MODES))
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        """Textual calls this after each subclass's own on_mount (a handler of every class runs)."""
        self.query_one(StatusHeader).render_status(self.session)

    def on_tab_bar_chosen(self, message: TabBar.Chosen) -> None:
        self.app.switch_mode(message.mode)

    def on_screen_suspend(self) -> None:
        self._hidden = True

    def on_screen_resume(self) -> None:
        self.app.release_holds()  # composed and mounted: its layout now is the frame to show
        if self.RENDERS_ON_MOUNT and not self._hidden:
            return
        self._hidden = False
        self.query_one(StatusHeader).render_status(self.session)
        self.refresh_from_session(None)

    def on_session_changed(self, message: SessionChanged) -> None:
        self.query_one(StatusHeader).render_status(self.session)
        self.refresh_from_session(message.event)

    def refresh_from_session(self, event: SessionEvent | None) -> None:
        """Redraw what depends on the session; `event` is None after a screen switch."""

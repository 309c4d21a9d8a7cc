"""One line with the estimate and safety position of the session's configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flexui.model.isolation.design import DesignPoint
from flexui.model.safety.summary import SafetySummary, summarize
from flexui.model.session.edit_session import Session
from flexui.screens.widgets.quiet_static import QuietStatic

if TYPE_CHECKING:
    from textual import getters

    from flexui.app import FlexApp

NARROW = 110  # columns below which the short form is used, as the app's -narrow breakpoint


class SafetyLine(QuietStatic):
    if TYPE_CHECKING:  # the app this line runs in, for the type checker only
        app = getters.app(FlexApp)

    def show(self, session: Session) -> SafetySummary:
        db, estimator = self.app.benchmarks
        summary = summarize(session.app_name, DesignPoint.of(session.iso), db, estimator)
        self.show_text(summary.short_line() if self.app.size.width < NARROW else summary.line())
        return summary

"""One line with the estimate and safety position of the session's configuration."""

from __future__ import annotations

from textual.widgets import Static

from flexui.model.design import DesignPoint
from flexui.model.safety_summary import SafetySummary, summarize
from flexui.model.session import Session


class SafetyLine(Static):
    def show(self, session: Session) -> SafetySummary:
        db, estimator = self.app.benchmarks
        summary = summarize(session.app_name, DesignPoint.of(session.iso), db, estimator)
        self.update(summary.line())
        return summary

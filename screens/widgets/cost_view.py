"""The Safety screen's cost-by-term panel: `model/perf/cost_breakdown.py` as text."""

from __future__ import annotations

from textual.widgets import Static

from flexui.model.perf.cost_breakdown import Breakdown

SHOWN = 6  # the costliest terms; the rest are summed up in one line


class CostView(Static):
    DEFAULT_CSS = "CostView { height: auto; margin-top: 1; }"

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, markup=False)

    def show(self, breakdown: Breakdown | None) -> None:
        self.update("" if breakdown is None else "\n".join(breakdown.lines(SHOWN)))

"""A table of configurations whose columns fit their cells from the first paint.

DataTable sizes auto-width columns lazily: filled before its first layout, the
columns stayed at the header width until a resize. Widths set from the cells
avoid that.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable

from flexui.model.isolation.design import DesignPoint


class PointTable(DataTable):
    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.points: list[DesignPoint] = []

    def show(self, header: tuple[str, ...], rows: Sequence[tuple[tuple[str, ...], DesignPoint]]) -> None:
        self.clear(columns=True)
        for i, title in enumerate(header):
            self.add_column(title, width=max([len(title), *(len(cells[i]) for cells, _ in rows)]))
        for cells, _ in rows:
            self.add_row(*cells)
        self.points = [point for _, point in rows]

    def chosen(self) -> DesignPoint | None:
        return self.points[self.cursor_row] if 0 <= self.cursor_row < len(self.points) else None

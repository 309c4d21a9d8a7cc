"""The Safety screen: what the configuration costs, how safe it is, and what to pick under a budget.

Renders `model/safety/summary`, `model/safety/exploration`, `model/safety/dot`
and `model/safety/hasse` results for the session's configuration; `d` swaps
the tables for the drawing of the order. Loading a configuration from the
budget list, a safer step or the drawing is one undoable session edit.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, Select, Static

from flexui.model.isolation.design import DesignPoint, apply_point
from flexui.model.perf.cost_breakdown import breakdown
from flexui.model.perf.estimator import project
from flexui.model.safety.budget_answer import safest_within
from flexui.model.safety.dot import marks
from flexui.model.safety.exploration import parse_budget
from flexui.model.safety.hasse import MEETS, OVER, ZOOMS, around, legend, zoom_for
from flexui.model.safety.order import ORDERS, lt
from flexui.model.safety.summary import (
    SafetySummary,
    default_metric,
    next_safer_steps,
    summarize,
    with_unit,
)
from flexui.model.session.edit_session import SessionEvent
from flexui.model.vocabulary import MECHANISM_LABELS
from flexui.screens.base import SessionScreen
from flexui.screens.widgets.cost_view import CostView
from flexui.screens.widgets.hasse_view import HasseView
from flexui.screens.widgets.point_table import PointTable


def short(point: DesignPoint) -> str:
    groups = sorted(point.layout, key=lambda g: (-len(g), sorted(g)))
    layout = " | ".join(",".join(sorted(g)) for g in groups[1:]) or "one compartment"
    hard = ",".join(sorted(point.hardened)) or "-"
    return f"isolated: {layout}; hardened: {hard}; {MECHANISM_LABELS[point.mechanism]}"


class SafetyScreen(SessionScreen):
    MODE = "safety"
    CSS_PATH = "safety.tcss"
    RENDERS_ON_MOUNT = True
    AUTO_FOCUS = ""  # on_mount focuses the steps without scrolling to them
    BINDINGS = [
        Binding("b", "focus_budget", "Budget"),
        Binding("d", "toggle_diagram", "Graph"),
        Binding("e", "export", "Export dot/SVG"),
        Binding("o", "cycle_order", "Order"),
        Binding("q", "app.quit", "Quit", show=False),
        Binding("x", "run_plan", "Run plan"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order = "product"
        self.summary: SafetySummary | None = None
        self.zoom: int | None = None  # the drawing's zoom; None: chosen from the width

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="safety-body"):
            yield Static(id="estimate", markup=False)
            with Horizontal(id="safety-controls"):
                yield Label("Metric", classes="bar-label")
                yield Select([], allow_blank=True, id="metric")
                yield Label("Order", classes="bar-label")
                yield Select([(o, o) for o in ORDERS], value="product", allow_blank=False, id="order")
                yield Label("Budget", classes="bar-label")
                yield Input(placeholder="e.g. 500k, Enter", id="budget")
            with Horizontal(id="safety-tables"):
                with Vertical(classes="half"):
                    yield Label("Next safer steps (Enter loads one)", classes="table-title")
                    yield PointTable(id="steps")
                    yield Static(id="steps-detail", classes="row-detail", markup=False)
                with Vertical(classes="half"):
                    yield Label("Safest configurations within the budget (Enter loads one)",
                                classes="table-title", id="budget-title")
                    yield PointTable(id="budget-table")
                    yield Static(id="budget-table-detail", classes="row-detail", markup=False)
            yield CostView(id="cost-breakdown")
            yield Static(id="neighbourhood", markup=False)
        with Vertical(id="hasse-pane"):
            yield Static(id="hasse-legend", markup=False)
            yield HasseView(id="hasse")
            yield Static(id="hasse-detail", markup=False)

    def on_mount(self) -> None:
        db, _ = self.app.benchmarks
        metrics = db.metrics(self.session.app_name)
        select = self.query_one("#metric", Select)
        select.set_options([(m, m) for m in metrics])
        if metrics:
            with self.prevent(Select.Changed):
                select.value = default_metric(self.session.app_name, db)
        self.refresh_from_session(None)
        # Scrolled to, the steps table pushed the summary out of an 80x24 view.
        self.set_focus(self.query_one("#steps"), scroll_visible=False)

    @property
    def metric(self) -> str | None:
        value = self.query_one("#metric", Select).value
        return value if isinstance(value, str) else None

    def refresh_from_session(self, event: SessionEvent | None) -> None:
        db, estimator = self.app.benchmarks
        point = DesignPoint.of(self.session.iso)
        self.summary = summary = summarize(self.session.app_name, point, db, estimator, self.metric, self.order)
        lines = [summary.line(), *([summary.note] if summary.note else [])]
        if summary.estimate is not None:
            e = summary.estimate
            lines.append(f"{e.basis}; range {with_unit(e.low, e.unit)} to {with_unit(e.high, e.unit)}")
            if summary.baseline is not None:
                lines.append("baseline (one compartment, nothing hardened): "
                             f"{with_unit(summary.baseline.value, summary.baseline.unit)}")
        lines.append(f"this configuration: {short(summary.point)}")
        self.query_one("#estimate", Static).update("\n".join(lines))
        self._fill_steps(summary)
        self.query_one(CostView).show(
            breakdown(estimator.fit(summary.app, summary.metric), summary.point) if summary.metric else None)
        self._fill_neighbourhood(summary)
        budget = self._budget_value()
        if budget is not None:
            self._fill_budget(budget)
        if self.diagram_shown:
            self._fill_diagram(summary)

    def _budget_value(self) -> float | None:
        try:
            return parse_budget(self.query_one("#budget", Input).value)
        except ValueError:
            return None  # the user is told when they submit it

    @property
    def _steps(self) -> list[DesignPoint]:
        return self.query_one("#steps", PointTable).points

    @property
    def _answer(self) -> list[DesignPoint]:
        return self.query_one("#budget-table", PointTable).points

    def _fill_steps(self, summary: SafetySummary) -> None:
        rows = []
        if summary.estimate is not None:
            _, estimator = self.app.benchmarks
            for step in next_safer_steps(summary, estimator):
                e = step.estimate
                rows.append(((with_unit(e.value, e.unit), e.kind, f"{e.relative_to(summary.estimate):+.0%}",
                              step.what), step.point))
        steps = self.query_one("#steps", PointTable)
        # The figures first, as in the budget's table: a narrow pane cuts the words, whose whole
        # result is under the table.
        steps.show(("value", "basis", "slower", "step"), rows)
        self._show_detail(steps)

    def _measured(self) -> dict[DesignPoint, float]:
        db, _ = self.app.benchmarks
        return {m.point: m.mean for m in db.series(self.session.app_name, self.summary.metric)} \
            if self.summary and self.summary.metric else {}

    def _fill_neighbourhood(self, summary: SafetySummary) -> None:
        values = self._measured()
        if not values:
            self.query_one("#neighbourhood", Static).update("")
            return
        here = summary.point
        above = [p for p in values if lt(here, p, self.order)]
        below = [p for p in values if lt(p, here, self.order)]
        covers_up = [p for p in above if not any(lt(q, p, self.order) for q in above)]
        covers_down = [p for p in below if not any(lt(p, q, self.order) for q in below)]
        lines = [f"Safety order around this configuration ({self.order} order, measured configurations):"]
        unit = summary.estimate.unit if summary.estimate else ""
        lines += [f"   ▲ {with_unit(values[p], unit):>12}  {short(p)}"
                  for p in sorted(covers_up, key=lambda p: -values[p])[:6]]
        mark = with_unit(values[here], unit) if here in values else "—"
        lines.append(f"  ► {mark:>12}  {short(here)}   ({len(above)} safer, {len(below)} less safe)")
        lines += [f"   ▼ {with_unit(values[p], unit):>12}  {short(p)}"
                  for p in sorted(covers_down, key=lambda p: -values[p])[:6]]
        self.query_one("#neighbourhood", Static).update("\n".join(lines))

    @property
    def diagram_shown(self) -> bool:
        return self.query_one("#hasse-pane").display

    def _fill_diagram(self, summary: SafetySummary) -> None:
        _, estimator = self.app.benchmarks
        zoom = ZOOMS[self.zoom if self.zoom is not None else zoom_for(self.size.width)]
        budget = self._budget_value()
        hood = around(summary, estimator, zoom=zoom, order=self.order, failed=self._failed(summary),
                      budget=budget)
        title = self.query_one("#hasse-legend", Static)
        if hood is None:
            title.update(summary.line())
            return
        e = summary.estimate
        budget_text = None if budget is None or e is None else \
            f"{summary.metric} {'>=' if e.higher_is_better else '<='} {with_unit(budget, e.unit)}"
        hidden = sum(hood.hidden.values())
        title.update(f"Safety order ({self.order}), safer above: {len(hood.nodes)} drawn"
                     + (f", {hidden} hidden" if hidden else "")
                     + (" (+ draws more)" if hidden and zoom != ZOOMS[-1] else "")
                     + f"\n{legend(hood, budget_text, zoom)}")
        self.query_one(HasseView).show(hood, zoom)

    def _failed(self, summary: SafetySummary) -> set[DesignPoint]:
        """The configurations whose closed-loop run failed, in the model's libraries."""
        if summary.metric is None:
            return set()
        _, estimator = self.app.benchmarks
        libraries = estimator.fit(summary.app, summary.metric).libraries
        return {project(p, libraries)
                for p in self.session.failed_configurations(summary.app, summary.metric)}

    @on(HasseView.Selected)
    def _diagram_selected(self, event: HasseView.Selected) -> None:
        drawing = self.query_one(HasseView).drawing
        if drawing is None:
            return
        node = next(n for n in drawing.hood.nodes if n.point == event.point)
        e = node.estimate
        value = with_unit(e.value, e.unit) if e else "no data"
        verdict = "" if node.meets is None else (f", {MEETS} meets the budget" if node.meets
                                                 else f", {OVER} over the budget")
        where = "current" if node.current else "Enter loads it"
        lines = [f"▶ {value} {node.kind}{verdict} ({where}): {short(node.point)}"]
        if self.size.width >= 120:
            up, down = drawing.steps_of(node.point)
            lines.append("; ".join([*(f"up: {edge.step}" for edge in up),
                                    *(f"down: undo {edge.step}" for edge in down)]))
        self.query_one("#hasse-detail", Static).update("\n".join(lines))

    @on(HasseView.Load)
    def _diagram_load(self, event: HasseView.Load) -> None:
        if self.summary is not None and event.point != self.summary.point:
            self._load_point(event.point)

    @on(HasseView.Zoomed)
    def _diagram_zoom(self, event: HasseView.Zoomed) -> None:
        current = self.zoom if self.zoom is not None else zoom_for(self.size.width)
        self.zoom = max(0, min(len(ZOOMS) - 1, current + event.step))
        if self.summary is not None:
            self._fill_diagram(self.summary)

    def action_toggle_diagram(self) -> None:
        """The drawing of the order in place of the tables, and back."""
        shown = not self.diagram_shown
        self.query_one("#hasse-pane").display = shown
        self.query_one("#safety-body").display = not shown
        if shown:
            if self.summary is not None:
                self._fill_diagram(self.summary)
            self.query_one(HasseView).focus()
        else:
            self.query_one("#steps").focus()

    def _fill_budget(self, budget: float) -> None:
        table = self.query_one("#budget-table", PointTable)
        summary = self.summary
        if summary is None or summary.estimate is None or summary.metric is None:
            table.show((), [])
            self._show_detail(table)
            return
        db, estimator = self.app.benchmarks
        answers = safest_within(summary.app, summary.metric, budget, db, estimator, self.order)
        table.show(("value", "basis", "configuration"),
                   [((with_unit(a.estimate.value, a.estimate.unit), a.estimate.kind, short(a.point)), a.point)
                    for a in answers])
        self._show_detail(table)
        measured = sum(1 for a in answers if a.estimate.kind == "measured")
        self.query_one("#budget-title", Label).update(
            f"Safest with {summary.metric} {'>=' if summary.estimate.higher_is_better else '<='} "
            f"{with_unit(budget, summary.estimate.unit)}: {measured} measured, {len(answers) - measured} "
            "estimated (Enter loads one)")

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if isinstance(event.data_table, PointTable):
            self._show_detail(event.data_table)

    def _show_detail(self, table: PointTable) -> None:
        """The highlighted row's whole configuration, which the table's column cuts off."""
        point = table.chosen()
        self.query_one(f"#{table.id}-detail", Static).update(f"▸ {short(point)}" if point else "")

    @on(Input.Submitted, "#budget")
    def _budget(self, event: Input.Submitted) -> None:
        try:
            budget = parse_budget(event.value)
        except ValueError as e:
            self.notify(str(e), severity="error")
            return
        self._fill_budget(budget)
        self.query_one("#safety-body").scroll_to_widget(self.query_one("#budget-title"), top=True,
                                                        animate=False)
        if self._answer:
            self.query_one("#budget-table", DataTable).focus(scroll_visible=False)
        else:
            self.notify("no configuration meets this budget, measured or estimated", severity="warning")

    @on(Select.Changed, "#metric")
    def _metric(self, event: Select.Changed) -> None:
        if self.summary is None or event.value != self.summary.metric:
            self.refresh_from_session(None)

    @on(Select.Changed, "#order")
    def _order(self, event: Select.Changed) -> None:
        if str(event.value) != self.order:  # not the Select announcing its first value
            self.order = str(event.value)
            self.refresh_from_session(None)

    def action_focus_budget(self) -> None:
        if self.diagram_shown:
            self.action_toggle_diagram()
        self.set_focus(self.query_one("#budget", Input))  # now: the next keys typed are the budget

    def action_cycle_order(self) -> None:
        self.query_one("#order", Select).value = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]

    @on(DataTable.RowSelected)
    def _load(self, event: DataTable.RowSelected) -> None:
        point = event.data_table.chosen() if isinstance(event.data_table, PointTable) else None
        if point is not None:
            self._load_point(point)

    def _load_point(self, point: DesignPoint) -> None:
        """Every way of picking a configuration on this screen loads it as one undoable edit."""
        self.session.edit_isolation(f"load {short(point)}", lambda iso: apply_point(iso, point))
        self.notify(f"loaded: {short(point)}", timeout=5)

    def action_export(self) -> None:
        values = self._measured()
        if not values or self.summary is None:
            self.notify("no benchmark data for this app: nothing to draw", severity="warning")
            return
        _, estimator = self.app.benchmarks
        summary = self.summary
        here = project(summary.point, frozenset().union(*(p.libraries for p in values)))
        failed = self._failed(summary)
        near = [p for p in {*values, *failed} if p == here or lt(p, here, self.order) or lt(here, p, self.order)]
        if here not in near:
            near.append(here)
        mark = marks(lambda p: estimator.estimate(summary.app, summary.metric, p), failed)
        try:
            path, svg = self.session.export_safety_order(sorted(near, key=DesignPoint.key), order=self.order,
                                                         highlight={here}, mark=mark)
        except (OSError, RuntimeError) as e:
            self.notify(f"export failed: {e}", severity="error")
            return
        self.notify(f"wrote {path}" + (f" and {svg.name}" if svg else " (install graphviz for SVG)"), timeout=8)

    def action_run_plan(self) -> None:
        """Carry the plan out for the budget typed (builds, boots, measures): the Run plan screen."""
        from flexui.screens.run_plan import RunPlanScreen, loop_arguments

        budget = self.query_one("#budget", Input).value.strip()
        if not budget:
            self.notify("type a budget first (e.g. 500k), then x runs the plan for it", severity="warning")
            return
        metric = self.query_one("#metric", Select).value
        self.app.push_screen(RunPlanScreen(loop_arguments(
            self.session.app_dir, metric if isinstance(metric, str) else "", budget, self.order)),
            self._after_run_plan)

    def _after_run_plan(self, _: None) -> None:
        """What the run measured or failed shows at once: in the tables and in the drawing."""
        self.app.reload_benchmarks()
        self.refresh_from_session(None)

"""Run plan: the closed loop from the Safety screen, with a live table of its jobs.

The loop (`run_loop` in model/explore/closed_loop.py, as `flexui explore --execute` runs it)
runs in a worker thread; its status reaches the table through
`call_from_thread`. `c` or `escape` cancels the whole run (every build and
guest stops); closing a finished run returns to the Safety screen.
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, ProgressBar, Static

from flexui.model.explore.closed_loop import LoopStatus

COLUMNS = ("configuration", "state", "value", "verdict")


def loop_arguments(app_dir: Path, metric: str, budget: str, order: str) -> list[str]:
    """The `flexui explore --execute` arguments the screen runs (one pipeline with the CLI)."""
    return ["--app", str(app_dir), "--metric", metric, "--budget", budget, "--order", order, "--execute"]


class RunPlanScreen(ModalScreen[None]):
    CSS_PATH = "run_plan.tcss"
    BINDINGS = [Binding("c,escape", "cancel", "Cancel run / close")]

    def __init__(self, argv: list[str]) -> None:
        super().__init__()
        self.argv = argv
        self.cancel = threading.Event()
        self.finished = False
        self._rows: set = set()

    def compose(self) -> ComposeResult:
        with Vertical(id="run-plan"):
            yield Label("Run plan: build, boot and measure the plan's configurations", id="run-title")
            yield Static("starting the Dask cluster...", id="run-status", markup=False)
            yield ProgressBar(id="run-progress", show_eta=False)
            yield DataTable(id="run-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="run-answer", markup=False)
            yield Label("c/Esc: cancel the run (or close when it is over)", id="run-keys")

    def on_mount(self) -> None:
        table = self.query_one("#run-table", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.run_worker(self._work, thread=True, exclusive=True, group="run-plan")

    def _work(self) -> None:
        from flexui.cmd_execute import Invalid, resolve
        from flexui.cmd_explore import build_parser
        from flexui.model.explore.closed_loop import run_loop
        from flexui.model.explore.engine import DaskEngine
        from flexui.model.files.problems import InputError

        try:
            args = build_parser().parse_args(self.argv)
            loop, _ = resolve(args)
        except (Invalid, InputError, SystemExit) as e:
            self.app.call_from_thread(self._failed, str(e) or "invalid arguments")
            return
        engine = DaskEngine(workers=args.workers)
        try:
            engine.start()
            result = run_loop(loop, engine, lambda s: self.app.call_from_thread(self._show, s), self.cancel)
        except Exception as e:  # a cluster that does not start: said on the screen, not a traceback
            self.app.call_from_thread(self._failed, f"{type(e).__name__}: {e}")
            return
        finally:
            engine.close()
        self.app.call_from_thread(self._done, result.cancelled, result.measured, result.reused, result.wall)

    def _show(self, status: LoopStatus) -> None:
        table = self.query_one("#run-table", DataTable)
        for point, row in status.rows.items():
            key = point.key()
            value = f"{row.value:,.6g} ±{row.stdev:.2g}" if row.value is not None else row.error[:40]
            cells = (point.label(), row.phase, value, row.verdict)
            if key in self._rows:
                for column, cell in zip(COLUMNS, cells):
                    table.update_cell(key, column, cell)
            else:
                self._rows.add(key)
                table.add_row(*cells, key=key)
        self.query_one("#run-progress", ProgressBar).update(total=status.total, progress=status.settled)
        self.query_one("#run-status", Static).update(
            f"{status.settled}/{status.total} configurations settled, {status.measured} measured, "
            f"{status.wall:.0f} s")
        if status.done:
            lines = [p.label() for p in status.answer] or [status.no_answer()]
            self.query_one("#run-answer", Static).update("Safest within the budget:\n  " + "\n  ".join(lines))

    def _done(self, cancelled: bool, measured: int, reused: int, wall: float) -> None:
        self.finished = True
        verdict = "cancelled (rerun to resume)" if cancelled else "done"
        self.query_one("#run-status", Static).update(
            f"{verdict}: {measured} measured, {reused} reused in {wall:.0f} s")

    def _failed(self, message: str) -> None:
        self.finished = True
        self.query_one("#run-status", Static).update(message)

    def action_cancel(self) -> None:
        if self.finished:
            self.dismiss(None)
        else:
            self.cancel.set()
            self.query_one("#run-status", Static).update("cancelling: stopping every build and guest...")

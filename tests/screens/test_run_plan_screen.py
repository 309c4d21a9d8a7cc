"""The Run plan screen over a stand-in work directory: real Dask, real QEMU, stand-in builds."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from session_app import make_app

from flexui.screens.run_plan import RunPlanScreen

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

from qemu_kernel_build import need_qemu  # noqa: E402
from standin_workdir import APP, SMALL, make_workdir, write_spec  # noqa: E402

SIZE = (140, 44)


async def test_standin_build_run_plan_fills_the_table_and_shows_the_safest_set(tmp_path, monkeypatch):
    need_qemu()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    wd = make_workdir(tmp_path)
    argv = ["--app", str(wd / "apps" / APP), "--metric", "cycles", "--budget", str(SMALL), "--execute",
            "--spec", str(write_spec(tmp_path, small=True)), "--accel", "tcg",
            "--build-cmd", f"{sys.executable} {TESTS / 'standin_build.py'}"]
    app = make_app(tmp_path, mode="safety")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(RunPlanScreen(argv))
        await pilot.pause()
        screen = app.screen
        for _ in range(1800):
            if screen.finished:
                break
            await asyncio.sleep(0.1)
        await pilot.pause()
        status = str(screen.query_one("#run-status").render())
        assert status.startswith("done"), status
        table = screen.query_one("#run-table")
        phases = {str(table.get_row(key)[1]) for key in table.rows}
        assert phases == {"done"} and table.row_count >= 2
        assert "Safest within the budget" in str(screen.query_one("#run-answer").render())
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, RunPlanScreen)

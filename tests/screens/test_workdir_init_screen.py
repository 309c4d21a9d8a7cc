"""Build/Run on the embedded tree: w runs `flexui workdir init` against real git remotes, then opens the app."""

from __future__ import annotations

import time
from pathlib import Path

import git
from git_helpers import make_remote
from session_app import make_app
from textual.widgets import Input

from flexui.paths import embedded_tree
from flexui.screens.workdir_dialog import WorkdirInitDialog

SIZE = (120, 34)
APP = "flexos-example"
REPOS = {"unikraft": "unikraft", "lib-tlsf": "libs/tlsf", "lib-newlib": "libs/newlib",
         "lib-flexos-example": "libs/flexos-example", f"app-{APP}": f"apps/{APP}"}


def remotes(root: Path) -> Path:
    """The repositories `workdir init` clones for the app, made from our embedded tree (one commit each)."""
    tree = embedded_tree()
    for name, rel in REPOS.items():
        files = {str(p.relative_to(tree / rel)): p.read_text() for p in (tree / rel).rglob("*") if p.is_file()}
        if name == "unikraft":
            files["Makefile"] = "all:\n"  # what makes a work directory a FlexOS one for the build
        make_remote(root, name, files)
    return root


async def wait_idle(pilot, screen, limit: float = 60) -> None:
    start = time.monotonic()
    while screen.busy and time.monotonic() - start < limit:
        await pilot.pause(0.1)
    await pilot.pause()


def log_text(screen) -> str:
    return "\n".join(str(line.text) for line in screen.query_one("#build-log").lines)


async def test_w_creates_a_work_directory_from_real_remotes_and_opens_its_app_with_the_session(tmp_path):
    remote = remotes(tmp_path / "remotes")
    pins = tmp_path / "pins.yaml"
    pins.write_text("refs: {default: staging}\n")
    target = tmp_path / "flexos" / APP
    app = make_app(tmp_path / "sample", mode="build", name=APP)
    before = app.session
    layout = {name: before.iso.compartment_of(name) for name in before.iso.libraries}
    assert len(set(layout.values())) == 2  # the sample is in two compartments: a layout worth carrying
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "w creates it now" in str(screen.query_one("#build-status").render())
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkdirInitDialog)
        assert dialog.query_one("#workdir-dir", Input).value == str(Path.home() / "flexos" / APP)
        assert dialog.query_one("#workdir-remote", Input).value == "https://github.com/project-flexos"
        dialog.query_one("#workdir-dir", Input).value = str(target)
        dialog.query_one("#workdir-remote", Input).value = str(remote)
        dialog.query_one("#workdir-pins", Input).value = str(pins)
        await pilot.click("#ok")
        await pilot.pause()
        assert app.screen is screen
        await wait_idle(pilot, screen)
        log = log_text(screen)
        assert f"cloning app-{APP} at staging from {remote / f'app-{APP}'}" in log and "[5/5]" in log
        for rel in REPOS.values():
            assert git.Repo(target / rel).head.commit.message == "first"
        assert app.session is not before and app.session.app_dir == target / "apps" / APP
        assert app.session.workdir.unikraft == target / "unikraft"
        assert {n: app.session.iso.compartment_of(n) for n in app.session.iso.libraries} == layout
        status = str(screen.query_one("#build-status").render())
        assert "not in a FlexOS work directory" not in status and "no Makefile" in status
        header = str(screen.query_one("#status-header").render())
        assert str(target / "unikraft") in header and "unsaved" in header  # the carried configuration
        await pilot.press("f2")  # the Kconfig screen, built again for the new session
        await pilot.pause()
        assert str(target / "unikraft") in str(app.screen.query_one("#status-header").render())


async def test_a_remote_without_the_repositories_is_one_line_and_the_session_stays(tmp_path):
    app = make_app(tmp_path / "sample", mode="build", name=APP)
    before = app.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one("#workdir-dir", Input).value = str(tmp_path / "wd")
        app.screen.query_one("#workdir-remote", Input).value = str(tmp_path / "no-remotes")
        await pilot.click("#ok")
        await wait_idle(pilot, screen)
        status = str(screen.query_one("#build-status").render())
        assert status.startswith("cannot fetch unikraft") and app.session is before
        assert not (tmp_path / "wd" / "unikraft").exists()

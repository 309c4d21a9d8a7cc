"""Dialogs at 80x24: buttons show their keys, Enter does what the focused button says, nothing off-screen."""

from __future__ import annotations

import pytest
from kconfig_pilot import jump
from kconfig_sessions import embedded_session
from textual.app import App
from textual.widgets import Button

from flexui.app import FlexApp
from flexui.screens.help import HelpScreen
from flexui.screens.kconfig.explain import WhyNotDialog
from flexui.screens.kconfig.info import InfoDialog
from flexui.screens.widgets.dialogs import ConfirmDialog
from flexui.screens.workdir_dialog import WorkdirInitDialog


class Asker(App):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[bool] = []

    def on_mount(self) -> None:
        self.push_screen(ConfirmDialog("Remove compartment comp2?", yes="Remove"), self.answers.append)


def label(button: Button) -> str:
    return str(button.label)


@pytest.mark.parametrize("keys, answer", [(["enter"], False), (["shift+tab", "enter"], True),
                                          (["y"], True), (["n"], False)])
async def test_confirm_buttons_show_keys_and_enter_presses_the_focused_one(keys, answer):
    app = Asker()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        buttons = {b.id: label(b) for b in app.screen.query(Button)}
        assert buttons == {"yes": "Remove [y]", "no": "No [n]"}
        await pilot.press(*keys)
        await pilot.pause()
    assert app.answers == [answer]


def inside(widget, screen_size) -> bool:
    r = widget.region
    return r.height > 0 and r.y >= 0 and r.y + r.height <= screen_size[1] and r.x + r.width <= screen_size[0]


async def test_why_dialog_keeps_apply_and_close_in_view_at_80x24(tmp_path):
    app = FlexApp(embedded_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await jump(pilot, "LIBUKSP_VALUE_RANDOM")
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WhyNotDialog)
        apply, close = dialog.query_one("#apply", Button), dialog.query_one("#close", Button)
        assert label(apply).endswith("changes [a]") and label(close) == "Close [esc]"
        assert inside(apply, (80, 24)) and inside(close, (80, 24))
        await pilot.click("#apply")
        await pilot.pause()
        assert not isinstance(app.screen, WhyNotDialog)
        assert app.session.kconf.syms["LIBUKSP"].str_value == "y"


async def test_info_dialog_hint_is_inside_its_frame(tmp_path):
    app = FlexApp(embedded_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await jump(pilot, "LIBFLEXOS_ENABLE_DSS")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, InfoDialog)
        frame, hint = app.screen.query_one("#info-frame").region, app.screen.query_one("#info-hint").region
        assert frame.contains_region(hint) and hint.y < frame.bottom - 1  # above the bottom border


async def test_help_lists_each_action_once_with_all_its_keys(tmp_path):
    app = FlexApp(embedded_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {d: k for k, d in app.screen._rows}
        descriptions = [d for _, d in app.screen._rows]
        assert len(descriptions) == len(set(descriptions))
        assert rows["Show help"] in ("f, H", "H, f") and rows["Set to m (module)"] == "m"
        assert not any(k == d for k, d in app.screen._rows)  # no `m m`
        assert rows["Open the command palette"] == "^p"  # not the key bar's terse "palette"


class TwoDialogs(App):
    """Makes a confirm dialog or the work-directory dialog."""

    def __init__(self, tmp_path) -> None:
        super().__init__()
        self.tmp_path = tmp_path

    def dialog(self, which: str):
        if which == "confirm":
            return ConfirmDialog("Remove compartment comp2?")
        return WorkdirInitDialog("redis", self.tmp_path / "work", "https://example.invalid/unikraft")


@pytest.mark.parametrize("first", ["confirm", "workdir"])
async def test_each_dialog_keeps_its_width_whichever_was_shown_first(first, tmp_path):
    """Both dialogs style `.dialog`; once both screens' styles are loaded neither may take the other's width."""
    app = TwoDialogs(tmp_path)
    other = "workdir" if first == "confirm" else "confirm"
    widths = []
    async with app.run_test(size=(120, 40)) as pilot:
        for which in (first, other, first, other):
            await app.push_screen(app.dialog(which))
            await pilot.pause()
            widths.append((which, app.screen.query_one(".dialog").outer_size.width))
            app.pop_screen()
            await pilot.pause()
    assert set(widths) == {("confirm", 70), ("workdir", 80)}

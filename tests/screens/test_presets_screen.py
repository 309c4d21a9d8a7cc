"""Presets screen: load, save as, delete, compare — by keys and mouse."""


import pytest
from session_app import make_app
from textual.geometry import Region

from flexui.model.presets.preset import load_preset
from flexui.paths import shipped_presets
from flexui.screens.presets import CompareScreen, PresetsScreen
from flexui.screens.widgets.dialogs import ConfirmDialog, NameDialog


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "data" / "flexui" / "presets"


def names_on_screen(app) -> list[str]:
    return [p.name for p in app.screen.presets]


async def move_to(pilot, name: str) -> None:
    screen = pilot.app.screen
    index = names_on_screen(pilot.app).index(name)
    table = screen.query_one("#preset-table")
    table.move_cursor(row=index)
    await pilot.pause()


async def test_lists_only_this_apps_presets_with_their_mechanism(tmp_path):
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PresetsScreen)
        shown = names_on_screen(app)
        assert "redis-mpk3-hardened" in shown
        assert all(name.startswith("redis") for name in shown)
        await pilot.press("A")
        assert any(name.startswith("nginx") for name in names_on_screen(app))


async def test_at_80_columns_the_table_shows_the_compartments_and_the_app_only_for_all_apps(tmp_path):
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#preset-table")
        labels = [str(c.label) for c in table.ordered_columns]
        assert "App" not in labels  # every row is this app's
        shown = {str(c.label) for c in table.ordered_columns
                 if sum(col.get_render_width(table) for col in table.ordered_columns[:labels.index(str(c.label)) + 1])
                 <= table.size.width}
        assert {"Preset", "Estimate", "Safer/less safe", "Comp."} <= shown
        await pilot.press("A")
        await pilot.pause()
        assert "App" in [str(c.label) for c in table.ordered_columns]
        assert len(table.get_row_at(0)) == len(table.ordered_columns)


async def test_enter_loads_a_preset_into_the_session(tmp_path):
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(140, 40)) as pilot:
        await move_to(pilot, "redis-mpk3-hardened")
        await pilot.press("enter")
        await pilot.pause()
        session = app.session
        assert session.preset is not None and session.preset.name == "redis-mpk3-hardened"
        assert len(session.iso.compartments) == 3
        assert session.iso.hardened()


async def test_loading_over_unsaved_changes_asks_first(tmp_path):
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(140, 40)) as pilot:
        app.session.edit_isolation("new", lambda iso: iso.add_compartment())
        await move_to(pilot, "redis-mpk1")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.session.preset is None
        await pilot.press("enter")
        await pilot.pause()
        await pilot.click("#yes")
        await pilot.pause()
        assert app.session.preset.name == "redis-mpk1"
        assert len(app.session.iso.compartments) == 1


async def test_save_as_writes_a_user_preset_and_refuses_shipped_names(tmp_path, user_dirs):
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(140, 40)) as pilot:
        await move_to(pilot, "redis-mpk2")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NameDialog)
        await pilot.press(*"redis-mpk2", "enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NameDialog), "a shipped name must be refused"
        assert "shipped" in str(app.screen.query_one("#dialog-error").render())
        name_input = app.screen.query_one("#name")
        name_input.value = "my-redis"
        await pilot.press("enter", *"two compartments", "enter")
        await pilot.pause()
        saved = user_dirs / "my-redis.yaml"
        assert saved.is_file()
        preset = load_preset(saved)
        assert preset.description == "two compartments"
        assert len(preset.isolation.compartments) == 2
        assert "my-redis" in names_on_screen(app)
        assert (shipped_presets() / "redis-mpk2.yaml").is_file()


async def test_delete_removes_user_presets_only(tmp_path, user_dirs):
    user_dirs.mkdir(parents=True)
    text = (shipped_presets() / "redis-mpk1.yaml").read_text().replace("redis-mpk1", "mine")
    (user_dirs / "mine.yaml").write_text(text)
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(140, 40)) as pilot:
        await move_to(pilot, "redis-mpk1")
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert (shipped_presets() / "redis-mpk1.yaml").is_file()
        await move_to(pilot, "mine")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not (user_dirs / "mine.yaml").exists()
        assert "mine" not in names_on_screen(app)


async def compare(pilot, marked: str, other: str) -> None:
    await move_to(pilot, marked)
    await pilot.press("space")
    await move_to(pilot, other)
    await pilot.press("c")
    await pilot.pause()


async def test_compare_two_presets_side_by_side(tmp_path):
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(140, 40)) as pilot:
        await compare(pilot, "redis-mpk2", "redis-mpk3")
        assert isinstance(app.screen, CompareScreen)
        rows = {r.aspect: r for r in app.screen._rows}
        assert rows["compartments"].left == "2" and rows["compartments"].right == "3"
        await pilot.press("d")
        await pilot.pause()
        table = app.screen.query_one("#compare-table")
        assert table.row_count == 1 + sum(r.differs for r in app.screen._rows)  # the names' row too
        await pilot.press("escape")
        await pilot.press("equals_sign")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)


async def test_compare_at_80_columns_shows_both_names_whole(tmp_path):
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(80, 24)) as pilot:
        await compare(pilot, "redis-mpk2", "redis-mpk3-hardened")
        table = app.screen.query_one("#compare-table")
        painted = [strip.text for strip in table.render_lines(Region(0, 0, *table.size))]
    assert "redis-mpk2" in painted[0] and "redis-mpk3-hardened" in painted[0]


async def test_mouse_click_selects_a_row(tmp_path):
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#preset-table")
        await pilot.click("#preset-table", offset=(5, 3))
        await pilot.pause()
        assert table.cursor_row == 2
        assert app.screen.current().name in str(app.screen.query_one("#preset-detail").render())


@pytest.mark.parametrize("name", ["redis-mpk1", "../evil"])
async def test_save_as_refuses_a_name_with_the_words_of_explore_save_preset(tmp_path, user_dirs, capsys, name):
    from flexui.cli import main

    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", "800k", "--save-preset", name]) == 2
    cli = capsys.readouterr().err.strip()
    app = make_app(tmp_path, mode="presets")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#name").value = name
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NameDialog)
        screen = str(app.screen.query_one("#dialog-error").render())
    assert screen and cli.endswith(f": {screen}")
    assert not user_dirs.exists()

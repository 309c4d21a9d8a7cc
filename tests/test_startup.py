"""What `flexui` opens, from its options, the current directory and the last run."""


import pytest

from flexui.model.session.recent import Recent, load_recent, save_recent
from flexui.model.session.startup import OpenRequest, StartupError, resolve
from flexui.paths import embedded_tree


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_no_options_opens_a_private_copy_of_the_sample_app(tmp_path):
    target = resolve(OpenRequest(), Recent(), cwd=tmp_path)
    assert target.app_dir == tmp_path / "data" / "flexui" / "apps" / "redis"
    assert (target.app_dir / "kraft.yaml").read_text() == \
        (embedded_tree() / "apps" / "redis" / "kraft.yaml").read_text()
    assert target.workdir.unikraft == embedded_tree().resolve() / "unikraft"


def test_the_copy_is_made_once_so_user_edits_survive(tmp_path):
    first = resolve(OpenRequest(), Recent(), cwd=tmp_path).app_dir
    (first / ".config").write_text("CONFIG_LIBUKDEBUG=y\n")
    again = resolve(OpenRequest(), Recent(), cwd=tmp_path).app_dir
    assert (again / ".config").read_text() == "CONFIG_LIBUKDEBUG=y\n"


def test_current_directory_with_kraft_yaml_wins_over_the_sample(tmp_path):
    app = tmp_path / "myapp"
    app.mkdir()
    (app / "kraft.yaml").write_text("specification: '0.6'\nname: myapp\n")
    assert resolve(OpenRequest(), Recent(), cwd=app).app_dir == app.resolve()


def test_last_app_is_remembered(tmp_path):
    app = tmp_path / "last"
    app.mkdir()
    save_recent(Recent(app=str(app)))
    assert load_recent().app == str(app)
    assert resolve(OpenRequest(), load_recent(), cwd=tmp_path).app_dir == app


def test_broken_recent_file_is_ignored(tmp_path):
    path = tmp_path / "config" / "flexui" / "recent.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("app: [unclosed\n")
    assert load_recent() == Recent()


def test_missing_app_is_one_clear_line(tmp_path):
    with pytest.raises(StartupError) as e:
        resolve(OpenRequest(app=tmp_path / "nope"), Recent(), cwd=tmp_path)
    assert str(tmp_path / "nope") in str(e.value) and "--app" in str(e.value)


def test_bad_tree_is_one_clear_line(tmp_path):
    with pytest.raises(StartupError, match="not a Unikraft tree"):
        resolve(OpenRequest(tree=tmp_path), Recent(), cwd=tmp_path)


def test_app_inside_a_workdir_uses_that_workdir(tmp_path):
    import shutil

    wd = tmp_path / "wd"
    shutil.copytree(embedded_tree(), wd)
    target = resolve(OpenRequest(app=wd / "apps" / "nginx"), Recent(), cwd=tmp_path)
    assert target.workdir.unikraft == (wd / "unikraft").resolve()


def test_app_in_the_current_directory_uses_its_workdir_not_the_last_one(tmp_path):
    import shutil

    wd, other = tmp_path / "wd", tmp_path / "other"
    shutil.copytree(embedded_tree(), wd)
    shutil.copytree(embedded_tree(), other)
    recent = Recent(app=str(other / "apps" / "redis"), workdir=str(other))
    target = resolve(OpenRequest(), recent, cwd=wd / "apps" / "nginx")
    assert target.app_dir == (wd / "apps" / "nginx").resolve()
    assert target.workdir.unikraft == (wd / "unikraft").resolve()


def test_preset_for_another_app_opens_that_sample_app(tmp_path):
    target = resolve(OpenRequest(preset_app="sqlite"), Recent(), cwd=tmp_path)
    assert target.app_dir.name == "sqlite"
    with pytest.raises(StartupError, match="no app named"):
        resolve(OpenRequest(preset_app="doom"), Recent(), cwd=tmp_path)


def test_a_missing_app_directory_is_refused_with_one_way_to_make_it(tmp_path):
    new = tmp_path / "my app"
    with pytest.raises(StartupError) as e:
        resolve(OpenRequest(app=new), Recent(), cwd=tmp_path)
    assert str(e.value) == (f"{new}: no such directory; for a new app create it first "
                            f"(mkdir -p '{new}'), else pass --app a directory holding kraft.yaml")
    new.mkdir()
    assert resolve(OpenRequest(app=new), Recent(), cwd=tmp_path).app_dir == new.resolve()

"""`flexui --apply PRESET`: real presets, real app copies, real Kconfig, files on disk."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flexui.cli import EXIT_INVALID, EXIT_OK, main
from flexui.model.isolation.apply import derive_assignments, hardening_from_make_vars
from flexui.model.isolation.kraftyaml import load_kraft
from flexui.model.kconfig.tree import load_kconfig, locate
from flexui.model.presets.preset import load_preset
from flexui.model.vocabulary import MAKE_VARS_FILE
from flexui.paths import embedded_tree, shipped_presets

TREE = embedded_tree()
SHIPPED = sorted(shipped_presets().glob("*.yaml"))
APP_FILES = ("kraft.yaml", ".config", MAKE_VARS_FILE)


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path, monkeypatch):
    """No user presets or settings of the machine running the tests."""
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var))
    monkeypatch.delenv("UK_WORKDIR", raising=False)
    monkeypatch.delenv("FLEXUI_DEBUG", raising=False)


def copy_app(tmp_path: Path, name: str) -> Path:
    """A private copy of one of the embedded tree's apps."""
    target = tmp_path / "apps" / name
    shutil.copytree(TREE / "apps" / name, target)
    return target


def snapshot(app: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in app.iterdir() if p.is_file()}


def shape(iso):
    """What a configuration means, without file positions or hardening."""
    return (iso.driver, iso.shared_stacks, iso.dss, iso.heap_size,
            [(c.name, c.default) for c in iso.compartments],
            {n: (iso.compartment_of(n), lib.is_core) for n, lib in iso.libraries.items()})


def apply(*args: str) -> int:
    return main(["--apply", *args, "--workdir", str(TREE)])


def write_preset(directory: Path, text: str, name: str = "mine.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


REDIS_PRESET = (shipped_presets() / "redis-mpk2.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("preset_path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_preset_applies_and_reads_back(tmp_path, preset_path, capsys):
    preset = load_preset(preset_path)
    app = copy_app(tmp_path, preset.app)

    assert apply(preset_path.stem, "--app", str(app)) == EXIT_OK, capsys.readouterr().err

    out = capsys.readouterr().out
    assert f"Applied preset {preset.name}" in out
    kraft = load_kraft(app / "kraft.yaml")
    assert shape(kraft.isolation()) == shape(preset.isolation)
    wd = locate(workdir=TREE)
    libraries = wd.libraries()
    hardening = hardening_from_make_vars((app / MAKE_VARS_FILE).read_text(encoding="utf-8"), libraries)
    assert hardening == {n: lib.hardening for n, lib in preset.isolation.libraries.items()
                         if lib.hardening.any}
    kconf = load_kconfig(wd, app).kconf  # reads the written .config
    for a in derive_assignments(preset.isolation, libraries):
        assert kconf.syms[a.symbol].str_value == a.value, a
    for name, value in preset.kconfig.items():
        unquoted = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
        assert kconf.syms[name.removeprefix("CONFIG_")].str_value == unquoted, name


def test_applying_twice_changes_nothing_the_second_time(tmp_path, capsys):
    app = copy_app(tmp_path, "redis")
    assert apply("redis-mpk3-hardened", "--app", str(app)) == EXIT_OK
    before = snapshot(app)
    capsys.readouterr()
    assert apply("redis-mpk3-hardened", "--app", str(app)) == EXIT_OK
    assert "already up to date" in capsys.readouterr().out
    assert snapshot(app) == before


def test_keys_outside_the_isolation_survive(tmp_path):
    app = copy_app(tmp_path, "redis")
    kraft = app / "kraft.yaml"
    kraft.write_text("# my notes on this app\n" + kraft.read_text(encoding="utf-8")
                     + "arguments: -p 6379\n", encoding="utf-8")
    assert apply("redis-mpk3", "--app", str(app)) == EXIT_OK
    text = kraft.read_text(encoding="utf-8")
    assert text.startswith("# my notes on this app\n")
    assert load_kraft(kraft).data["arguments"] == "-p 6379"
    assert (app / "kraft.yaml.old").exists() and (app / ".config").exists()


def test_malformed_preset_names_file_and_line_and_touches_nothing(tmp_path, capsys):
    app = copy_app(tmp_path, "redis")
    assert apply("redis-mpk1", "--app", str(app)) == EXIT_OK
    before = snapshot(app)
    broken = REDIS_PRESET.replace("lwip: {compartment: comp2}", "lwip: {compartment: comp9}")
    preset = write_preset(tmp_path / "presets", broken)
    capsys.readouterr()

    assert apply(str(preset), "--app", str(app)) == EXIT_INVALID

    err = capsys.readouterr().err
    line = broken.splitlines().index("    lwip: {compartment: comp9}") + 1
    assert f"{preset}:{line}: library lwip is placed in compartment 'comp9'" in err
    assert "Traceback" not in err
    assert snapshot(app) == before  # .old backups included: nothing rotated either


def test_yaml_syntax_error_in_preset_is_invalid_input(tmp_path, capsys):
    app = copy_app(tmp_path, "redis")
    before = snapshot(app)
    preset = write_preset(tmp_path / "presets", REDIS_PRESET.replace("  compartments:", "  compartments: [", 1))
    assert apply(str(preset), "--app", str(app)) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith(f"{preset}:") and "invalid YAML" in err
    assert snapshot(app) == before


def test_kconfig_refusal_is_reported_at_the_preset_line(tmp_path, capsys):
    app = copy_app(tmp_path, "redis")
    before = snapshot(app)
    # Data Shadow Stacks' gate options exist only with private stacks: refuse, say why.
    text = REDIS_PRESET.replace("stacks: private, dss: true", "stacks: shared, dss: false") + \
        "  - CONFIG_LIBFLEXOS_GATE_INTELPKU_DBG=y\n"
    text = text.replace("driver: intel-pku", "driver: vmept").replace(
        "    tlsf: {compartment: comp1}\n", "")
    text = text.replace("stacks: shared, dss: false", "stacks: private, dss: false")
    preset = write_preset(tmp_path / "presets", text)

    assert apply(str(preset), "--app", str(app)) == EXIT_INVALID

    err = capsys.readouterr().err
    line = text.splitlines().index("  - CONFIG_LIBFLEXOS_GATE_INTELPKU_DBG=y") + 1
    assert f"{preset}:{line}: CONFIG_LIBFLEXOS_GATE_INTELPKU_DBG=y (the preset's kconfig) is refused " \
           "by Kconfig: unmet dependency:" in err
    assert "LIBFLEXOS_INTELPKU=n" in err
    assert snapshot(app) == before


def test_dry_run_shows_the_diff_and_writes_nothing(tmp_path, capsys):
    app = copy_app(tmp_path, "redis")
    assert apply("redis-mpk1", "--app", str(app)) == EXIT_OK
    before = snapshot(app)
    capsys.readouterr()

    assert apply("redis-mpk3-hardened", "--app", str(app), "--dry-run") == EXIT_OK

    out = capsys.readouterr().out
    assert f"--- {app / 'kraft.yaml'}" in out and f"+++ {app / MAKE_VARS_FILE}" in out
    assert "+  - name: comp3" in out
    assert "+CONFIG_LIBUBSAN=y" in out
    assert "+LIBLWIP_CFLAGS_EXTRA := -fsanitize=undefined -fsanitize=kernel-address" in out
    assert "nothing written" in out
    assert snapshot(app) == before


def test_run_in_the_app_directory_without_app_option(tmp_path, monkeypatch, capsys):
    app = copy_app(tmp_path, "redis")
    monkeypatch.chdir(app)
    assert main(["--apply", "redis-mpk2"]) == EXIT_OK, capsys.readouterr().err
    assert shape(load_kraft(app / "kraft.yaml").isolation()) == \
        shape(load_preset(shipped_presets() / "redis-mpk2.yaml").isolation)


def test_new_empty_app_dir_starts_from_the_tree_app(tmp_path, capsys):
    app = tmp_path / "myredis"
    app.mkdir()
    assert apply("redis-mpk2", "--app", str(app)) == EXIT_OK
    out = capsys.readouterr().out
    assert "started from" in out and str(TREE / "apps" / "redis" / "kraft.yaml") in out
    assert load_kraft(app / "kraft.yaml").data["name"] == "redis"
    assert {p.name for p in app.iterdir()} == set(APP_FILES)


def test_current_directory_that_is_not_an_app_asks_for_app_option(tmp_path, monkeypatch, capsys):
    (tmp_path / "notes.txt").write_text("not an app\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--apply", "redis-mpk2"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "has no kraft.yaml" in err and "--app DIR" in err
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["notes.txt"]


def test_preset_for_another_app_is_refused(tmp_path, capsys):
    app = copy_app(tmp_path, "nginx")
    before = snapshot(app)
    assert apply("redis-mpk2", "--app", str(app)) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"{app / 'kraft.yaml'}:" in err and "this app is nginx but preset redis-mpk2 is for redis" in err
    assert snapshot(app) == before


def test_unknown_preset_name_lists_the_known_ones(tmp_path, capsys):
    app = copy_app(tmp_path, "redis")
    assert apply("redis-mpk22", "--app", str(app)) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "no preset named 'redis-mpk22'" in err and "redis-mpk2" in err
    assert err.startswith("flexui: no preset named") and len(err.strip().splitlines()) == 1


def test_a_directory_where_a_file_goes_is_refused_and_nothing_is_written(tmp_path, capsys):
    app = copy_app(tmp_path, "redis")
    before = snapshot(app)
    (app / MAKE_VARS_FILE).mkdir()  # the last of the three files cannot be written

    assert apply("redis-mpk2", "--app", str(app)) == EXIT_INVALID

    err = capsys.readouterr().err.splitlines()
    assert err == [f"{app / MAKE_VARS_FILE}: is a directory, not a regular file; flexui writes only "
                   "regular files: remove or rename it, then try again"]
    assert snapshot(app) == before
    assert sorted(p.name for p in app.iterdir()) == sorted([*before, MAKE_VARS_FILE])


def test_headless_apply_never_imports_textual(tmp_path):
    app = copy_app(tmp_path, "redis")
    code = ("import sys; from flexui.cli import main; "
            f"rc = main(['--apply', 'redis-mpk2', '--app', {str(app)!r}, '--workdir', {str(TREE)!r}]); "
            "print(rc, sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.stdout.splitlines()[-1] == "0 []", result.stderr


def test_dry_run_without_apply_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--dry-run"])
    assert exc.value.code == EXIT_INVALID
    assert "--dry-run goes with" in capsys.readouterr().err

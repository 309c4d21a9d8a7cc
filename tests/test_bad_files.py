"""Files that are not what they should be: FIFOs, symlinks, alias bombs, bad bytes.

Exit 2, one line, nothing written."""

import os
import shutil
from pathlib import Path

import pytest

from flexui.cli import EXIT_INVALID, main
from flexui.paths import embedded_tree

TREE = embedded_tree()


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var))


@pytest.fixture
def app(tmp_path) -> Path:
    target = tmp_path / "apps" / "redis"
    shutil.copytree(TREE / "apps" / "redis", target)
    return target


def listing(root: Path) -> dict[str, bytes | str]:
    return {str(p.relative_to(root)): (os.readlink(p) if p.is_symlink() else p.read_bytes() if p.is_file()
                                       else "special") for p in sorted(root.rglob("*"))}


def apply(app: Path, *extra: str) -> int:
    return main(["--apply", "redis-mpk2", "--app", str(app), "--workdir", str(TREE), *extra])


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("name", ["kraft.yaml", ".config"])
def test_fifo_input_is_refused_without_blocking(app, capsys, name):
    (app / name).unlink(missing_ok=True)
    os.mkfifo(app / name)
    before = listing(app)
    assert apply(app) == EXIT_INVALID
    assert one_line(capsys).startswith(f"{app / name}: is not a regular file")
    assert listing(app) == before


@pytest.mark.parametrize("name", [".config.old", "kraft.yaml.old", "kraft.yaml"])
def test_symlinked_output_is_refused_and_its_target_untouched(app, tmp_path, capsys, name):
    if name == ".config.old":
        assert apply(app) == 0  # a .config to back up
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    if name == "kraft.yaml":
        shutil.copy(app / "kraft.yaml", victim)
    (app / name).unlink(missing_ok=True)
    (app / name).symlink_to(victim)
    before, victim_before = listing(app), victim.read_bytes()
    capsys.readouterr()
    assert apply(app) == EXIT_INVALID
    assert one_line(capsys) == (f"{app / name}: is a symbolic link, not a regular file; flexui writes only "
                                "regular files: remove or rename it, then try again")
    assert listing(app) == before and victim.read_bytes() == victim_before


@pytest.mark.parametrize("text, line, message", [
    ("a: &a [*a]\n", 1, "recursive YAML alias"),
    ("\n".join(["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
               + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]) + "\n",
     6, "aliases here expand to more than"),
    ("name: redis\nbad: \x07\n", 2, "character #x0007"),
])
def test_yaml_bombs_and_control_characters_are_refused_with_their_line(app, capsys, text, line, message):
    (app / "kraft.yaml").write_text(text)
    before = listing(app)
    assert apply(app) == EXIT_INVALID
    said = one_line(capsys)
    assert said.startswith(f"{app / 'kraft.yaml'}:{line}: ") and message in said
    assert listing(app) == before


def test_config_with_bytes_that_are_not_utf8_is_reported_with_its_line(app, capsys):
    (app / ".config").write_bytes(b"CONFIG_A=y\n# ok\nCONFIG_B=\xff\n")
    before = listing(app)
    assert apply(app) == EXIT_INVALID
    assert one_line(capsys).startswith(f"{app / '.config'}:3: not UTF-8 text (byte 0xff)")
    assert listing(app) == before


PRESET = """flexui-preset: 1
name: mine
app: redis
isolation:
  mechanism: {driver: intel-pku, stacks: private, dss: true}
  compartments:
    - {name: comp1, default: true}
    - {name: comp2}
  libraries:
    tlsf: {compartment: comp1}
    pthread-embedded: {compartment: comp1}
    newlib: {compartment: comp1}
    lwip: {compartment: comp2}
    redis: {compartment: comp1}
    uksched: {compartment: comp1, is_core: true}
    ukschedcoop: {compartment: comp1, is_core: true}
"""


def preset_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(PRESET + extra)
    return path


@pytest.mark.parametrize("extra, line, message", [
    ("kconfig:\n  CONFIG_LIBUKDEBUG: n\n", 18, "is refused by Kconfig: selected by"),
    ("kconfig:\n  CONFIG_LIBFLEXOS_COMP_HEAP_SIZE: " + "1" * 4400 + "\n", 18, "cannot be read (Exceeds the limit"),
])
def test_preset_kconfig_values_kconfig_refuses_are_one_line_with_their_line(app, tmp_path, capsys, extra, line,
                                                                            message):
    preset = preset_with(tmp_path, extra)
    before = listing(app)
    assert main(["--apply", str(preset), "--app", str(app), "--workdir", str(TREE)]) == EXIT_INVALID
    errors = [e for e in capsys.readouterr().err.splitlines() if ": warning:" not in e]
    assert len(errors) == 1 and errors[0].startswith(f"{preset}:{line}: ") and message in errors[0], errors
    assert listing(app) == before


@pytest.mark.parametrize("argv, message", [
    (["--run", "--timeout", "nan"], "--timeout nan: give a number of seconds greater than 0"),
    (["--run", "--timeout", "inf"], "--timeout inf"),
    (["--run", "--timeout", "-1"], "--timeout -1.0"),
    (["--build", "--build-cmd", ""], "--build-cmd '': the command is empty"),
    (["--build", "--build-cmd", "make 'x"], "No closing quotation"),
    (["measure", "record", "--app", "redis", "--metric", "GET", "--value", "nan", "--preset", "redis-mpk2"],
     "must be finite numbers"),
    (["explore", "--app", "redis", "--metric", "GET", "--budget", "1", "--space", "generated",
      "--max-compartments", "0"], "--max-compartments must be at least 1"),
])
def test_arguments_no_action_can_use_are_refused_in_one_line(app, capsys, argv, message):
    before = listing(app)
    assert main(argv + (["--app", str(app)] if argv[0].startswith("--") else [])) == EXIT_INVALID
    assert message in one_line(capsys)
    assert listing(app) == before


def test_generated_space_of_eleven_libraries_is_refused_at_once(tmp_path, capsys):
    from flexui.model.safety.space import ConfigSpace, SpaceTooLarge

    libraries = [f"lib{i}" for i in range(11)]
    with pytest.raises(SpaceTooLarge, match="678,570 layouts"):
        ConfigSpace.generate(libraries)
    assert ConfigSpace.generate(libraries, max_compartments=2).layouts  # narrowed, it is enumerated


def test_symlinked_build_log_is_refused_and_its_target_untouched(app, tmp_path, capsys):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (app / "build").mkdir(exist_ok=True)
    (app / "build" / "flexui-build.log").symlink_to(victim)
    assert main(["--build", "--force", "--app", str(app), "--build-cmd", "true"]) == EXIT_INVALID
    assert one_line(capsys).startswith(f"{app / 'build' / 'flexui-build.log'}: is a symbolic link")
    assert victim.read_text() == "precious\n"

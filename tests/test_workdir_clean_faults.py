"""`workdir clean` and `update` over every kind of user work, with real git repositories: nothing is lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import git
import pytest
from git_helpers import make_remotes

from flexui.cli import main
from flexui.model.workdir.git import Pins, init_workdir

BUILD = r'''
import pathlib
pathlib.Path("../../unikraft/lib/ukboot/boot.c").write_text("flexos_comp1_alloc gate\n")
pathlib.Path("../../libs/lwip/linker_comp1.ld").write_text("SECTIONS {}\n")
pathlib.Path("build").mkdir(exist_ok=True)
pathlib.Path("build/redis_kvm-x86_64").write_bytes(b"\x7fELF")
'''
BOOT = Path("unikraft/lib/ukboot/boot.c")
LINKER = Path("libs/lwip/linker_comp1.ld")
API = Path("libs/lwip/src/api.c")


@pytest.fixture
def wd(tmp_path, monkeypatch) -> Path:
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var))
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(make_remotes(tmp_path / "remote")), Pins({"default": "staging"}))
    (tmp_path / "build.py").write_text(BUILD)
    return wd


def build(wd: Path) -> None:
    """A stand-in build that rewrites sources as the FlexOS toolchain does."""
    app = wd / "apps" / "redis"
    assert main(["--build", "--force", "--app", str(app), "--build-cmd",
                 f"{sys.executable} {wd.parent / 'build.py'}"]) == 0


def clean(wd: Path, *extra: str) -> int:
    return main(["workdir", "clean", str(wd), "--app", str(wd / "apps" / "redis"), *extra])


def repo(wd: Path, path: Path) -> git.Repo:
    return git.Repo(wd / path.parts[0] if path.parts[0] == "unikraft" else wd / Path(*path.parts[:2]))


def user_edit(wd: Path, kind: str) -> tuple[Path, str]:
    """Make one kind of user change after the build; return the file and the text it must keep."""
    if kind == "modified":
        (wd / API).write_text("int my_fix;\n")
        return API, "int my_fix;\n"
    if kind == "staged":
        (wd / API).write_text("int staged_fix;\n")
        repo(wd, API).index.add([str(API.relative_to("libs/lwip"))])
        return API, "int staged_fix;\n"
    if kind == "untracked":
        (wd / "libs/lwip/mine.c").write_text("int mine;\n")
        return Path("libs/lwip/mine.c"), "int mine;\n"
    if kind == "rewritten file edited after the build":
        (wd / BOOT).write_text((wd / BOOT).read_text() + "int my_debug_print;\n")
        return BOOT, "flexos_comp1_alloc gate\nint my_debug_print;\n"
    if kind == "new rewritten file edited after the build":
        (wd / LINKER).write_text("SECTIONS { my_section }\n")
        return LINKER, "SECTIONS { my_section }\n"
    if kind == "rewritten file staged with an edit":
        (wd / BOOT).write_text("staged edit\n")
        repo(wd, BOOT).index.add([str(BOOT.relative_to("unikraft"))])
        (wd / BOOT).write_text("flexos_comp1_alloc gate\n")  # the work tree back to the rewriting, the index not
        return BOOT, None
    raise AssertionError(kind)


KINDS = ["modified", "staged", "untracked", "rewritten file edited after the build",
         "new rewritten file edited after the build", "rewritten file staged with an edit"]


@pytest.mark.parametrize("kind", KINDS)
def test_plain_clean_refuses_and_changes_nothing(wd, capsys, kind):
    build(wd)
    path, _text = user_edit(wd, kind)
    before = {p: (wd / p).read_bytes() if (wd / p).exists() else None for p in (BOOT, LINKER, API, path)}
    capsys.readouterr()
    assert clean(wd) == 2
    err = capsys.readouterr().err
    assert str(path.name) in err and "--stash" in err
    assert {p: (wd / p).read_bytes() if (wd / p).exists() else None for p in before} == before
    assert (wd / "apps/redis/build").is_dir()


@pytest.mark.parametrize("kind", KINDS)
def test_keep_keeps_the_edit_and_resets_only_untouched_rewriting(wd, kind):
    build(wd)
    path, text = user_edit(wd, kind)
    assert clean(wd, "--keep") == 0
    if text is not None:
        assert (wd / path).read_text() == text
    else:
        assert repo(wd, path).git.show(f":{path.relative_to('unikraft')}") == "staged edit"
    if path != BOOT:
        assert "MARKER" in (wd / BOOT).read_text()
    if path != LINKER:
        assert not (wd / LINKER).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_stash_puts_the_edit_in_a_stash_that_brings_it_back(wd, kind):
    build(wd)
    path, text = user_edit(wd, kind)
    assert clean(wd, "--stash") == 0
    r = repo(wd, path)
    assert r.git.stash("list")
    assert not r.is_dirty(untracked_files=True) or path.parts[0] != r.working_dir
    r.git.stash("pop")
    if text is not None:
        assert (wd / path).read_text() == text


def test_a_user_commit_on_top_survives_clean_and_update_refuses_to_orphan_it(wd, capsys):
    build(wd)
    lwip = repo(wd, API)
    lwip.git.checkout("--detach")  # as init leaves a repository pinned to a commit
    (wd / API).write_text("int committed_fix;\n")
    lwip.index.add(["src/api.c"])
    mine = lwip.index.commit("my fix")
    assert clean(wd) == 0
    assert (wd / API).read_text() == "int committed_fix;\n" and lwip.head.commit == mine
    capsys.readouterr()
    assert main(["workdir", "update", str(wd), "--pins", str(pins_file(wd))]) == 2
    err = capsys.readouterr().err
    assert mine.hexsha[:12] in err and "switch -c" in err
    assert lwip.head.commit == mine
    lwip.git.switch("-c", "my-work")
    assert main(["workdir", "update", str(wd), "--pins", str(pins_file(wd))]) == 0
    assert lwip.commit("my-work") == mine


def pins_file(wd: Path) -> Path:
    path = wd.parent / "pins.yaml"
    path.write_text("refs:\n  default: staging\n")
    return path


@pytest.mark.parametrize("text", ["refs: [a, b]\n", "refs:\n  default: [x]\n", "{\n", "- 1\n"])
def test_a_malformed_pins_file_is_refused_in_one_line(wd, capsys, text):
    pins = wd.parent / "bad-pins.yaml"
    pins.write_text(text)
    assert main(["workdir", "update", str(wd), "--pins", str(pins)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{pins}:")


@pytest.mark.parametrize("entry", ["../../../victim", "/tmp/victim-abs", "src/../../../victim", ".git/config"])
def test_a_record_entry_outside_the_repository_is_refused_and_nothing_deleted(wd, tmp_path, capsys, entry):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    build(wd)
    record = wd / "apps/redis/build/flexui-rewriting.json"
    data = json.loads(record.read_text())
    data[str(wd / "libs/lwip")][entry] = None
    record.write_text(json.dumps(data))
    capsys.readouterr()
    assert clean(wd, "--keep") == 2
    assert "not a path inside" in capsys.readouterr().err
    assert victim.read_text() == "precious\n" and (wd / LINKER).exists() and (wd / "libs/lwip/.git/config").exists()


@pytest.mark.parametrize("text", ["{", "[1, 2]", '{"/nowhere": ["a"]}', '{"unikraft": 3}'])
def test_a_malformed_record_is_refused_in_one_line(wd, capsys, text):
    build(wd)
    record = wd / "apps/redis/build/flexui-rewriting.json"
    record.write_text(text)
    capsys.readouterr()
    assert clean(wd) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(record) in err[0]
    assert (wd / LINKER).exists()


def test_clean_never_removes_a_build_directory_outside_the_work_directorys_apps(wd, tmp_path, capsys):
    home = tmp_path / "home"
    (home / "build").mkdir(parents=True)
    (home / "build" / "thesis.tex").write_text("years of work\n")
    assert main(["workdir", "clean", str(wd), "--app", str(home)]) == 2
    assert "not an app of" in capsys.readouterr().err
    assert (home / "build" / "thesis.tex").exists()
    app = wd / "apps/redis"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep").write_text("x")
    (app / "build").symlink_to(tmp_path / "elsewhere")
    assert main(["workdir", "clean", str(wd), "--app", str(app)]) == 2
    assert (tmp_path / "elsewhere" / "keep").exists()


def test_a_rebuild_after_an_edit_in_a_rewritten_file_still_protects_the_edit(wd):
    build(wd)
    (wd / BOOT).write_text("flexos_comp1_alloc gate\nint mine;\n")
    build(wd)  # the stand-in toolchain writes the rewriting again, over the edit: git still has the commit
    (wd / BOOT).write_text("flexos_comp1_alloc gate\nint mine again;\n")
    assert clean(wd) == 2
    assert (wd / BOOT).read_text() == "flexos_comp1_alloc gate\nint mine again;\n"


def test_git_status_after_a_clean_with_nothing_of_the_users_is_clean(wd):
    build(wd)
    build(wd)
    assert clean(wd) == 0
    for path in (wd / "unikraft", wd / "libs/lwip"):
        assert subprocess.run(["git", "-C", str(path), "status", "--porcelain"], capture_output=True,
                              text=True).stdout == ""

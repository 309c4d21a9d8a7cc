"""GitPython against real repositories made in a temp dir: init, update, reset, refusal, stash."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import git
import pytest
from git_helpers import make_remote, make_remotes

from flexui.cli import main
from flexui.model.workdir.git import (
    Pins,
    UserChanges,
    WorkdirError,
    init_workdir,
    reset_rewriting,
    rewritten_between,
    snapshot,
    update_workdir,
    workdir_status,
)

STAGING = Pins({"default": "staging"})


@pytest.fixture
def remote(tmp_path):
    return make_remotes(tmp_path / "remote")


def test_init_clones_at_pinned_refs_and_update_follows_the_pin(tmp_path, remote):
    upstream = git.Repo(remote / "lib-lwip")
    first = upstream.head.commit.hexsha
    (remote / "lib-lwip" / "src" / "api.c").write_text("int lwip2;\n")
    upstream.index.add(["src/api.c"])
    upstream.index.commit("second")
    pins = Pins({"default": "staging", "lib-lwip": first})
    created = init_workdir(tmp_path / "wd", "redis", ["lwip"], str(remote), pins)
    assert {p.relative_to(tmp_path / "wd").as_posix() for p in created} == {"unikraft", "libs/lwip", "apps/redis"}
    assert git.Repo(tmp_path / "wd" / "libs" / "lwip").head.commit.hexsha == first
    moved = update_workdir(tmp_path / "wd", Pins({"default": "staging"}))
    assert moved[str(tmp_path / "wd" / "libs" / "lwip")] == upstream.head.commit.hexsha


def test_an_unreachable_remote_is_one_message_and_leaves_nothing(tmp_path):
    with pytest.raises(WorkdirError, match="cannot fetch unikraft"):
        init_workdir(tmp_path / "wd", "redis", ["lwip"], "https://127.0.0.1:9/nothing")
    assert list((tmp_path / "wd").iterdir()) == []


def simulate_build(wd: Path) -> dict:
    """What the FlexOS toolchain does to the sources, bracketed by flexui's snapshots."""
    repos = [wd / "unikraft", wd / "libs" / "lwip"]
    before = snapshot(repos)
    (wd / "unikraft" / "lib" / "ukboot" / "boot.c").write_text("flexos_comp1_alloc\n")
    (wd / "libs" / "lwip" / "linker_comp2.ld").write_text("SECTIONS {}\n")
    return rewritten_between(before, snapshot(repos))


def test_reset_undoes_only_the_rewriting(tmp_path, remote):
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(remote), STAGING)
    rewritten = simulate_build(wd)
    assert {repo: list(files) for repo, files in rewritten.items()} == {
        str(wd / "unikraft"): ["lib/ukboot/boot.c"], str(wd / "libs" / "lwip"): ["linker_comp2.ld"]}
    report = reset_rewriting([wd / "unikraft", wd / "libs" / "lwip"], rewritten)
    assert "MARKER" in (wd / "unikraft" / "lib" / "ukboot" / "boot.c").read_text()
    assert not (wd / "libs" / "lwip" / "linker_comp2.ld").exists() and report.reset


def test_user_changes_refuse_the_reset_naming_files_then_stash_keeps_them(tmp_path, remote):
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(remote), STAGING)
    (wd / "libs" / "lwip" / "src" / "api.c").write_text("int my_fix;\n")  # the user's own work
    rewritten = simulate_build(wd)
    repos = [wd / "unikraft", wd / "libs" / "lwip"]
    with pytest.raises(UserChanges) as refused:
        reset_rewriting(repos, rewritten)
    assert "src/api.c" in str(refused.value) and "boot.c" not in str(refused.value)
    assert "flexos_comp1_alloc" in (wd / "unikraft" / "lib" / "ukboot" / "boot.c").read_text()  # untouched
    report = reset_rewriting(repos, rewritten, stash=True)
    lwip = git.Repo(wd / "libs" / "lwip")
    assert str(wd / "libs" / "lwip") in report.stashed and "int lwip;" in (wd / "libs/lwip/src/api.c").read_text()
    lwip.git.stash("pop")
    assert (wd / "libs" / "lwip" / "src" / "api.c").read_text() == "int my_fix;\n"


def test_keep_leaves_user_changes_and_resets_the_rest(tmp_path, remote):
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(remote), STAGING)
    (wd / "libs" / "lwip" / "src" / "api.c").write_text("int my_fix;\n")
    rewritten = simulate_build(wd)
    report = reset_rewriting([wd / "unikraft", wd / "libs" / "lwip"], rewritten, keep=True)
    assert (wd / "libs" / "lwip" / "src" / "api.c").read_text() == "int my_fix;\n"
    assert report.kept == {str(wd / "libs" / "lwip"): ["src/api.c"]}


def test_cli_init_and_refused_clean(tmp_path, remote, capsys):
    wd = tmp_path / "wd"
    pins = tmp_path / "pins.yaml"
    pins.write_text("refs:\n  default: staging\n")
    assert main(["workdir", "init", str(wd), "--app", "redis", "--libs", "lwip", "--remote", str(remote),
                 "--pins", str(pins)]) == 0
    (wd / "libs" / "lwip" / "src" / "api.c").write_text("int my_fix;\n")
    assert main(["workdir", "clean", str(wd), "--app", str(wd / "apps" / "redis")]) == 2
    assert "src/api.c" in capsys.readouterr().err


def test_cli_clean_takes_the_apps_name_from_anywhere(tmp_path, remote, capsys, monkeypatch):
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(remote), STAGING)
    rewritten = simulate_build(wd)
    build = wd / "apps" / "redis" / "build"
    build.mkdir()
    (build / "flexui-rewriting.json").write_text(json.dumps(rewritten))
    monkeypatch.chdir(wd / "unikraft")  # not where the app is
    assert main(["workdir", "clean", str(wd), "--app", "redis"]) == 0
    assert "MARKER" in (wd / "unikraft" / "lib" / "ukboot" / "boot.c").read_text() and not build.exists()
    (tmp_path / "elsewhere" / "redis").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere")  # a folder of that name here is what --app names
    assert main(["workdir", "clean", str(wd), "--app", "redis"]) == 2
    assert f"{tmp_path / 'elsewhere' / 'redis'} is not an app of {wd}" in capsys.readouterr().err


def test_cli_status_tells_the_rewriting_from_user_changes(tmp_path, remote, capsys):
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(remote), STAGING)
    (wd / "libs" / "lwip" / "src" / "api.c").write_text("int my_fix;\n")
    rewritten = simulate_build(wd)
    (wd / "apps" / "redis" / "build").mkdir()
    (wd / "apps" / "redis" / "build" / "flexui-rewriting.json").write_text(json.dumps(rewritten))
    capsys.readouterr()
    assert main(["workdir", "status", str(wd)]) == 0
    out = capsys.readouterr().out
    lwip = next(block for block in out.split(str(wd) + "/")[1:] if block.startswith("libs/lwip"))
    assert "FlexOS rewriting (1 file(s)): linker_comp2.ld" in lwip and "your changes: src/api.c" in lwip
    assert "NOT at pin" in out  # the shipped pins name commits these stand-in remotes do not have
    assert main(["workdir", "status", str(tmp_path / "empty")]) == 2
    assert "flexui workdir init" in capsys.readouterr().err


def test_a_file_the_user_changed_before_the_build_is_never_reset(tmp_path, remote):
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(remote), STAGING)
    boot = wd / "unikraft" / "lib" / "ukboot" / "boot.c"
    boot.write_text("my own boot change\n")
    rewritten = simulate_build(wd)  # the toolchain rewrites the same file
    assert str(wd / "unikraft") not in rewritten
    with pytest.raises(UserChanges, match=r"lib/ukboot/boot\.c"):
        reset_rewriting([wd / "unikraft", wd / "libs" / "lwip"], rewritten)
    assert boot.read_text() == "flexos_comp1_alloc\n"


def test_update_refuses_a_dirty_repository_and_moves_nothing_then_follows_the_branch(tmp_path, remote):
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(remote), STAGING)
    upstream = git.Repo(remote / "unikraft")
    (remote / "unikraft" / "README").write_text("new\n")
    upstream.index.add(["README"])
    upstream.index.commit("second")
    before = git.Repo(wd / "unikraft").head.commit.hexsha
    (wd / "apps" / "redis" / "main.c").write_text("edited\n")
    with pytest.raises(WorkdirError, match=r"apps/redis: main.c"):
        update_workdir(wd, STAGING)
    assert git.Repo(wd / "unikraft").head.commit.hexsha == before  # unikraft comes first, yet did not move
    assert (wd / "apps" / "redis" / "main.c").read_text() == "edited\n"
    git.Repo(wd / "apps" / "redis").git.checkout("main.c")
    assert update_workdir(wd, STAGING)[str(wd / "unikraft")] == upstream.head.commit.hexsha


def test_cli_init_takes_the_external_libraries_from_the_embedded_app(tmp_path, capsys):
    root = tmp_path / "remote"
    for name in ["unikraft", "app-redis", "lib-lwip", "lib-newlib", "lib-pthread-embedded", "lib-redis", "lib-tlsf"]:
        make_remote(root, name, {"README": name})
    pins = tmp_path / "pins.yaml"
    pins.write_text("refs:\n  default: staging\n")
    assert main(["workdir", "init", str(tmp_path / "wd"), "--app", "redis", "--remote", str(root),
                 "--pins", str(pins)]) == 0
    assert sorted(p.name for p in (tmp_path / "wd" / "libs").iterdir()) == [
        "lwip", "newlib", "pthread-embedded", "redis", "tlsf"]  # uksched and ukschedcoop are part of unikraft


def git_children() -> list[str]:
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        comm, rest = stat.split("(", 1)[1].rsplit(")", 1)
        if comm == "git" and int(rest.split()[1]) == os.getpid() and rest.split()[0] != "Z":
            out.append(Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " "))
    return out


def test_no_git_process_outlives_the_call_that_started_it(tmp_path, remote):
    """GitPython's `git cat-file` helpers end with their Repo; left to a garbage collection, in a Dask
    worker they ended inside the profiler and deadlocked it (no_profiler.py). Collections are off here."""
    wd = tmp_path / "wd"
    gc.collect()  # the fixture's own Repos
    gc.disable()
    try:
        init_workdir(wd, "redis", ["lwip"], str(remote), STAGING)
        reset_rewriting([wd / "unikraft", wd / "libs" / "lwip"], simulate_build(wd))
        workdir_status(wd, STAGING)
        update_workdir(wd, STAGING)
        assert git_children() == []
    finally:
        gc.enable()

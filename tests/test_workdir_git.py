"""GitPython against real repositories made in a temp dir: init, update, reset, refusal, stash."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from flexui.cli import main
from flexui.model.workdir_git import (Pins, UserChanges, WorkdirError, init_workdir, reset_rewriting,
                                      rewritten_between, snapshot, update_workdir)


def make_remote(root: Path, name: str, files: dict[str, str]) -> git.Repo:
    repo = git.Repo.init(root / name, initial_branch="staging")
    with repo.config_writer() as c:
        c.set_value("user", "name", "t").set_value("user", "email", "t@example.org")
    for path, text in files.items():
        (root / name / path).parent.mkdir(parents=True, exist_ok=True)
        (root / name / path).write_text(text)
    repo.index.add(list(files))
    repo.index.commit("first")
    return repo


STAGING = Pins({"default": "staging"})


@pytest.fixture
def remote(tmp_path):
    root = tmp_path / "remote"
    make_remote(root, "unikraft", {"lib/ukboot/boot.c": "/* __FLEXOS MARKER__: uksched allocator */\n"})
    make_remote(root, "lib-lwip", {"src/api.c": "int lwip;\n"})
    make_remote(root, "app-redis", {"main.c": "int main;\n"})
    return root


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
    assert rewritten == {str(wd / "unikraft"): ["lib/ukboot/boot.c"], str(wd / "libs" / "lwip"): ["linker_comp2.ld"]}
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

"""`flexui --apply P --build --run` end to end, with a stand-in build that produces our test kernel."""

from __future__ import annotations

import json
import shutil
import sys

import git
from git_helpers import make_remotes
from qemu_kernel_build import build_kernel

from flexui.cli import main
from flexui.model.workdir_git import Pins, init_workdir
from flexui.paths import embedded_tree


def test_stand_in_apply_build_run_chain_and_up_to_date(tmp_path, capfd):
    app = tmp_path / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app)
    kernel = build_kernel(tmp_path, 0)
    copy = f"{sys.executable} -c \"import shutil,os; os.makedirs('build', exist_ok=True); " \
           f"shutil.copy('{kernel}', 'build/redis_kvm-x86_64')\""
    args = ["--apply", "redis-mpk2", "--app", str(app), "--build", "--build-cmd", copy,
            "--run", "--accel", "tcg", "--timeout", "20"]
    assert main(args) == 0
    out, err = capfd.readouterr()
    assert "PKU: yes" in out and "built redis_kvm-x86_64" in err and "guest exited with status 0" in err
    assert main(args) == 0
    assert "image up to date" in capfd.readouterr().err


def test_stand_in_failed_build_exits_3_and_does_not_run(tmp_path, capfd):
    app = tmp_path / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app)
    fail = f"{sys.executable} -c \"print('main.c:1: error: boom'); raise SystemExit(0)\""
    assert main(["--build", "--app", str(app), "--build-cmd", fail, "--run"]) == 3
    err = capfd.readouterr().err
    assert "main.c:1: error: boom" in err and "did not produce" in err and "guest" not in err


REWRITING_BUILD = r'''
import pathlib, sys
boot = pathlib.Path("../../unikraft/lib/ukboot/boot.c")
boot.write_text("flexos_comp1_alloc gate\n")
pathlib.Path("../../libs/lwip/linker_comp1.ld").write_text("SECTIONS {}\n")
print("  CC      lib/ukboot/boot.o", flush=True)
pathlib.Path("build").mkdir(exist_ok=True)
pathlib.Path("build/redis_kvm-x86_64").write_bytes(b"\x7fELF")
'''


def test_stand_in_build_in_a_git_workdir_is_recorded_up_to_date_and_cleaned(tmp_path, capfd):
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(make_remotes(tmp_path / "remote")), Pins({"default": "staging"}))
    app = wd / "apps" / "redis"
    (tmp_path / "rewrite.py").write_text(REWRITING_BUILD)
    (wd / "libs" / "lwip" / "src" / "api.c").write_text("int my_fix;\n")  # the user's own work
    build = ["--build", "--app", str(app), "--build-cmd", f"{sys.executable} {tmp_path / 'rewrite.py'}"]
    assert main(build) == 0
    record = json.loads((app / "build" / "flexui-build.json").read_text())
    lwip = record["sources"][str(wd / "libs" / "lwip")]
    assert lwip["commit"] == git.Repo(wd / "libs" / "lwip").head.commit.hexsha and list(lwip["dirty"]) == ["src/api.c"]
    assert main(build) == 0 and "image up to date" in capfd.readouterr().err  # the rewriting is not a change
    assert main(["workdir", "status", str(wd)]) == 0
    assert "FlexOS rewriting (1 file(s)): lib/ukboot/boot.c" in capfd.readouterr().out
    assert main(["workdir", "clean", str(wd), "--app", str(app)]) == 2
    assert "src/api.c" in capfd.readouterr().err
    assert main(["workdir", "clean", str(wd), "--app", str(app), "--stash"]) == 0
    assert "MARKER" in (wd / "unikraft" / "lib" / "ukboot" / "boot.c").read_text()
    assert not (wd / "libs" / "lwip" / "linker_comp1.ld").exists() and not (app / "build").exists()
    git.Repo(wd / "libs" / "lwip").git.stash("pop")
    assert (wd / "libs" / "lwip" / "src" / "api.c").read_text() == "int my_fix;\n"

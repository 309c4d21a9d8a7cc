"""`flexui --apply P --build --run` end to end, with a stand-in build that produces our test kernel."""

from __future__ import annotations

import json
import os
import shutil
import sys

import git
from git_helpers import make_remotes
from qemu_kernel_build import build_kernel

from flexui.cli import main
from flexui.model.workdir.git import Pins, init_workdir
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


def _kraft_yaml(lwip_compartment: str) -> str:
    return ("specification: '0.6'\nname: redis\ncompartments:\n"
            "  - name: comp1\n    mechanism: {driver: intel-pku}\n    default: true\n"
            "  - name: comp2\n    mechanism: {driver: intel-pku}\n"
            f"libraries:\n  lwip:\n    compartment: {lwip_compartment}\n")


def _workdir(tmp_path):
    remotes = make_remotes(tmp_path / "remote")
    lwip = git.Repo(remotes / "lib-lwip")
    (remotes / "lib-lwip" / "Makefile.uk").write_text(
        "LIBLWIP_VERSION=2.1.2\nLIBLWIP_URL=http://example.invalid/lwip-$(LIBLWIP_VERSION).zip\n"
        "$(eval $(call fetch,liblwip,$(LIBLWIP_URL)))\n")
    lwip.index.add(["Makefile.uk"])
    lwip.index.commit("fetch rule")
    wd = tmp_path / "wd"
    init_workdir(wd, "redis", ["lwip"], str(remotes), Pins({"default": "staging"}))
    app = wd / "apps" / "redis"
    (app / "kraft.yaml").write_text(_kraft_yaml("comp2"))
    return wd, app


OFFLINE_BUILD = r'''
import pathlib, sys
archive = pathlib.Path("build/liblwip/lwip-2.1.2.zip")
if not archive.is_file():
    print("  WGET    liblwip: http://example.invalid/lwip-2.1.2.zip", flush=True)
    print("make[1]: *** [build/liblwip/lwip-2.1.2.zip] Error 4", flush=True)
    sys.exit(2)
pathlib.Path("../../unikraft/lib/ukboot/boot.c").write_text("gate for " + sys.argv[1] + "\n")
pathlib.Path("build", pathlib.Path.cwd().name + "_kvm-x86_64").write_bytes(b"\x7fELF")
'''


def test_stand_in_offline_build_names_the_missing_archive_and_uses_the_remembered_sources(tmp_path, capfd):
    wd, app = _workdir(tmp_path)
    (tmp_path / "offline.py").write_text(OFFLINE_BUILD)
    build = ["--build", "--app", str(app), "--build-cmd", f"{sys.executable} {tmp_path / 'offline.py'} x"]
    assert main(build) == 3
    err = capfd.readouterr().err
    assert ("liblwip needs lwip-2.1.2.zip (http://example.invalid/lwip-2.1.2.zip), which could not be downloaded; "
            "put it in a directory and build once with `flexui --build --sources DIR`") in err
    assert "Error 4" not in err  # the cause in one line, not make's consequences
    sources = tmp_path / "archives"
    sources.mkdir()
    (sources / "lwip-2.1.2.zip").write_bytes(b"PK zip")
    assert main([*build, "--sources", str(sources)]) == 0
    assert (app / "build" / "liblwip" / "lwip-2.1.2.zip").read_bytes() == b"PK zip"
    assert main(["workdir", "clean", str(wd), "--app", str(app)]) == 0 and not (app / "build").exists()
    assert main(build) == 0  # the sources directory survived the clean
    assert "source archive lwip-2.1.2.zip" in capfd.readouterr().out


def test_stand_in_build_of_another_layout_over_the_rewriting_is_refused_or_reset_first(tmp_path, capfd):
    wd, app = _workdir(tmp_path)
    (tmp_path / "offline.py").write_text(OFFLINE_BUILD)
    sources = tmp_path / "archives"
    sources.mkdir()
    (sources / "lwip-2.1.2.zip").write_bytes(b"PK")
    build = ["--build", "--app", str(app), "--sources", str(sources), "--build-cmd"]
    assert main([*build, f"{sys.executable} {tmp_path / 'offline.py'} comp2"]) == 0
    (app / "kraft.yaml").write_text(_kraft_yaml("comp1"))
    capfd.readouterr()
    assert main([*build, f"{sys.executable} {tmp_path / 'offline.py'} comp1"]) == 2
    err = capfd.readouterr().err
    assert "still holds the FlexOS rewriting of another isolation layout (1 file(s))" in err and "--reset" in err
    boot = wd / "unikraft" / "lib" / "ukboot" / "boot.c"
    assert boot.read_text() == "gate for comp2\n"  # nothing touched
    assert main([*build, f"{sys.executable} {tmp_path / 'offline.py'} comp1", "--reset"]) == 0
    assert boot.read_text() == "gate for comp1\n"
    (app / "kraft.yaml").write_text(_kraft_yaml("comp1"))
    assert main([*build, f"{sys.executable} {tmp_path / 'offline.py'} comp1"]) == 0  # same layout: no refusal


def test_flexos_build_with_missing_prerequisites_lists_them_all_and_exits_2(tmp_path, capfd, monkeypatch):
    wd, app = _workdir(tmp_path)
    (wd / "unikraft" / "Makefile").write_text("all:\n")
    (app / "Makefile").write_text("all:\n")
    (app / ".config").write_text("CONFIG_LIBFLEXOS=y\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "gcc", "kraft"):
        (bin_dir / tool).write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("UK_CACHEDIR", str(tmp_path / "no-cache"))
    assert main(["--build", "--app", str(app)]) == 2
    err = capfd.readouterr().err
    assert "missing prerequisites" in err and "kraft list update" in err
    assert "spatch: Coccinelle" in err and "flex: apt-get install flex" in err and "bison:" in err
    assert "gcc:" not in err and not (app / "build").exists()


def test_flexos_build_without_a_config_says_so_instead_of_starting_menuconfig(tmp_path, capfd):
    wd, app = _workdir(tmp_path)
    (wd / "unikraft" / "Makefile").write_text("all:\n")
    (app / "Makefile").write_text("all:\n")
    assert main(["--build", "--app", str(app)]) == 2
    assert "has no .config (the build would start the interactive menuconfig)" in capfd.readouterr().err


def test_stand_in_build_then_status_and_clean_with_relative_paths_tell_the_rewriting_apart(tmp_path, capfd,
                                                                                          monkeypatch):
    wd, app = _workdir(tmp_path)
    (tmp_path / "offline.py").write_text(OFFLINE_BUILD)
    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "lwip-2.1.2.zip").write_bytes(b"PK")
    assert main(["--build", "--app", str(app), "--sources", str(tmp_path / "archives"),
                 "--build-cmd", f"{sys.executable} {tmp_path / 'offline.py'} x"]) == 0
    monkeypatch.chdir(tmp_path)
    capfd.readouterr()
    assert main(["workdir", "status", "wd"]) == 0
    out = capfd.readouterr().out
    assert "FlexOS rewriting (1 file(s)): lib/ukboot/boot.c" in out and "your changes" not in out
    assert main(["workdir", "clean", "wd", "--app", "wd/apps/redis"]) == 0
    assert "MARKER" in (wd / "unikraft" / "lib" / "ukboot" / "boot.c").read_text()


def test_flexui_in_an_empty_directory_says_where_it_keeps_the_sample_app(tmp_path, monkeypatch):
    from flexui.cli import _open_ui, build_parser

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    opened = {}
    assert _open_ui(lambda app_dir, **kw: opened.update(app_dir=app_dir, **kw) or 0, build_parser().parse_args([])) == 0
    assert str(opened["app_dir"]).startswith(str(tmp_path / "data"))
    assert f"editing flexui's own copy of the sample app in {opened['app_dir']}" in opened["notice"]


STANDIN_KRAFT = """#!/bin/sh
# stand-in for `kraft list update`: one cache entry per origin of $KRAFTRC
mkdir -p "$UK_CACHEDIR/cache"
grep -o '"[^"]*"' "$KRAFTRC" | tr -d '"' | while read origin; do
  git -C "$origin" rev-parse HEAD > "$UK_CACHEDIR/cache/$(basename "$origin")" || exit 1
done
"""


def test_standin_kraft_cache_is_set_up_offline_from_the_workdirs_own_repositories(tmp_path, capfd, monkeypatch):
    from flexui.model.build.prereqs import check_build
    from flexui.model.build.runner import plan_build

    wd, app = _workdir(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kraft").write_text(STANDIN_KRAFT)
    (bin_dir / "kraft").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert any("package cache" in m.what for m in check_build(plan_build(app, workdir=wd).env))
    assert main(["workdir", "kraft-cache", str(wd)]) == 0
    assert "unikraft, lib-lwip, app-redis" in capfd.readouterr().out
    env = plan_build(app, workdir=wd).env
    assert env["KRAFTRC"].startswith(str(wd)) and not any("package cache" in m.what for m in check_build(env))
    cached = sorted(p.name for p in (wd / ".flexui-kraft" / "cache" / "cache").iterdir())
    assert cached == ["app-redis", "lib-lwip", "unikraft"]
    assert not (tmp_path / "home" / ".kraftrc").exists()  # the user's kraft settings are left alone


def test_stand_in_build_of_another_app_over_the_first_apps_rewriting_is_refused(tmp_path, capfd):
    wd, app = _workdir(tmp_path)
    (tmp_path / "offline.py").write_text(OFFLINE_BUILD)
    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "lwip-2.1.2.zip").write_bytes(b"PK")
    build = ["--build", "--sources", str(tmp_path / "archives"), "--build-cmd",
             f"{sys.executable} {tmp_path / 'offline.py'} x"]
    assert main([*build, "--app", str(app)]) == 0
    other = wd / "apps" / "nginx"
    shutil.copytree(app, other, ignore=shutil.ignore_patterns("build", ".git"))
    capfd.readouterr()
    assert main([*build, "--app", str(other)]) == 2
    assert "FlexOS rewriting of redis's build (1 file(s))" in capfd.readouterr().err
    assert main(["workdir", "clean", str(wd), "--app", str(app)]) == 0
    assert main([*build, "--app", str(other)]) == 0

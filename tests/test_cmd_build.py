"""`flexui --apply P --build --run` end to end, with a stand-in build that produces our test kernel."""

from __future__ import annotations

import shutil
import sys

from qemu_kernel_build import build_kernel

from flexui.cli import main
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

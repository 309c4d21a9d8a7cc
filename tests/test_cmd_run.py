"""`flexui --run` boots an image from the command line; exit codes tell the outcome."""

from __future__ import annotations

import shutil

import pytest
from qemu_kernel_build import build_kernel

from flexui.cli import main
from flexui.paths import embedded_tree

pytestmark = pytest.mark.xdist_group("qemu")  # guests with timeouts: one at a time, on one worker


def test_run_an_image_and_exit_with_its_outcome(tmp_path, capfd):
    assert main(["--run", "--image", str(build_kernel(tmp_path, 0)), "--accel", "tcg"]) == 0
    out, err = capfd.readouterr()
    assert "flexui test kernel: hello" in out and "guest exited with status 0" in err
    assert main(["--run", "--image", str(build_kernel(tmp_path, 2)), "--accel", "tcg"]) == 3


def test_the_apps_built_image_is_found_and_a_missing_one_is_invalid_input(tmp_path, capfd):
    app = tmp_path / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", app)
    assert main(["--run", "--app", str(app)]) == 2
    assert "build one with --build" in capfd.readouterr().err
    (app / "build").mkdir()
    shutil.copy(build_kernel(tmp_path, 0), app / "build" / "redis_kvm-x86_64")
    assert main(["--run", "--app", str(app), "--accel", "tcg", "--timeout", "20"]) == 0
    assert "PKU: yes" in capfd.readouterr().out  # redis's kraft.yaml is MPK: -cpu max


def test_a_guest_that_times_out_exits_3_and_a_missing_image_2(tmp_path, capfd):
    hang = build_kernel(tmp_path, 0, hang=True)
    assert main(["--run", "--image", str(hang), "--accel", "tcg", "--timeout", "1"]) == 3
    assert "timed out" in capfd.readouterr().err
    assert main(["--run", "--image", str(tmp_path / "none.elf")]) == 2
    assert "none.elf: no such image" in capfd.readouterr().err

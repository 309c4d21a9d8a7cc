"""The built wheel works on its own: installed in a fresh venv, it applies presets and opens the UI.

An editable install reads the tree, presets, benchdata and benchspecs from the
checkout; the wheel must carry them (setup.py copies them to flexui/data/).
Slow (a real build and a real `pip install` of the wheel and its dependencies).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pty_terminal import TEXTUAL_STARTED, Terminal

from flexui.model.vocabulary import MAKE_VARS_FILE
from flexui.paths import embedded_tree

pytestmark = [pytest.mark.wheel, pytest.mark.xdist_group("wheel")]

ROOT = Path(__file__).resolve().parent.parent
CACHES = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info")
NOT_SOURCES = {".git", "build", "dist", "tests", "benchmarks"}  # at the top of the checkout
APP_FILES = ("kraft.yaml", ".config", MAKE_VARS_FILE)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{command[:4]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv with the wheel built from a copy of this checkout (the checkout stays clean)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=lambda d, names: set(CACHES(d, names)) | (
        NOT_SOURCES.intersection(names) if Path(d) == ROOT else set()))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp / "dist"),
         str(source)])
    wheel, = (tmp / "dist").glob("flexui-*.whl")
    run([sys.executable, "-m", "venv", str(tmp / "venv")])
    run([str(tmp / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)])
    return tmp / "venv"


@pytest.fixture
def user_env(tmp_path) -> dict[str, str]:
    """No user presets, recent apps or learned colours of the machine running the tests."""
    env = {var: str(tmp_path / var.lower()) for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    return {**env, "TERM": "xterm-256color", "PYTHONDONTWRITEBYTECODE": "1"}


def sample_app(parent: Path) -> Path:
    target = parent / "redis"
    shutil.copytree(embedded_tree() / "apps" / "redis", target,
                    ignore=shutil.ignore_patterns(".config", "*.old", MAKE_VARS_FILE, "build"))
    return target


def without_paths(config: str) -> list[str]:
    """A .config without the lines naming where the tree and the app are."""
    return [line for line in config.splitlines() if not line.startswith(("CONFIG_UK_BASE=", "CONFIG_UK_APP="))]


def test_the_installed_wheel_applies_a_shipped_preset_as_the_checkout_does(venv, user_env, tmp_path):
    env = {**os.environ, **user_env}
    installed, checkout = sample_app(tmp_path / "installed"), sample_app(tmp_path / "checkout")
    done = run([str(venv / "bin" / "flexui"), "--app", str(installed), "--apply", "redis-mpk2"],
               cwd=tmp_path, env=env)
    assert "Applied preset redis-mpk2" in done.stdout and "Intel MPK" in done.stdout
    run([sys.executable, "-m", "flexui", "--app", str(checkout), "--apply", "redis-mpk2"], cwd=tmp_path, env=env)
    for name in ("kraft.yaml", MAKE_VARS_FILE):
        assert (installed / name).read_bytes() == (checkout / name).read_bytes(), name
    config = (installed / ".config").read_text()
    assert f'CONFIG_UK_BASE="{venv}' in config  # the wheel's own copy of the tree, not the checkout's
    assert "CONFIG_LIBFLEXOS_INTELPKU=y" in config
    assert without_paths(config) == without_paths((checkout / ".config").read_text())


def test_the_installed_wheel_reads_its_own_presets_benchdata_and_benchspecs(venv, user_env, tmp_path):
    env, flexui = {**os.environ, **user_env}, str(venv / "bin" / "flexui")
    missing = subprocess.run([flexui, "--app", str(sample_app(tmp_path)), "--apply", "nope"],
                             capture_output=True, text=True, cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "known presets: " in missing.stderr and "redis-mpk2," in missing.stderr
    assert "shipped  redis    GET" in run([flexui, "measure", "list"], cwd=tmp_path, env=env).stdout
    where = run([str(venv / "bin" / "python"), "-c", "from flexui.model.explore.bench_spec import find_spec; "
                 "print(find_spec('redis'))"], cwd=tmp_path, env=env).stdout.strip()
    assert where.startswith(str(venv)) and where.endswith("redis.yaml")


def test_the_installed_wheel_opens_the_ui_in_a_terminal(venv, user_env, tmp_path):
    app = sample_app(tmp_path)
    term = Terminal([str(venv / "bin" / "flexui"), "--app", str(app)], cwd=tmp_path,
                    env={**user_env, "FLEXUI_FIRST_FRAME": "0"})
    try:
        shown = term.read_until(b"Architecture Selection", timeout=120)
        assert TEXTUAL_STARTED in shown.split(b"Architecture Selection")[0]  # painted by Textual
        term.read_until(b"Compartments")  # the tab bar, styled from the wheel's .tcss files
        time.sleep(0.3)
        term.type(b"q")
    finally:
        code = term.close()
    assert code == 0

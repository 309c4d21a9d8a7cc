"""The lint and type checks, run by the suite so that `.ci/run` and the README's test command keep them green.

Their rules live in pyproject.toml ([tool.ruff], [tool.mypy]).
"""

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing():
    result = run("ruff", "check", "--no-cache", str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr


def package_tree(into: Path) -> tuple[Path, dict[str, str]]:
    """Links laid out as flexui is imported (package-dir puts flexui.model in model/), and that mapping."""
    tomllib = pytest.importorskip("tomllib")
    package_dir = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"].get("package-dir", {})
    if not package_dir:
        return ROOT, {}
    mapped = {name.replace(".", "/"): source for name, source in package_dir.items()}
    for where, source in sorted(mapped.items()):
        target = into / where
        if where == "flexui":
            target.mkdir(parents=True)
            for entry in (ROOT / source).iterdir():
                if f"flexui/{entry.name}" not in mapped:
                    (target / entry.name).symlink_to(entry)
        else:
            target.symlink_to(ROOT / source, target_is_directory=True)
    return into, mapped


def test_mypy_finds_nothing():
    # Kept between runs, so that mypy's cache (keyed by path) makes the next run fast.
    work = Path(tempfile.gettempdir()) / f"flexui-mypy-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}"
    shutil.rmtree(work / "tree", ignore_errors=True)
    tree, mapped = package_tree(work / "tree")
    result = run("mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(work / "cache"),
                 "-p", "flexui", cwd=tree)
    report = result.stdout + result.stderr
    for where, source in sorted(mapped.items(), key=lambda m: -len(m[0])):
        report = report.replace(f"{where}/", f"{source}/")
    assert result.returncode == 0, report

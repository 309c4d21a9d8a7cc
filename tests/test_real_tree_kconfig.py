"""Every app of a real FlexOS work directory (FLEXUI_REAL_TREE) opens as kraft and Unikraft would.

Unikraft's own Kconfig tool (the C `conf`, built by its Makefile into a
private build directory) is the judge: `make defconfig` over the UK_DEFCONFIG
kraft generates gives what `kraft configure` gives, and `make olddefconfig`
must not change a value of a `.config` flexui wrote. Everything runs on a
copy of the work directory under a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from flexui.model.isolation.kraftyaml import load_kraft
from flexui.model.kconfig.dotconfig import config_text, read_assignments
from flexui.model.kconfig.kraft_configure import kraft_defconfig
from flexui.model.kconfig.tree import app_library_names, locate
from flexui.model.session.edit_session import Session

REAL = os.environ.get("FLEXUI_REAL_TREE")
APPS = sorted(p.name for p in (Path(REAL) / "apps").iterdir()
              if (p / "kraft.yaml").is_file()) if REAL and (Path(REAL) / "apps").is_dir() else []
TOOLS = ("make", "cc", "flex", "bison")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A private copy of the real work directory (apps without their .config)."""
    if not REAL:
        pytest.skip("FLEXUI_REAL_TREE is not set: no real FlexOS work directory to test against")
    copy = tmp_path_factory.mktemp("realtree")
    for part in ("unikraft", "libs"):
        shutil.copytree(Path(REAL) / part, copy / part, symlinks=True)
    shutil.copytree(Path(REAL) / "apps", copy / "apps", symlinks=True,
                    ignore=shutil.ignore_patterns(".git", ".config", ".config.old", "build"))
    return copy


def unikraft_make(workdir: Path, app: Path, build: Path, *goal: str) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"Unikraft's Kconfig tool needs {', '.join(missing)} to build")
    libs = ":".join(str(workdir / "libs" / n) for n in app_library_names(app)
                    if (workdir / "libs" / n).is_dir())
    done = subprocess.run(["make", "-C", str(workdir / "unikraft"), f"A={app}", f"L={libs}",
                           f"O={build}", *goal], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def values(path: Path) -> dict[str, str]:
    return read_assignments(path)[0]


def body(text: str) -> list[str]:
    """A .config without its header comment (the tool that wrote it)."""
    lines = text.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("CONFIG_")):]


@pytest.mark.parametrize("name", APPS)
def test_kconfig_sees_exactly_the_apps_libraries_in_its_order(name, workdir, tmp_path):
    app = workdir / "apps" / name
    kraft = load_kraft(app / "kraft.yaml")
    session = Session.open(app, workdir=locate(workdir=workdir), build_dir=tmp_path / "kb")
    wanted = [n for n, e in kraft.data["libraries"].items()
              if not (isinstance(e, dict) and e.get("is_core"))]
    assert list(session.loaded.libraries) == wanted
    sourced = (tmp_path / "kb" / "kconfig" / "libs.uk").read_text().splitlines()
    external = [Path(line.split('"')[1]).parent.name for line in sourced
                if f"{workdir / 'libs'}/" in line]
    assert external == wanted
    makefile = app / "Makefile"
    if makefile.is_file():  # the app's plain-make build names the same libraries
        assert set(app_library_names(app, {})) == set(wanted)


@pytest.mark.parametrize("name", APPS)
def test_fresh_open_is_kraft_configure_and_a_fixed_point_of_olddefconfig(name, workdir, tmp_path):
    app = tmp_path / name
    shutil.copytree(workdir / "apps" / name, app, symlinks=True)
    wd = locate(workdir=workdir)
    defconfig = tmp_path / "kraft.defconfig"
    defconfig.write_text("".join(f"CONFIG_{a.symbol}={a.value}\n"
                                 for a in kraft_defconfig(load_kraft(app / "kraft.yaml"), wd)))
    unikraft_make(workdir, app, tmp_path / "build", f"UK_DEFCONFIG={defconfig}", "defconfig")
    kraft_text = (app / ".config").read_text()
    (app / ".config").unlink()

    session = Session.open(app, workdir=wd, build_dir=tmp_path / "kb")
    ours = config_text(session.kconf)
    differences = sorted(set(body(ours)) ^ set(body(kraft_text)))
    print(f"{name}: fresh open vs kraft configure: {len(differences)} differing lines")
    assert differences == []
    assert body(ours) == body(kraft_text)

    (app / ".config").write_text(ours)
    unikraft_make(workdir, app, tmp_path / "build", "olddefconfig")
    before, after = values_of_text(ours, tmp_path), values(app / ".config")
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    print(f"{name}: values make olddefconfig changes in flexui's .config: {len(changed)}")
    assert changed == set()


@pytest.mark.parametrize("name", APPS)
def test_a_kraft_configured_config_opens_unchanged_and_agrees_with_kraft_yaml(name, workdir,
                                                                            tmp_path):
    app = tmp_path / name
    shutil.copytree(workdir / "apps" / name, app, symlinks=True)
    wd = locate(workdir=workdir)
    defconfig = tmp_path / "kraft.defconfig"
    defconfig.write_text("".join(f"CONFIG_{a.symbol}={a.value}\n"
                                 for a in kraft_defconfig(load_kraft(app / "kraft.yaml"), wd)))
    unikraft_make(workdir, app, tmp_path / "build", f"UK_DEFCONFIG={defconfig}", "defconfig")
    text = (app / ".config").read_text()
    session = Session.open(app, workdir=wd, build_dir=tmp_path / "kb")
    assert body(config_text(session.kconf)) == body(text)
    assert session.kraft_disagreements() == [] and not session.dirty
    assert [str(p) for p in session.problems() if p.severity == "error"] == []


def values_of_text(text: str, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "written.config"
    path.write_text(text)
    return values(path)

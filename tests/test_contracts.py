"""The architecture's seams, held by tests: what may import what.

1. `flexui.model` and the headless CLI (`--apply`, `--build`, `--run`, `explore`,
   `workdir`, `measure`) import neither Textual nor Rich: checked by running them
   in a subprocess and reading `sys.modules`, and by walking the import graph of
   the source (every import, also inside functions, except the UI's own entry
   `cli.launch_ui`; `if TYPE_CHECKING:` blocks aside).
2. The first frame (`flexui/first_frame.py`, drawn before Textual loads) imports
   no Textual: same two checks.
3. Screens reach the model through the session. What `screens/` may import from
   `flexui.model`:
   - the session package, `flexui.model.session` (the way in, and the events out);
   - data: constants, dataclasses, enums, named tuples and exceptions of any model
     module, values the screen shows or hands back;
   - VIEW_HELPERS: functions and classes that compute what to show from values the
     screen already holds (menu navigation, search, summaries, layouts), reading no
     file and changing nothing;
   - PIPELINES: long work that a screen starts in a worker and that the CLI runs too,
     the same function for both (one pipeline per action): build, boot, the
     closed loop.
   File reads and writes (presets, .config, the journal, the dot export, what the
   build needs) are session methods, never imported by a screen.
   Importing a model module itself (`from flexui.model.kconfig import menu`) gives
   the screen all of it, so only the session package may be imported so.
   Anything else fails here: put it behind the session, or, if it truly only
   computes a view, add it to VIEW_HELPERS.

The walks find files recursively and resolve module names through the import
system, so they hold whatever the package layout is.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flexui.cli import HEADLESS_ACTIONS, SUBCOMMANDS
from flexui.paths import embedded_tree

UI_LIBRARIES = ("textual", "rich")
UI_ENTRY = {("flexui.cli", "launch_ui")}  # where the headless CLI hands over to the UI

VIEW_HELPERS = {
    "flexui.model.kconfig.menu": {"MenuNavigator", "Row", "parse_entry", "value_str", "prefers_toggle",
                                  "changeable", "needs_entry", "toggled_value", "is_y_choice_symbol",
                                  "key_value", "prompt_of"},
    "flexui.model.kconfig.search": {"SearchIndex"},
    "flexui.model.kconfig.info": {"entry_info"},
    "flexui.model.kconfig.explain": {"explain", "plan_fix", "plan_label"},
    "flexui.model.kconfig.values": {"range_text"},
    "flexui.model.isolation.design": {"apply_point"},
    "flexui.model.isolation.board": {"compartment_board"},
    "flexui.model.perf.cost_breakdown": {"breakdown"},
    "flexui.model.perf.estimator": {"project"},
    "flexui.model.perf.symbol_costs": {"symbol_costs"},
    "flexui.model.presets.compare": {"compare", "mechanism_label", "summary"},
    "flexui.model.safety.budget_answer": {"safest_within"},
    "flexui.model.safety.dot": {"marks"},
    "flexui.model.safety.exploration": {"parse_budget"},
    "flexui.model.safety.hasse": {"around", "layout", "legend", "zoom_for"},
    "flexui.model.safety.order": {"lt"},
    "flexui.model.safety.summary": {"default_metric", "next_safer_steps", "summarize", "with_unit"},
    "flexui.model.run.qemu_command": {"run_spec_for"},
}
PIPELINES = {
    "flexui.model.workdir.rewriting": {"build_in_workdir"},
    "flexui.model.run.qemu_runner": {"run"},
    "flexui.model.explore.closed_loop": {"run_loop"},
    "flexui.model.explore.engine": {"DaskEngine"},
    "flexui.model.workdir.git": {"create_workdir"},
}


# -- the import graph of the source ------------------------------------------------------------
def source_of(module: str) -> Path | None:
    """The file of one of our modules (a package's __init__), None for anything not flexui's."""
    if module.split(".")[0] != "flexui":
        return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


def module_name(path: Path) -> str:
    """`flexui.model.x.y` of a file found by walking the package directories."""
    for root in sorted(roots(), key=lambda r: len(str(r[1])), reverse=True):
        name, directory = root
        if path.is_relative_to(directory):
            parts = [name, *path.relative_to(directory).with_suffix("").parts]
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise AssertionError(f"{path} is in no flexui package")


def roots() -> list[tuple[str, Path]]:
    return [(name, Path(importlib.util.find_spec(name).origin).parent)
            for name in ("flexui", "flexui.model", "flexui.screens")]


def files_under(package: str) -> list[Path]:
    return sorted(Path(importlib.util.find_spec(package).origin).parent.rglob("*.py"))


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, skip_functions: set[str] = frozenset()) -> list[tuple[str, list[str], int]]:
    """Every import in the file as (module, names imported from it, line), also inside functions."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[tuple[str, list[str], int]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.name in skip_functions:
                continue
            if isinstance(child, ast.Import):
                found.extend((a.name, [], child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                found.append((base, [a.name for a in child.names], child.lineno))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


def reached(modules: list[str]) -> dict[str, tuple[str, ...]]:
    """Every module the given ones import, transitively through ours: name -> the chain to it."""
    chains: dict[str, tuple[str, ...]] = {}
    todo = [(m, (m,)) for m in modules]
    while todo:
        module, chain = todo.pop()
        if module in chains:
            continue
        chains[module] = chain
        path = source_of(module)
        if path is None:
            continue
        parts = module.split(".")
        todo.extend((".".join(parts[:i]), chain) for i in range(1, len(parts)))  # parent packages run first
        skip = {f for m, f in UI_ENTRY if m == module}
        for target, names, line in imports_of(path, skip):
            todo.append((target, (*chain, f"{target} (line {line})")))
            todo.extend((f"{target}.{n}", (*chain, f"{target}.{n} (line {line})"))
                        for n in names if source_of(f"{target}.{n}") is not None)
    return chains


def ui_imports(chains: dict[str, tuple[str, ...]]) -> list[str]:
    return sorted(" -> ".join(chain) for module, chain in chains.items() if module.split(".")[0] in UI_LIBRARIES)


def headless_modules() -> list[str]:
    commands = [f"flexui.{m}" for m in (*HEADLESS_ACTIONS.values(), *SUBCOMMANDS.values())]
    return ["flexui.cli", *commands, *(module_name(p) for p in files_under("flexui.model"))]


def test_the_walk_sees_the_ui_where_it_is():
    """The walk is not blind: the app itself and the UI's entry do reach Textual."""
    assert ui_imports(reached(["flexui.app"]))
    assert any("textual" in chain for chain in ui_imports(reached(["flexui.launch"])))


def test_model_and_headless_cli_import_no_textual_nor_rich_in_the_source():
    assert len(files_under("flexui.model")) > 40  # every module, in whichever subpackage
    assert ui_imports(reached(headless_modules())) == []


def test_the_first_frame_imports_no_textual_in_the_source():
    assert [c for c in ui_imports(reached(["flexui.first_frame"])) if "textual" in c] == []


# -- what really gets imported ------------------------------------------------------------------
PROBE = """
import json, os, sys
from flexui.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
with open(os.environ["CONTRACT_REPORT"], "w") as f:
    json.dump({"code": code, "loaded": loaded}, f)
"""


@pytest.fixture
def workdir(tmp_path):
    """A private copy of the embedded tree (unikraft/, libs/, apps/) and no user settings."""
    target = tmp_path / "wd"
    shutil.copytree(embedded_tree(), target, ignore=shutil.ignore_patterns("build", "*.old"))
    return target


def probe(tmp_path: Path, *argv: str) -> dict:
    report = tmp_path / "report.json"
    env = {**os.environ, "CONTRACT_REPORT": str(report),
           **{v: str(tmp_path / v.lower()) for v in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}}
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert report.exists(), f"flexui {' '.join(argv)} died:\n{done.stdout}\n{done.stderr}"
    return {**json.loads(report.read_text()), "output": done.stdout + done.stderr}


def test_apply_imports_no_textual_nor_rich(tmp_path, workdir):
    result = probe(tmp_path, "--apply", "redis-mpk2", "--app", str(workdir / "apps" / "redis"),
                   "--workdir", str(workdir))
    assert result["code"] == 0 and "Applied preset redis-mpk2" in result["output"]
    assert result["loaded"] == []


def test_build_and_run_import_no_textual_nor_rich(tmp_path, workdir):
    from qemu_kernel_build import build_kernel

    (tmp_path / "kernel").mkdir()
    kernel = build_kernel(tmp_path / "kernel", 0)
    app = workdir / "apps" / "redis"
    build = f"cp {kernel} {app / 'build' / 'redis_kvm-x86_64'}"  # the image this build makes: our test kernel
    result = probe(tmp_path, "--apply", "redis-mpk2", "--build", "--build-cmd", build, "--app", str(app),
                   "--workdir", str(workdir), "--run", "--accel", "tcg", "--timeout", "60")
    assert result["code"] == 0, result["output"]
    assert "flexui test kernel: hello" in result["output"]  # the guest really ran
    assert result["loaded"] == []


@pytest.mark.parametrize("argv", [
    ["explore", "--app", "redis", "--metric", "GET", "--budget", "500k"],
    ["explore", "--app", "redis", "--metric", "GET", "--budget", "500k", "--plan", "--json"],
    ["measure", "list"],
], ids=["explore", "explore-plan", "measure"])
def test_explore_and_measure_import_no_textual_nor_rich(tmp_path, argv):
    result = probe(tmp_path, *argv)
    assert result["code"] == 0, result["output"]
    assert result["loaded"] == []


def test_workdir_imports_no_textual_nor_rich(tmp_path, workdir):
    result = probe(tmp_path, "workdir", "status", str(workdir))
    assert result["code"] in (0, 2), result["output"]  # a copy that is not under git is refused, not a crash
    assert result["loaded"] == []


def test_every_model_module_and_the_first_frame_load_without_textual_nor_rich(tmp_path):
    modules = [module_name(p) for p in files_under("flexui.model")]
    script = ("import importlib, json, sys\n"
              f"for m in {modules!r}: importlib.import_module(m)\n"
              "import flexui.first_frame, flexui.launch\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


# -- screens and the model ------------------------------------------------------------------------
def is_data(value: object) -> bool:
    if inspect.ismodule(value):
        return False
    if inspect.isclass(value):
        return dataclasses.is_dataclass(value) or issubclass(value, (enum.Enum, tuple, Exception))
    return not callable(value)


def allowed(module: str, name: str) -> bool:
    if module == "flexui.model.session" or module.startswith("flexui.model.session."):
        return True
    if name in VIEW_HELPERS.get(module, ()) or name in PIPELINES.get(module, ()):
        return True
    return is_data(getattr(importlib.import_module(module), name))


def model_imports_of_screens() -> list[tuple[Path, int, str, str]]:
    """(file, line, module, name) of every import from flexui.model in screens/."""
    found = []
    for path in files_under("flexui.screens"):
        for module, names, line in imports_of(path):
            if module == "flexui" and "model" in names:
                found.append((path, line, "flexui", "model"))
            elif module == "flexui.model" or module.startswith("flexui.model."):
                found.extend((path, line, module, n) for n in names or [""])
    return found


def test_screens_reach_the_model_only_through_the_session_and_pure_views():
    found = model_imports_of_screens()
    assert len(found) > 50 and any(m.startswith("flexui.model.session") for _, _, m, _ in found)
    bad = [f"{path.name}:{line}: {module} {name or '(the whole module)'}" for path, line, module, name in found
           if not name or not allowed(module, name)]
    assert bad == [], "screens import model behaviour that is not behind the session:\n" + "\n".join(bad)


def test_the_lists_name_only_what_screens_import():
    """An entry no screen needs any more is removed, so the lists keep telling the truth."""
    used = {(m, n) for _, _, m, n in model_imports_of_screens()}
    listed = {(m, n) for table in (VIEW_HELPERS, PIPELINES) for m, ns in table.items() for n in ns}
    assert listed - used == set()


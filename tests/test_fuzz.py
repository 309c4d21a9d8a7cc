"""Generated bad input through the real CLI, in-process: exit 0 or 2 only, one `file:line:` line per
problem, no traceback, and nothing written on exit 2.

Bounded for CI: a few dozen cases per input kind (FLEXUI_FUZZ_EXAMPLES raises it for a long run).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexui.cli import main
from flexui.paths import embedded_tree, shipped_presets

TREE = embedded_tree()
EXAMPLES = int(os.environ.get("FLEXUI_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
# `file:line: message`, `file: message` (no line to give), or flexui speaking for itself.
LINE = re.compile(r"^(?:flexui[\w ]*|[^:\n]+?(?::\d+)?): \S")


@pytest.fixture(scope="module", autouse=True)
def private_dirs():
    saved = dict(os.environ)
    root = tempfile.mkdtemp(prefix="flexui-fuzz-")
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = os.path.join(root, var)
    os.environ.pop("FLEXUI_DEBUG", None)
    yield Path(root)
    os.environ.clear()
    os.environ.update(saved)
    shutil.rmtree(root, ignore_errors=True)


def run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as e:  # argparse
            code = e.code if isinstance(e.code, int) else 2
    return code, err.getvalue()


def tree_state(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None for p in sorted(root.rglob("*"))}


def check(code: int, err: str, before: dict, after: dict) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert after == before, "written on exit 2"
        lines = [line for line in err.splitlines() if "warning:" not in line]
        assert lines, "exit 2 without a message"
        for line in lines:
            if not line.startswith(("usage:", "  ", "flexui: error:")) and "argument" not in line:
                assert LINE.match(line), line


# -- values a user (or a broken editor) might put anywhere --------------------------------------
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                   TEXT, st.sampled_from(["n", "y", "no", "yes", "0x10", "1" * 4400, "-", "\x07", "~",
                                          "comp9", "intel-pku", "vmept", "fcalls", "private", "shared",
                                          "CONFIG_LIBLWIP=y", "CONFIG_X", "../..", "/etc"]))
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(TEXT | st.sampled_from(
                                                         ["CONFIG_X", "CONFIG_LIBLWIP", "name", "compartment"]),
                                                         inner, max_size=3)), max_leaves=6)


def mutate(data: object, path: list, value: object) -> object:
    """`data` with the node at `path` (indices into its keys/items, wrapped) replaced by `value`."""
    if not path or not isinstance(data, (dict, list)) or not data:
        return value
    if isinstance(data, dict):
        key = list(data)[path[0] % len(data)]
        return {**data, key: mutate(data[key], path[1:], value)}
    i = path[0] % len(data)
    return [*data[:i], mutate(data[i], path[1:], value), *data[i + 1:]]


def dump(data: object) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return repr(data)


RAW_YAML = st.one_of(st.just("a: &a [*a]\n"), st.just("x: [1, 2\n"), st.just("- \x00\n"),
                     st.just("a: !!python/object:os.system 'touch PWNED'\n"),
                     st.just("k: 1\nk: 2\n"), st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


def fresh_app(root: Path, name: str = "redis") -> Path:
    app = root / "apps" / name
    shutil.rmtree(app, ignore_errors=True)
    shutil.copytree(TREE / "apps" / name, app)
    return app


@FUZZ
@given(path=st.lists(st.integers(0, 50), max_size=4), value=VALUE, raw=st.none() | RAW_YAML)
def test_fuzzed_presets(tmp_path_factory, path, value, raw):
    root = tmp_path_factory.mktemp("preset")
    base = yaml.safe_load((shipped_presets() / "redis-mpk2.yaml").read_text())
    preset = root / "fuzzed.yaml"
    preset.write_text(raw if raw is not None else dump(mutate(base, path, value)), encoding="utf-8",
                      errors="surrogateescape")
    app = fresh_app(root)
    before = tree_state(app)
    code, err = run(["--apply", str(preset), "--app", str(app), "--workdir", str(TREE)])
    check(code, err, before, tree_state(app))
    assert not list(Path.cwd().glob("PWNED"))


@FUZZ
@given(path=st.lists(st.integers(0, 50), max_size=4), value=VALUE, raw=st.none() | RAW_YAML)
def test_fuzzed_kraft_yaml(tmp_path_factory, path, value, raw):
    root = tmp_path_factory.mktemp("kraft")
    app = fresh_app(root)
    base = yaml.safe_load((app / "kraft.yaml").read_text())
    (app / "kraft.yaml").write_text(raw if raw is not None else dump(mutate(base, path, value)),
                                    encoding="utf-8", errors="surrogateescape")
    before = tree_state(app)
    code, err = run(["--apply", "redis-mpk2", "--app", str(app), "--workdir", str(TREE)])
    check(code, err, before, tree_state(app))


CONFIG_LINE = st.one_of(
    st.builds(lambda n, v: f"CONFIG_{n}={v}", st.sampled_from(["LIBLWIP", "LIBFLEXOS", "X", "LIBFLEXOS_COMP_HEAP_SIZE",
                                                             "LIBUKDEBUG_PRINTK_INFO", ""]),
              st.one_of(TEXT, st.sampled_from(["y", "n", "m", '"str"', "9" * 4400, "0x", "-1"]))),
    st.builds(lambda n: f"# CONFIG_{n} is not set", st.sampled_from(["LIBLWIP", "LIBFLEXOS", "X"])),
    TEXT)


@FUZZ
@given(lines=st.lists(CONFIG_LINE, max_size=6), junk=st.binary(max_size=8))
def test_fuzzed_dotconfig(tmp_path_factory, lines, junk):
    root = tmp_path_factory.mktemp("config")
    app = fresh_app(root)
    (app / ".config").write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n" + junk)
    before = tree_state(app)
    code, err = run(["--apply", "redis-mpk2", "--app", str(app), "--workdir", str(TREE)])
    check(code, err, before, tree_state(app))


KCONFIG_LINE = st.one_of(st.sampled_from([
    "config", "config FOO", "\tbool", "\tdefault y", "endmenu", "menu \"x\"", "if", "endif", "choice",
    "source \"nowhere/Config.uk\"", "\tdepends on (", "$(shell,exit 3)",
    "\tdefault \"$(shell,printf '\\377')\"", "\tdefault \"$(",
    "config LIBLWIP\n\tint\n\tdefault 99999999999999999999", "\tselect", "\trange 1"]), TEXT)


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("tree") / "tree"
    shutil.copytree(TREE, copy, ignore=shutil.ignore_patterns(".config*", "build"))
    return copy


@FUZZ
@given(lines=st.lists(KCONFIG_LINE, min_size=1, max_size=4), where=st.sampled_from(
    ["unikraft/Config.uk", "libs/lwip/Config.uk", "unikraft/lib/ukdebug/Config.uk"]))
def test_fuzzed_kconfig_trees(tree_copy, lines, where):
    target = tree_copy / where
    original = target.read_bytes()
    try:
        target.write_bytes(original + ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
        app = tree_copy / "apps" / "redis"
        before = tree_state(app)
        code, err = run(["--apply", "redis-mpk2", "--app", str(app), "--tree", str(tree_copy)])
        check(code, err, before, tree_state(app))
    finally:
        target.write_bytes(original)


NUMBER = st.one_of(st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e400", "1" * 5000, "x", ""]),
                   st.floats().map(repr))


@FUZZ
@given(value=NUMBER, stdev=NUMBER, runs=st.sampled_from(["1", "0", "-3", "x", "9" * 5000]),
       app=st.sampled_from(["redis", "nginx", "nosuch", ""]), metric=st.sampled_from(["gets", "x", ""]))
def test_fuzzed_measure_record(private_dirs, value, stdev, runs, app, metric):
    user = private_dirs / "XDG_DATA_HOME"
    before = tree_state(user) if user.exists() else {}
    code, err = run(["measure", "record", "--app", app, "--metric", metric, "--value", value, "--stdev", stdev,
                     "--runs", runs, "--preset", "redis-mpk2"])
    after = tree_state(user) if user.exists() else {}
    check(code, err, before, after)
    if value in ("nan", "inf", "-inf", "1e400"):
        assert code == 2


@FUZZ
@given(text=st.one_of(st.just("{"), st.just("[]"), st.just('{"measurements": [{"app": 1}]}'),
                      st.just('{"measurements": "x"}'), st.just('{"format": 1, "measurements": [{}]}'),
                      st.builds(lambda v: '{"measurements": [' + v + "]}", TEXT), st.binary(max_size=20).map(repr)))
def test_fuzzed_user_measurements_file(private_dirs, text):
    bench = private_dirs / "XDG_DATA_HOME" / "flexui" / "benchdata"
    bench.mkdir(parents=True, exist_ok=True)
    target = bench / "user.json"
    target.write_text(text)
    try:
        before = tree_state(bench)
        code, err = run(["measure", "list"])
        check(code, err, before, tree_state(bench))
        code, err = run(["explore", "--app", "redis", "--metric", "gets", "--budget", "1"])
        check(code, err, before, tree_state(bench))
    finally:
        target.unlink()


WORDS = st.sampled_from([
    "--apply", "redis-mpk2", "nosuch-preset", "--dry-run", "--app", "--tree", "--workdir", "/nonexistent",
    "explore", "--metric", "gets", "--budget", "nan", "inf", "-1", "1" * 5000, "5k", "--space", "generated",
    "measured", "--order", "paper", "--json", "--plan", "measure", "list", "workdir", "status", "--timeout",
    "--build-cmd", "", "'", "--accel", "tcg", "x$(touch PWNED)", "\x01", "--preset", "--image", "-"])


@FUZZ
@given(argv=st.lists(WORDS, min_size=1, max_size=7))
def test_fuzzed_command_lines(tmp_path_factory, argv):
    if "--build" in argv or "--run" in argv:
        return
    root = tmp_path_factory.mktemp("argv")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code, err = run(argv)
    finally:
        os.chdir(cwd)
    assert "Traceback" not in err and "internal error" not in err, (argv, err)
    assert code in (0, 2), (argv, code, err)
    assert not list(root.rglob("PWNED"))


@FUZZ
@given(file=st.integers(0, 20), line=st.integers(0, 400), action=st.sampled_from(["replace", "delete", "dup"]),
       text=st.one_of(TEXT, st.sampled_from(["", ",,,,", "1,2,3", "x y z", "nan", "1" * 5000, "\xff"])))
def test_fuzzed_raw_data_conversion(tmp_path_factory, file, line, action, text):
    from benchdata_helpers import flexos_data

    root = tmp_path_factory.mktemp("raw")
    data = root / "flexos-data"
    shutil.copytree(flexos_data(), data)
    files = sorted(p for p in data.iterdir() if p.suffix in (".csv", ".dat"))
    target = files[file % len(files)]
    lines = target.read_text().splitlines()
    i = line % max(len(lines), 1)
    if action == "replace" and lines:
        lines[i] = text
    elif action == "delete" and lines:
        del lines[i]
    elif lines:
        lines.insert(i, lines[i])
    target.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
    out = root / "out"
    code, err = run(["measure", "convert", "--from", str(data), "--out", str(out)])
    check(code, err, {}, tree_state(out) if out.exists() else {})

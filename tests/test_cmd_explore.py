"""`flexui explore` and `flexui measure` as scripts use them: output, JSON, dot, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flexui.cli import main


@pytest.fixture(autouse=True)
def private_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_budget_answer_as_json(capsys):
    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", "500k", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["space_size"] == 80 and len(out["answer"]) == 2
    assert all(row["kind"] == "measured" and row["value"] >= 500e3 for row in out["answer"])
    assert all(0 < row["safer_in_space"] < 80 for row in out["answer"])


def test_plan_and_dot_with_svg(tmp_path, capsys):
    dot = tmp_path / "order.dot"
    assert main(["explore", "--app", "nginx", "--metric", "REQ", "--budget", "100000", "--plan",
                 "--dot", str(dot)]) == 0
    out = capsys.readouterr().out
    assert "measurement plan (" in out and "builds):" in out
    text = dot.read_text()
    assert text.startswith("digraph") and "->" in text and "palegreen" in text
    if (tmp_path / "order.dot.svg").exists():
        assert "<svg" in (tmp_path / "order.dot.svg").read_text()


def test_generated_space_from_an_app_directory(tmp_path, capsys):
    from flexui.paths import embedded_tree

    app = embedded_tree() / "apps" / "redis"
    assert main(["explore", "--app", str(app), "--metric", "GET", "--budget", "900k",
                 "--space", "generated", "--max-compartments", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["space_size"] > 80 and out["answer"]
    assert any(row["kind"] == "estimated" for row in out["answer"])


@pytest.mark.parametrize("args, message", [
    (["--app", "redis", "--metric", "PUT", "--budget", "5"], "choose one of GET, SET"),
    (["--app", "mysql", "--metric", "GET", "--budget", "5"], "no benchmark data for app 'mysql'"),
    (["--app", "redis", "--metric", "GET", "--budget", "fast"], "not a budget"),
    (["--app", "redis", "--metric", "GET", "--budget", "inf"], "must be a positive number"),
    (["--app", "redis", "--metric", "GET", "--budget", "0"], "must be a positive number"),
])
def test_invalid_input_is_one_line_and_exit_2(args, message, capsys):
    assert main(["explore", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_measure_record_then_explore_prefers_the_users_value(capsys):
    key = "lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;;mpk-dss"
    assert main(["measure", "record", "--app", "redis", "--metric", "GET", "--value", "2000000",
                 "--key", key]) == 0
    capsys.readouterr()
    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", "1.5m", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [row["configuration"] for row in out["answer"]] == [key]
    assert main(["measure", "record", "--app", "redis", "--metric", "GET", "--value", "1",
                 "--key", "garbage"]) == 2


def test_headless_commands_never_import_textual():
    code = ("import sys; from flexui.cli import main; "
            "rc = main(['explore', '--app', 'redis', '--metric', 'GET', '--budget', '1']); "
            "main(['measure', 'list']); "
            "print(rc, [m for m in sys.modules if m.split('.')[0] == 'textual'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"


def test_paper_order_at_680k_keeps_the_three_compartment_layout_the_figure_shows_at_693k(capsys):
    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", "680k", "--order", "paper",
                 "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)["answer"]
    three = [row for row in answer if row["configuration"].count("|") == 2]
    assert [row["configuration"] for row in three] == [
        "lwip|newlib,pthread-embedded,redis,tlsf|uksched,ukschedcoop;;mpk-dss"]
    assert round(three[0]["value"], 1) == 693500.0


def test_json_answers_are_preset_isolations_best_value_first_with_units(tmp_path, capsys):
    import yaml

    from flexui.model.isolation.design import DesignPoint
    from flexui.model.presets.preset import load_preset

    assert main(["explore", "--app", "redis", "--metric", "get", "--budget", "800k", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metric"] == "GET" and out["unit"] == "req/s" and out["higher_is_better"]
    values = [row["value"] for row in out["answer"]]
    assert len(values) == 3 and values == sorted(values, reverse=True)
    for i, row in enumerate(out["answer"]):
        libraries = row["isolation"]["libraries"]
        assert all({"compartment", "harden"} <= entry.keys() for entry in libraries.values())
        names = {c["name"] for c in row["isolation"]["compartments"]}
        assert {entry["compartment"] for entry in libraries.values()} == names
        path = tmp_path / f"answer{i}.yaml"
        path.write_text(yaml.safe_dump({"flexui-preset": 1, "name": f"answer{i}", "app": "redis",
                                        "isolation": row["isolation"]}))
        assert DesignPoint.of(load_preset(path).isolation) == DesignPoint.from_key(row["configuration"])


def test_save_preset_writes_the_best_answer_as_a_user_preset(tmp_path, capsys):
    from flexui.model.isolation.design import DesignPoint
    from flexui.model.presets.preset import load_preset

    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", "800k", "--json",
                 "--save-preset", "fast-enough"]) == 0
    out = json.loads(capsys.readouterr().out)
    saved = tmp_path / "data" / "flexui" / "presets" / "fast-enough.yaml"
    assert out["saved_preset"] == str(saved)
    preset = load_preset(saved)
    assert preset.app == "redis" and preset.isolation.libraries["uksched"].is_core
    assert DesignPoint.of(preset.isolation) == DesignPoint.from_key(out["answer"][0]["configuration"])


@pytest.mark.parametrize("name, message", [("redis-mpk1", "redis-mpk1 is a shipped preset; choose another name"),
                                           ("../evil", "use letters, digits"),
                                           ("never", "no configuration meets the budget")])
def test_save_preset_refusals_write_nothing(name, message, tmp_path, capsys):
    budget = "1e12" if name == "never" else "800k"
    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", budget,
                 "--save-preset", name]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "data" / "flexui" / "presets").exists()


def test_explain_gives_each_answer_its_cost_by_term(capsys):
    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", "800k", "--explain"]) == 0
    out = capsys.readouterr().out
    assert out.count("Cost by term (estimated)") == 3 and "hardening lwip" in out and "boundary lwip |" in out
    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", "800k", "--explain", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["answer"]
    assert all(row["breakdown"]["unit"] == "req/s" and row["breakdown"]["terms"] for row in rows)


def test_text_answers_write_millions_in_full_digits_not_as_exponents(capsys):
    assert main(["explore", "--app", "redis", "--metric", "GET", "--budget", "1000k"]) == 0
    out = capsys.readouterr().out
    assert "e+0" not in out and out.startswith("redis GET >= 1,000,000 req/s")
    assert "1,073,031 req/s  measured" in out  # the paper's GET with lwip isolated


def test_execute_takes_the_specs_metric_in_any_case(tmp_path, capsys):
    """`--metric CYCLES` against a spec that names `cycles`: past the metric, up to the (absent) scheduler."""
    from standin_workdir import execute_args, make_workdir

    args = execute_args(tmp_path, make_workdir(tmp_path))
    args[args.index("--metric") + 1] = "CYCLES"
    assert main(["explore", *args, "--scheduler", "127.0.0.1"]) == 2
    err = capsys.readouterr().err
    assert "no metric" not in err and "cannot reach the Dask scheduler at 127.0.0.1" in err

"""`flexui measure` as a user scripts it: exit codes, messages, nothing written on error."""

from __future__ import annotations

import pytest
from benchdata_helpers import flexos_data

from flexui.cli import EXIT_INVALID, EXIT_OK, main
from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchdata import BenchDB
from flexui.model.presets.preset import find_preset, load_preset
from flexui.paths import shipped_benchdata, shipped_presets

KEY = "lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;;mpk-dss"


@pytest.fixture
def user_data(tmp_path, monkeypatch):
    """The user's data directory, relocated into tmp so nothing real is touched."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "flexui" / "benchdata"


def test_record_by_key_is_listed_beside_the_shipped_value(user_data, capsys):
    shipped_before = (shipped_benchdata() / "flexos-asplos22.json").read_bytes()
    code = main(["measure", "record", "--app", "redis", "--metric", "GET", "--value", "654321",
                 "--stdev", "1200", "--runs", "5", "--key", KEY, "--note", "my laptop"])
    assert code == EXIT_OK
    assert "recorded redis GET = 654321 req/s" in capsys.readouterr().out
    assert (shipped_benchdata() / "flexos-asplos22.json").read_bytes() == shipped_before
    mine = BenchDB.load(user_dir=user_data).user
    assert [(m.mean, m.stdev, m.runs, m.note, m.point.key()) for m in mine] == [
        (654321.0, 1200.0, 5, "my laptop", DesignPoint.from_key(KEY).key())]

    assert main(["measure", "list", "--app", "redis"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("yours") and "654,321" in line for line in lines)
    assert any(line.startswith("shipped") for line in lines)
    assert all(" redis " in line for line in lines)


def test_a_metric_typed_in_another_case_is_recorded_as_the_stored_one_not_as_a_new_metric(user_data, capsys):
    assert main(["measure", "record", "--app", "redis", "--metric", "get", "--value", "654321",
                 "--key", KEY]) == EXIT_OK
    assert "recorded redis GET = 654321 req/s" in capsys.readouterr().out
    assert [m.metric for m in BenchDB.load(user_dir=user_data).user] == ["GET"]


def test_record_by_preset_stores_the_presets_configuration(user_data):
    assert main(["measure", "record", "--app", "redis", "--metric", "SET", "--value", "1000",
                 "--preset", "redis-mpk2"]) == EXIT_OK
    preset = load_preset(find_preset("redis-mpk2", [shipped_presets()]))
    (m,) = BenchDB.load(user_dir=user_data).user
    assert m.point == DesignPoint.of(preset.isolation)
    assert m.unit == "req/s" and m.higher_is_better


@pytest.mark.parametrize(("args", "message"), [
    (["--key", "not-a-key"], "flexui measure: not a configuration key"),
    (["--key", KEY.replace("mpk-dss", "sgx")], "flexui measure: unknown mechanism 'sgx'"),
    (["--key", KEY, "--value", "-3"], "flexui measure: --value must be positive"),
    (["--key", KEY, "--app", "myapp"], "flexui measure: no stored myapp GET data"),
    (["--preset", "no-such-preset"], "no-such-preset"),
])
def test_bad_record_input_exits_2_with_one_line_and_writes_nothing(user_data, capsys, args, message):
    base = {"--app": "redis", "--metric": "GET", "--value": "1000"}
    base.update(zip(args[::2], args[1::2]))
    argv = ["measure", "record"] + [x for pair in base.items() for x in pair]
    assert main(argv) == EXIT_INVALID
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not user_data.exists()


def test_broken_kraft_file_is_reported_with_file_and_line(user_data, tmp_path, capsys):
    kraft = tmp_path / "kraft.yaml"
    kraft.write_text("specification: '0.5'\nlibraries:\n  lwip: [unclosed\n")
    code = main(["measure", "record", "--app", "redis", "--metric", "GET", "--value", "1000",
                 "--kraft", str(kraft)])
    assert code == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith(f"{kraft}:") and "Traceback" not in err
    assert not user_data.exists()


def test_convert_of_a_missing_directory_exits_2(tmp_path, capsys):
    assert main(["measure", "convert", "--from", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) \
        == EXIT_INVALID
    assert "not a directory" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_convert_reproduces_the_committed_benchdata(tmp_path, capsys):
    source = flexos_data()
    assert main(["measure", "convert", "--from", str(source), "--out", str(tmp_path)]) == EXIT_OK
    assert "measurements" in capsys.readouterr().out
    assert (tmp_path / "flexos-asplos22.json").read_bytes() == \
        (shipped_benchdata() / "flexos-asplos22.json").read_bytes()

"""Benchmark specs: the shipped ones load, mistakes are reported at file:line, explore --execute refuses them."""

from __future__ import annotations

import pytest

from flexui.cmd_explore import main as explore_main
from flexui.model.explore.bench_spec import find_spec, load_spec
from flexui.model.files.problems import InputError
from flexui.paths import embedded_tree, shipped_benchspecs


@pytest.mark.parametrize("app", ["redis", "nginx", "iperf", "sqlite", "flexos-microbenchmarks"])
def test_shipped_specs_load_and_name_a_metric(app):
    spec = load_spec(find_spec(app, [shipped_benchspecs()]))
    assert spec.app == app and spec.metrics and spec.repetitions >= 1


def test_microbenchmark_pattern_reads_the_gate_line():
    spec = load_spec(shipped_benchspecs() / "flexos-microbenchmarks.yaml")
    gate = spec.metrics["gate"]
    assert gate.value_in(["#instruction,latency", "fcall,25", "pku-shared,10511", "dss1,40"]) == 10511
    assert gate.value_in(["fcall,25", "gate,3"]) == 3


def test_a_users_spec_wins_over_the_shipped_one(tmp_path):
    (tmp_path / "redis.yaml").write_text("app: redis\nmetrics: {GET: {higher_is_better: true, pattern: '(\\d+)'}}\n")
    assert find_spec("redis", [tmp_path, shipped_benchspecs()]) == tmp_path / "redis.yaml"


def test_mistakes_are_reported_at_their_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("app: redis\nmetrics:\n  GET: {higher_is_better: true, pattern: 'no group'}\n"
                    "boot:\n  forward: [6379]\nspace:\n  mechanisms: [mpk]\n")
    with pytest.raises(InputError) as e:
        load_spec(path)
    text = str(e.value)
    assert f"{path}:3:" in text and "group 1" in text
    assert f"{path}:5:" in text and "HOSTPORT:GUESTPORT" in text
    assert f"{path}:7:" in text and "unknown mechanism 'mpk'" in text


def test_execute_with_a_metric_the_spec_lacks_exits_2_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = embedded_tree() / "apps" / "redis"
    code = explore_main(["--app", str(app), "--metric", "LATENCY", "--budget", "500k", "--execute"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "redis.yaml:1: no metric 'LATENCY'" in err[0] and "GET" in err[0]
    assert not (tmp_path / "data").exists()

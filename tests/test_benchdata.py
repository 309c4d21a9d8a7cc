"""User measurements live beside the shipped ones and never overwrite them."""

from __future__ import annotations

import json

import pytest

from flexui.model.files.problems import InputError
from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchdata import BenchDB, BenchFile, Measurement, record
from flexui.paths import shipped_benchdata

POINT = DesignPoint.from_key("lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;;mpk-dss")


def measurement(value: float) -> Measurement:
    return Measurement("redis", "GET", POINT, value, 1000.0, 3, "req/s", True, "user")


def test_recording_keeps_shipped_data_and_the_user_value_wins_lookup(tmp_path):
    shipped_before = (shipped_benchdata() / "flexos-asplos22.json").read_bytes()
    shipped = BenchDB.load(user_dir=tmp_path).lookup("redis", "GET", POINT)
    record(tmp_path, measurement(123456.0))
    record(tmp_path, measurement(234567.0))
    db = BenchDB.load(user_dir=tmp_path)
    assert (shipped_benchdata() / "flexos-asplos22.json").read_bytes() == shipped_before
    assert shipped in db.shipped
    assert [m.mean for m in db.user] == [123456.0, 234567.0]
    assert db.lookup("redis", "GET", POINT).mean == 234567.0
    assert (tmp_path / "user-measurements.json.old").is_file()


def test_round_trip(tmp_path):
    f = BenchFile(measurements=[measurement(5.0)])
    f.write(tmp_path / "x.json")
    assert BenchFile.read(tmp_path / "x.json").measurements == f.measurements


def test_a_corrupt_user_file_is_one_line_naming_it(tmp_path):
    (tmp_path / "user-measurements.json").write_text('{"format": "flexui-benchdata/1",\n "measurements": [}\n')
    with pytest.raises(InputError) as e:
        BenchDB.load(user_dir=tmp_path)
    assert str(e.value.problems[0]).startswith(f"{tmp_path / 'user-measurements.json'}:2:")


def test_a_foreign_json_file_is_refused(tmp_path):
    (tmp_path / "user-measurements.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(InputError, match="not a flexui benchmark file"):
        BenchDB.load(user_dir=tmp_path)


def test_points_lists_each_measured_configuration_once(tmp_path):
    shipped = BenchDB.load(user_dir=tmp_path).points("redis", "GET")
    assert len(shipped) == len(set(shipped)) == 80 and POINT in shipped
    other = DesignPoint.from_key("lwip,newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;;fcalls")
    assert other not in shipped
    record(tmp_path, measurement(1.0))
    record(tmp_path, Measurement("redis", "GET", other, 2.0, 0.0, 1, "req/s", True, "user"))
    points = BenchDB.load(user_dir=tmp_path).points("redis", "GET")
    assert len(points) == 81 and other in points

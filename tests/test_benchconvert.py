"""The converter against rows computed by hand from the paper's raw files."""

from __future__ import annotations

import csv
import statistics

from benchdata_helpers import flexos_data

from flexui.model.benchconvert import convert
from flexui.model.benchdata import BenchDB
from flexui.model.design import DesignPoint
from flexui.paths import shipped_benchdata


def raw(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_a_redis_build_is_the_mean_of_its_five_get_iterations():
    data = flexos_data()
    perms = {r["TASKID"]: r for r in raw(data / "redis-permutations.csv")}
    results = raw(data / "redis-results.csv")
    # TASKID 038b...: lwip in 3, newlib/pthread/redis/tlsf in 1, uksched in 2; newlib, redis, uksched hardened.
    task = "038b80c19c8ed4560b9e9756bbfcd62a"
    assert perms[task]["LIBLWIP_COMPARTMENT"] == "3" and perms[task]["LIBUKSCHED_COMPARTMENT"] == "2"
    gets = [float(r["VALUE"]) for r in results if r["TASKID"] == task and r["METHOD"] == "GET"]
    assert len(gets) == 5
    point = DesignPoint.from_key(
        "lwip|newlib,pthread-embedded,redis,tlsf|uksched,ukschedcoop;newlib,redis,uksched,ukschedcoop;mpk-dss")
    converted = {(m.app, m.metric, m.point): m for m in convert(data).measurements}
    m = converted[("redis", "GET", point)]
    # The same layout with compartments 2 and 3 swapped was built too: its runs are pooled.
    twins = [t for t, r in perms.items() if t != task and r["LIBLWIP_COMPARTMENT"] == "2"
             and r["LIBUKSCHED_COMPARTMENT"] == "3" and r["LIBNEWLIB_COMPARTMENT"] == "1"
             and all(r[f"LIB{n}_SFI"] == perms[task][f"LIB{n}_SFI"] for n in
                     ("LWIP", "NEWLIB", "PTHREAD_EMBEDDED", "REDIS", "TLSF", "UKSCHED"))]
    for twin in twins:
        gets += [float(r["VALUE"]) for r in results if r["TASKID"] == twin and r["METHOD"] == "GET"]
    assert m.runs == len(gets)
    assert abs(m.mean - statistics.fmean(gets)) < 1e-6
    assert abs(m.stdev - statistics.stdev(gets)) < 1e-6


def test_eighty_layout_and_hardening_points_per_fig6_metric_and_unbuilt_rows_skipped():
    f = convert(flexos_data())
    for app, metric in (("redis", "GET"), ("redis", "SET"), ("nginx", "REQ")):
        points = [m.point for m in f.measurements if (m.app, m.metric) == (app, metric)]
        assert len(points) == len(set(points)) == 80
        assert {len(p.layout) for p in points} == {1, 2, 3}
    assert f.provenance["fig6-redis"].figure == "Figure 6"


def test_figures_9_10_11():
    f = convert(flexos_data())
    sqlite = {m.note.split(": ")[1]: m.mean for m in f.measurements if m.app == "sqlite"}
    assert sqlite == {"NONE": 0.054, "MPK3": 0.106, "EPT2": 0.173}
    assert f.tables["gate_cycles"]["mpk-dss"] == 108 and f.tables["gate_cycles"]["ept"] == 462
    iperf = {m.point.mechanism: m for m in f.measurements if m.app == "iperf"}
    assert set(iperf) == {"fcalls", "mpk-dss", "mpk-shared", "ept"}
    assert all(frozenset({"lwip"}) in m.point.layout for k, m in iperf.items() if k != "fcalls")


def test_the_committed_database_is_the_converter_output(tmp_path):
    convert(flexos_data()).write(tmp_path / "out.json")
    assert (tmp_path / "out.json").read_text() == (shipped_benchdata() / "flexos-asplos22.json").read_text()


def test_shipped_database_loads_without_the_raw_files():
    db = BenchDB.load(user_dir=None)
    assert {"redis", "nginx", "iperf", "sqlite"} <= set(db.apps())
    assert db.metrics("redis") == ["GET", "SET"]

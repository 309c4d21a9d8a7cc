"""The converter against rows computed by hand from the paper's raw files."""

from __future__ import annotations

import csv
import statistics

import pytest
from benchdata_helpers import flexos_data

from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchconvert import convert
from flexui.model.perf.benchdata import BenchDB
from flexui.paths import shipped_benchdata


def raw(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


FIG6_COLUMNS = ("LWIP", "NEWLIB", "PTHREAD_EMBEDDED", "REDIS", "NGINX", "TLSF", "UKSCHED")


def figure_values(data, app, method):
    """What the paper's Figure 6 plots, computed here from the raw files: per build with
    results, the mean of its iterations; builds with lwip in compartment 3 are left out."""
    perms = {r["TASKID"]: r for r in raw(data / f"{app}-permutations.csv")}
    runs = {}
    for r in raw(data / f"{app}-results.csv"):
        if r["METHOD"] == method:
            runs.setdefault(r["TASKID"], []).append(float(r["VALUE"]))
    return perms, {t: statistics.fmean(v) for t, v in runs.items()
                   if perms[t]["LIBLWIP_COMPARTMENT"] != "3"}, runs


def test_every_fig6_point_is_the_value_the_paper_plotted():
    data = flexos_data()
    db_file = convert(data)
    db = BenchDB(shipped=db_file.measurements)
    for app, method in (("redis", "GET"), ("redis", "SET"), ("nginx", "REQ")):
        _, plotted, _ = figure_values(data, app, method)
        stored = {m.build: m for m in db.series(app, method)}
        assert len(plotted) == len(stored) == 80, app
        assert {t: m.mean for t, m in stored.items()} == pytest.approx(plotted, rel=0, abs=1e-6)
        assert all(m.plotted for m in stored.values())


def test_a_layout_built_twice_keeps_the_twin_as_a_second_build_not_an_average():
    data = flexos_data()
    perms, plotted, runs = figure_values(data, "redis", "GET")
    # TASKID 038b...: lwip in 3, uksched in 2 (newlib, redis, uksched hardened): the figure
    # leaves it out and shows the build with the two compartments swapped.
    task = "038b80c19c8ed4560b9e9756bbfcd62a"
    row = perms[task]
    assert (row["LIBLWIP_COMPARTMENT"], row["LIBUKSCHED_COMPARTMENT"]) == ("3", "2")
    twin = next(t for t, r in perms.items() if t in plotted and r["LIBLWIP_COMPARTMENT"] == "2"
                and r["LIBUKSCHED_COMPARTMENT"] == "3" and r["LIBNEWLIB_COMPARTMENT"] == "1"
                and all(r.get(f"LIB{n}_SFI") == row.get(f"LIB{n}_SFI") for n in FIG6_COLUMNS))
    db = BenchDB(shipped=convert(data).measurements)
    point = DesignPoint.from_key(
        "lwip|newlib,pthread-embedded,redis,tlsf|uksched,ukschedcoop;newlib,redis,uksched,ukschedcoop;mpk-dss")
    builds = db.builds("redis", "GET", point)
    assert [(m.build, m.plotted) for m in builds] == [(twin, True), (task, False)]
    assert builds[0].mean == pytest.approx(plotted[twin]) and builds[0].runs == 5
    assert builds[1].mean == pytest.approx(statistics.fmean(runs[task]))
    assert builds[0].mean != pytest.approx(statistics.fmean(runs[task] + runs[twin]))
    assert db.lookup("redis", "GET", point) is builds[0]


def test_eighty_layout_and_hardening_points_per_fig6_metric_sixteen_built_twice_unbuilt_rows_skipped():
    f = convert(flexos_data())
    for app, metric in (("redis", "GET"), ("redis", "SET"), ("nginx", "REQ")):
        builds = [m for m in f.measurements if (m.app, m.metric) == (app, metric)]
        points = [m.point for m in builds if m.plotted]
        assert len(points) == len(set(points)) == 80
        assert len(builds) == 96 and {m.point for m in builds} == set(points)
        assert {len(p.layout) for p in points} == {1, 2, 3}
    assert f.provenance["fig6-redis"].figure == "Figure 6"


def test_figures_9_10_11():
    f = convert(flexos_data())
    sqlite = {m.note.split(": ")[1]: m.mean for m in f.measurements if m.app == "sqlite"}
    assert sqlite == {"NONE": 0.054, "MPK3": 0.106, "EPT2": 0.173}
    assert f.tables["gate_cycles"]["mpk-dss"] == 108 and f.tables["gate_cycles"]["ept"] == 462
    iperf = {m.point.mechanism: m for m in f.measurements if m.app == "iperf"}
    assert set(iperf) == {"fcalls", "mpk-dss", "mpk-shared", "ept"}
    # iperf alone; the rest (newlib, lwip and, with MPK, tlsf) in the default compartment.
    assert all(frozenset({"iperf"}) in m.point.layout and len(m.point.layout) == 2
               for k, m in iperf.items() if k != "fcalls")
    assert frozenset({"lwip", "newlib", "tlsf"}) in iperf["mpk-dss"].point.layout


def test_the_committed_database_is_the_converter_output(tmp_path):
    convert(flexos_data()).write(tmp_path / "out.json")
    assert (tmp_path / "out.json").read_text() == (shipped_benchdata() / "flexos-asplos22.json").read_text()


def test_shipped_database_loads_without_the_raw_files():
    db = BenchDB.load(user_dir=None)
    assert {"redis", "nginx", "iperf", "sqlite"} <= set(db.apps())
    assert db.metrics("redis") == ["GET", "SET"]

"""The summary line every screen shows, and the next safer steps of the Safety screen."""

from __future__ import annotations

from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.estimator import Estimator
from flexui.model.safety.summary import next_safer_steps, summarize

TWO = DesignPoint.from_key("lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;;mpk-dss")


def test_measured_configuration_with_its_position(tmp_path):
    db = BenchDB.load(user_dir=tmp_path)
    s = summarize("redis", TWO, db)
    measured = db.lookup("redis", "GET", TWO)
    assert s.estimate.kind == "measured" and s.estimate.value == measured.mean
    assert s.safer + s.less_safe < s.compared == 80 and s.less_safe >= 1
    assert s.overhead > 0 and "measured" in s.line() and "safer: " in s.line()


def test_the_80_column_line_keeps_the_unit_and_fits(tmp_path):
    line = summarize("redis", TWO, BenchDB.load(user_dir=tmp_path)).short_line()
    assert line.startswith("GET 1.07M req/s measured +12%") and len(line) <= 78


def test_no_comparable_measurement_says_which_mechanism_they_use(tmp_path):
    db = BenchDB.load(user_dir=tmp_path)
    # The real nginx app's kraft.yaml: lwip alone, MPK private stacks without DSS.
    private = DesignPoint.from_key("lwip|newlib,nginx,pthread-embedded,tlsf,uksched,ukschedcoop;;mpk-private")
    s = summarize("nginx", private, db)
    assert (s.safer, s.less_safe, s.compared) == (0, 0, 80)
    assert "they use Intel MPK, private stacks + DSS" in s.note and "choose it (F3)" in s.note
    assert summarize("nginx", DesignPoint(private.layout, private.hardened, "mpk-dss"), db).note == ""


def test_an_app_without_data_says_so(tmp_path):
    s = summarize("myapp", TWO, BenchDB.load(user_dir=tmp_path))
    assert s.estimate is None and "no benchmark data" in s.line()


def test_next_safer_steps_are_one_step_safer_and_cheapest_first(tmp_path):
    db = BenchDB.load(user_dir=tmp_path)
    est = Estimator(db)
    steps = next_safer_steps(summarize("redis", TWO, db, est), est)
    assert {"harden lwip", "stronger mechanism: VM/EPT"} <= {s.what for s in steps}
    values = [float(f"{s.estimate.value:.4g}") for s in steps]
    assert values == sorted(values, reverse=True)
    ties = [s.what for s in steps if float(f"{s.estimate.value:.4g}") == values[0]]
    assert ties == sorted(ties)  # equal as shown: in name order, not in floating-noise order
    assert not any(s.what == "harden tlsf" for s in steps)  # no data on hardening tlsf: not offered

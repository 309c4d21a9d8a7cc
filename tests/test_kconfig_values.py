"""The one reading of Kconfig numbers behind the entry dialog, --apply's refusals and value comparison."""

import kconfiglib
import pytest

from flexui.model.isolation.apply import Assignment, apply_assignments
from flexui.model.kconfig.menu import parse_entry
from flexui.model.kconfig.values import active_range, same_value

KCONFIG = """
config WIDE
\tbool "wide heap"
config HEAP
\thex "heap size"
\tdefault 0x100
\trange 0x10 0x1000 if !WIDE
\trange 0x10 0x100000
config PAGES
\tint "pages"
\tdefault 8
\trange 1 100
"""


@pytest.fixture
def kconf(tmp_path, monkeypatch):
    (tmp_path / "Kconfig").write_text(KCONFIG)
    monkeypatch.setenv("KCONFIG_WARN_UNDEF", "")
    return kconfiglib.Kconfig(str(tmp_path / "Kconfig"), warn_to_stderr=False)


def test_the_range_in_force_follows_its_condition(kconf):
    assert active_range(kconf.syms["HEAP"]) == (0x10, 0x1000)
    kconf.syms["WIDE"].set_value("y")
    assert active_range(kconf.syms["HEAP"]) == (0x10, 0x100000)


def test_the_entry_dialog_and_apply_refuse_the_same_out_of_range_value(kconf):
    value, error = parse_entry(kconf.syms["HEAP"], "2000")
    assert value is None and "outside the range 0x10-0x1000" in error
    refusals = apply_assignments(kconf, [Assignment("HEAP", "0x2000", "test")])
    assert [r.reason for r in refusals] == ["out of range 0x10..0x1000"]


def test_hex_values_written_differently_are_the_same_value(kconf):
    heap = kconf.syms["HEAP"]
    assert same_value(heap, "0x0100", "0X100")
    assert not same_value(heap, "0x100", "0x101")
    assert not same_value(kconf.syms["PAGES"], "8", "eight")
    assert apply_assignments(kconf, [Assignment("HEAP", "0x0200", "test")]) == []
    assert heap.str_value in ("0x0200", "0x200")

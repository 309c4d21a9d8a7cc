import kconfiglib

from flexui.model.kconfig import state as ks

KCONFIG = """
config NET
    bool "Networking"

config LWIP
    bool "lwIP"
    depends on NET
    select SCHED

config SCHED
    bool "Scheduler"

config HEAP
    int "Heap size"
    range 1 100
    default 10

choice BACKEND
    prompt "Backend"
    default NONE
config MPK
    bool "MPK"
config NONE
    bool "None"
endchoice
"""


def load(tmp_path):
    path = tmp_path / "Kconfig"
    path.write_text(KCONFIG)
    return kconfiglib.Kconfig(str(path), warn_to_stderr=False)


def test_restore_reverts_the_cascade_of_a_change(tmp_path):
    kconf = load(tmp_path)
    before_state, before_values = ks.capture(kconf), ks.values(kconf)
    kconf.syms["NET"].set_value("y")
    kconf.syms["LWIP"].set_value("y")
    changes = {c.name: (c.old, c.new) for c in ks.diff(before_values, ks.values(kconf))}
    assert changes == {"NET": ("n", "y"), "LWIP": ("n", "y"), "SCHED": ("n", "y")}
    ks.restore(kconf, before_state)
    assert ks.values(kconf) == before_values


def test_restore_brings_back_choice_selection_and_ints(tmp_path):
    kconf = load(tmp_path)
    kconf.syms["MPK"].set_value(2)
    kconf.syms["HEAP"].set_value("42")
    state = ks.capture(kconf)
    kconf.syms["NONE"].set_value(2)
    kconf.syms["HEAP"].unset_value()
    assert kconf.syms["MPK"].str_value == "n"
    ks.restore(kconf, state)
    assert kconf.syms["MPK"].str_value == "y"
    assert kconf.syms["HEAP"].str_value == "42"

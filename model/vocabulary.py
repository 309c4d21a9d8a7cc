"""The words every part of flexui shares: drivers, mechanisms, backend symbols, the app's files.

FlexOS spells the same thing differently in kraft.yaml (a compartment's
driver), in Kconfig (the backend choice) and in the paper (the mechanism,
which also says how stacks are kept); each spelling is defined here once, so
that one rename is one edit.
"""

from __future__ import annotations

from collections.abc import Iterable

# A compartment's `mechanism.driver` in kraft.yaml.
MPK = "intel-pku"
VMEPT = "vmept"
FCALLS = "fcalls"
DRIVERS: tuple[str, ...] = (MPK, VMEPT, FCALLS)
DRIVER_LABELS: dict[str, str] = {MPK: "Intel MPK", VMEPT: "VM/EPT", FCALLS: "function calls"}

# The Kconfig backend choice each driver selects (kraft configure writes it).
BACKEND_SYMBOLS: dict[str, str] = {MPK: "LIBFLEXOS_INTELPKU", VMEPT: "LIBFLEXOS_VMEPT",
                                   FCALLS: "LIBFLEXOS_NONE"}
SHARED_STACKS_SYMBOL = "LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS"
PRIVATE_STACKS_SYMBOL = "LIBFLEXOS_GATE_INTELPKU_PRIVATE_STACKS"
DSS_SYMBOL = "LIBFLEXOS_ENABLE_DSS"

# The mechanism as the paper, the benchmark data and the safety order name it.
# "mpk-private" and "mpk-dss" are both above shared stacks and below EPT.
MECH_FCALLS = "fcalls"
MECH_MPK_SHARED = "mpk-shared"
MECH_MPK_PRIVATE = "mpk-private"
MECH_MPK_DSS = "mpk-dss"
MECH_EPT = "ept"
MECHANISMS: tuple[str, ...] = (MECH_FCALLS, MECH_MPK_SHARED, MECH_MPK_PRIVATE, MECH_MPK_DSS, MECH_EPT)
MECHANISM_LABELS: dict[str, str] = {
    MECH_FCALLS: "function calls",
    MECH_MPK_SHARED: "Intel MPK, shared stacks",
    MECH_MPK_PRIVATE: "Intel MPK, private stacks",
    MECH_MPK_DSS: "Intel MPK, private stacks + DSS",
    MECH_EPT: "VM/EPT",
}

# The files flexui reads and writes in an app directory.
KRAFT_YAML = "kraft.yaml"
DOT_CONFIG = ".config"
MAKE_VARS_FILE = "flexui.mk"
RUN_FILE = "flexui-run.yaml"
BUILD_FILE = "flexui-build.yaml"  # a preset's make variables and environment for the build
OLD_SUFFIX = ".old"


def spelled_as(name: str, names: Iterable[str]) -> str:
    """The one of `names` that `name` means, case aside (`get` is GET); `name` itself if none is.

    Metric names are typed on command lines in any case, and a second
    spelling must not become a second metric.
    """
    return next((n for n in names if n.lower() == name.lower()), name)

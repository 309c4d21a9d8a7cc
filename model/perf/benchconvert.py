"""Convert the FlexOS paper's published measurements into our benchmark database.

Input: the raw files of the ASPLOS'22 artifact (`experiments/` results, as
described in flexos-data/README.md). Output: one `BenchFile` with provenance.
Figure 6 builds are keyed by isolation layout, not compartment numbers. A
layout built twice (compartments 2 and 3 swapped) is stored as two builds of
one point: the one the paper's figure shows, and its twin, never averaged.
"""

from __future__ import annotations

import csv
import io
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flexui.model.files.problems import InputError, Origin, Problem
from flexui.model.files.textfile import read_user_text
from flexui.model.isolation.design import DesignPoint, canonical_layout
from flexui.model.perf.benchdata import BenchFile, Measurement, Provenance
from flexui.model.vocabulary import MECH_EPT, MECH_FCALLS, MECH_MPK_DSS, MECH_MPK_SHARED

PAPER = "FlexOS: Towards Flexible OS Isolation (ASPLOS'22)"
SCHEDULER = ("uksched", "ukschedcoop")

# Figure 6 CSV library columns -> our library names.
FIG6_LIBS = {
    "LIBLWIP": ("lwip",),
    "LIBNEWLIB": ("newlib",),
    "LIBPTHREAD_EMBEDDED": ("pthread-embedded",),
    "LIBREDIS": ("redis",),
    "LIBNGINX": ("nginx",),
    "LIBTLSF": ("tlsf",),
    "LIBUKSCHED": SCHEDULER,
}

FIG6 = {
    "redis": ("redis-permutations.csv", "redis-results.csv", {"GET": "GET", "SET": "SET"}),
    "nginx": ("nginx-permutations.csv", "nginx-results.csv", {"REQ": "REQ"}),
}

# Figures 9 and 10 name images, not layouts. Each image's layout is the one of
# its kraft.yaml in the artifact (app-iperf's own for MPK, kraft.yaml.ept2,
# kraft.yaml.fcalls, ...), the same as the preset named after it: iperf alone
# for iPerf; the EPT images have no TLSF (their .config uses bbuddy).
IPERF_IMAGES = {
    "flexos-nompk": DesignPoint(canonical_layout([("iperf", "lwip", "newlib", "tlsf")]), frozenset(),
                                MECH_FCALLS),
    "flexos-mpk2-isolstack": DesignPoint(canonical_layout([("lwip", "newlib", "tlsf"), ("iperf",)]),
                                         frozenset(), MECH_MPK_DSS),
    "flexos-mpk2-noisolstack": DesignPoint(canonical_layout([("lwip", "newlib", "tlsf"), ("iperf",)]),
                                           frozenset(), MECH_MPK_SHARED),
    "flexos-ept2": DesignPoint(canonical_layout([("lwip", "newlib"), ("iperf",)]), frozenset(), MECH_EPT),
}
IPERF_PLATEAU = 4096  # receive buffers from here on: the throughput has levelled off

SQLITE_APP = ("sqlite", "newlib", "pthread-embedded")
SQLITE_BARS = {
    4: DesignPoint(canonical_layout([(*SQLITE_APP, "tlsf")]), frozenset(), MECH_FCALLS),
    5: DesignPoint(canonical_layout([(*SQLITE_APP, "tlsf"), ("vfscore", "ramfs", "cpio"), ("uktime",)]),
                   frozenset(), MECH_MPK_DSS),
    6: DesignPoint(canonical_layout([SQLITE_APP, ("vfscore", "ramfs")]), frozenset(), MECH_EPT),
}

# Figure 11 times the gate between the benchmark library (compartment 2) and the rest, in the
# layout of the artifact's kraft.yaml.mpk2 and .ept2 (as the flexos-microbenchmarks presets); the
# function-call bar is a plain call, what the same layout gives with function calls.
MICROBENCH = "flexos-microbenchmarks"
MICROBENCH_LAYOUT = canonical_layout([("newlib", "tlsf"), (MICROBENCH,)])
GATE_BUILDS = {MECH_FCALLS: "function call", MECH_MPK_SHARED: "microbenchmarks-mpk2-noisolstack",
               MECH_MPK_DSS: "microbenchmarks-mpk2-isolstack", MECH_EPT: "microbenchmarks-ept2"}

GATE_NAMES = {"function": MECH_FCALLS, "MPK-light": MECH_MPK_SHARED, "MPK-dss": MECH_MPK_DSS, "EPT": MECH_EPT,
              "syscall": "linux-syscall", "-nokpti": "linux-syscall-nokpti"}


def _fail(path: Path, line: int | None, message: str) -> InputError:
    return InputError([Problem(message, origin=Origin(str(path), line))])


def _number(text: str, path: Path, line: int | None) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise _fail(path, line, f"{text!r} is not a number; restore the value from the FlexOS data") from None
    if not math.isfinite(value):
        raise _fail(path, line, f"{text!r} is not a finite number; restore the value from the FlexOS data")
    return value


@contextmanager
def _at(path: Path, line: int | None) -> Iterator[None]:
    """A row or file that lacks what the paper's files have is bad input there, not a crash of ours."""
    try:
        yield
    except (KeyError, IndexError, ValueError, TypeError, AttributeError, csv.Error,
            statistics.StatisticsError) as e:
        raise _fail(path, line, f"malformed ({type(e).__name__}: {e}); restore the file from the FlexOS "
                                "data") from None


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise _fail(path, None, "missing; point --from at the flexos-data directory")
    with _at(path, None):
        return list(csv.DictReader(io.StringIO(read_user_text(path), newline="")))


def fig6_point(row: dict[str, str], path: Path, line: int) -> DesignPoint:
    groups: dict[str, set[str]] = defaultdict(set)
    hardened: set[str] = set()
    for column, names in FIG6_LIBS.items():
        comp = row.get(f"{column}_COMPARTMENT")
        if comp is None:
            continue
        if not comp.isdigit():
            raise _fail(path, line, f"{column}_COMPARTMENT is {comp!r}, want a compartment number")
        groups[comp].update(names)
        if row.get(f"{column}_SFI") == "y":
            hardened.update(names)
    return DesignPoint(canonical_layout(groups.values()), frozenset(hardened), MECH_MPK_DSS)


def plotted_by_the_paper(row: dict[str, str]) -> bool:
    """Whether the paper's Figure 6 shows this build: its plot script skips lwip in compartment 3."""
    return row.get("LIBLWIP_COMPARTMENT", "1") in ("1", "2")


def convert_fig6(data: Path, app: str) -> list[Measurement]:
    perms_name, results_name, methods = FIG6[app]
    perms_path, results_path = data / perms_name, data / results_name
    rows = _read_csv(perms_path)
    points, plotted = {}, {}
    for i, row in enumerate(rows):
        with _at(perms_path, i + 2):
            points[row["TASKID"]] = fig6_point(row, perms_path, i + 2)
            plotted[row["TASKID"]] = plotted_by_the_paper(row)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for i, row in enumerate(_read_csv(results_path)):
        with _at(results_path, i + 2):
            if row["TASKID"] not in points:
                raise _fail(results_path, i + 2, f"TASKID {row['TASKID']} has no permutation row")
            if row["METHOD"] in methods:
                values[(row["TASKID"], methods[row["METHOD"]])].append(_number(row["VALUE"], results_path, i + 2))
    out = []
    for (task, metric), v in values.items():
        note = "" if plotted[task] else ("second build of this layout (compartments 2 and 3 "
                                         "swapped); the figure shows the other")
        out.append(Measurement(app=app, metric=metric, point=points[task], mean=statistics.fmean(v),
                               stdev=statistics.stdev(v) if len(v) > 1 else 0.0, runs=len(v),
                               unit="req/s", higher_is_better=True, source=f"fig6-{app}", note=note,
                               build=task, plotted=plotted[task]))
    return sorted(out, key=lambda m: (m.metric, m.point.key(), not m.plotted, m.build))


def _dat_blocks(path: Path) -> dict[str, list[tuple[float, float]]]:
    """Gnuplot blocks: a `# name ...` comment starts a block of `x y` rows."""
    if not path.is_file():
        raise _fail(path, None, "missing; point --from at the flexos-data directory")
    blocks: dict[str, list[tuple[float, float]]] = {}
    current = None
    for n, line in enumerate(read_user_text(path).splitlines(), 1):
        text = line.strip()
        if text.startswith("#"):
            words = text[1:].split()
            if words and not words[0].startswith(("recvbuf", "Buffers")):
                current = words[0]
                blocks[current] = []
            continue
        if not text:
            continue
        parts = text.split()
        if current is None or len(parts) < 2:
            raise _fail(path, n, f"unexpected line {text!r}")
        blocks[current].append((_number(parts[0], path, n), _number(parts[1], path, n)))
    return blocks


def convert_iperf(data: Path) -> tuple[list[Measurement], dict]:
    blocks = _dat_blocks(data / "iperf-throughput.dat")
    out = []
    for image, point in IPERF_IMAGES.items():
        plateau = [tx for size, tx in blocks.get(image, []) if size >= IPERF_PLATEAU]
        if not plateau:
            raise _fail(data / "iperf-throughput.dat", None, f"no {image} block")
        out.append(Measurement(app="iperf", metric="throughput", point=point,
                               mean=statistics.fmean(plateau), stdev=statistics.stdev(plateau),
                               runs=len(plateau), unit="Gb/s", higher_is_better=True,
                               source="fig9-iperf", note=image))
    series = {image: [[size, tx] for size, tx in rows] for image, rows in blocks.items()}
    return out, series


_SQLITE_ROW = re.compile(r'^\s*(\d+)\s+"?([A-Za-z0-9-]+)"?\s+([0-9.]+)\s*$')


def convert_sqlite(data: Path) -> tuple[list[Measurement], dict]:
    path = data / "sqlite-exec-time.dat"
    if not path.is_file():
        raise _fail(path, None, "missing; point --from at the flexos-data directory")
    bars: dict[int, tuple[str, float]] = {}
    for n, line in enumerate(read_user_text(path).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _SQLITE_ROW.match(line)
        if not match:
            raise _fail(path, n, f"unexpected line {line!r}; want: index \"profile\" seconds")
        bars[int(match.group(1))] = (match.group(2), _number(match.group(3), path, n))
    out = [Measurement(app="sqlite", metric="time", point=point, mean=bars[bar][1], stdev=0.0,
                       runs=1, unit="s", higher_is_better=False, source="fig10-sqlite",
                       note=f"bar {bar}: {bars[bar][0]}")
           for bar, point in SQLITE_BARS.items() if bar in bars]
    baselines = {"unikraft-kvm": bars[1][1], "unikraft-linuxu": bars[2][1],
                 "linux-process-pt2": bars[8][1], "sel4-genode-pt3": bars[10][1],
                 "cubicleos-none": bars[12][1], "cubicleos-mpk3": bars[13][1]}
    return out, baselines


def convert_gates(data: Path) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    path = data / "gate-latency.dat"
    if not path.is_file():
        raise _fail(path, None, "missing; point --from at the flexos-data directory")
    gates = {}
    for n, line in enumerate(read_user_text(path).splitlines(), 1):
        parts = line.split()
        if len(parts) != 3:
            continue
        name = parts[1].strip('"')
        if name not in GATE_NAMES:
            raise _fail(path, n, f"unknown gate {name!r}")
        gates[GATE_NAMES[name]] = _number(parts[2], path, n)
    stack_path = data / "stack-sharing-latency.dat"
    lines = [line.split() for line in read_user_text(stack_path).splitlines() if line.strip()]
    with _at(stack_path, 1):
        header = lines[0][1:]
    stacks: dict[str, dict[str, float]] = {name.lower(): {} for name in header}
    for n, row in enumerate(lines[1:], 2):
        for name, value in zip(header, row[1:]):
            stacks[name.lower()][row[0]] = _number(value, stack_path, n)
    return gates, stacks


def convert_gate_measurements(gates: dict[str, float]) -> list[Measurement]:
    """The gate bars as measurements of the microbenchmark app, so it can be explored and estimated like the others."""
    return [Measurement(app=MICROBENCH, metric="gate", point=DesignPoint(MICROBENCH_LAYOUT, frozenset(), mechanism),
                        mean=gates[mechanism], stdev=0.0, runs=1, unit="cycles", higher_is_better=False,
                        source="fig11-gates", note=build)
            for mechanism, build in GATE_BUILDS.items() if mechanism in gates]


def convert(data: Path) -> BenchFile:
    data = Path(data)
    f = BenchFile()
    setup6 = ("Intel MPK backend, private stacks + Data Shadow Stacks, kvm x86_64; hardening = "
              "UBSan + KASan + stack protector on the library")
    for app in FIG6:
        f.provenance[f"fig6-{app}"] = Provenance(
            id=f"fig6-{app}", paper=PAPER, figure="Figure 6",
            measured=("redis-benchmark requests/s (GET, SET), mean of 5 iterations"
                      if app == "redis" else "wrk requests/s, mean of the iterations"),
            setup=setup6,
            notes=("a layout built twice (compartments 2 and 3 swapped) keeps both builds; "
                   "`plotted` marks the one the figure shows"))
        with _at(data / FIG6[app][1], None):
            f.measurements += convert_fig6(data, app)
    with _at(data / "iperf-throughput.dat", None):
        iperf, series = convert_iperf(data)
    f.measurements += iperf
    f.provenance["fig9-iperf"] = Provenance(
        id="fig9-iperf", paper=PAPER, figure="Figure 9",
        measured=f"iPerf throughput, mean over receive buffers >= {IPERF_PLATEAU} bytes",
        setup="kvm x86_64", notes="layouts of the artifact's kraft.yaml per image: iperf alone (as the presets)")
    f.tables["iperf_series_gbps"] = series
    with _at(data / "sqlite-exec-time.dat", None):
        sqlite, baselines = convert_sqlite(data)
    f.measurements += sqlite
    f.provenance["fig10-sqlite"] = Provenance(
        id="fig10-sqlite", paper=PAPER, figure="Figure 10", measured="5000 INSERTs, seconds",
        setup="kvm x86_64", notes="layouts of the artifact's kraft.yaml per bar (as the sqlite presets)")
    f.tables["sqlite_baselines_s"] = baselines
    with _at(data / "gate-latency.dat", None):
        gates, stacks = convert_gates(data)
    f.tables["gate_cycles"] = gates
    f.tables["stack_sharing_cycles"] = stacks
    f.provenance["fig11"] = Provenance(
        id="fig11", paper=PAPER, figure="Figure 11",
        measured="cycles per domain crossing; cycles to allocate N shared buffers",
        setup="microbenchmark")
    f.measurements += convert_gate_measurements(gates)
    f.provenance["fig11-gates"] = Provenance(
        id="fig11-gates", paper=PAPER, figure="Figure 11",
        measured="cycles of one gate crossing, the minimum of 10^6 calls",
        setup="kvm x86_64", notes="layouts of the artifact's kraft.yaml.mpk2 and .ept2 (as the presets)")
    return f

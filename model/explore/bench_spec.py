"""How to measure an app: a small YAML per app (format in benchspecs/README.md).

A spec says how to boot the guest (memory, kernel arguments, host port
forwards), where the metric comes from (a line of the guest's serial output,
or the output of a client program run against the guest), how many
repetitions and warm-up runs, the timeout, and which configurations are worth
exploring (mechanisms, hardenable libraries, compartments). Shipped specs
live in benchspecs/; a user's own in the data dir win over them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flexui.model.files.problems import InputError, Problem
from flexui.model.files.userdirs import data_dir
from flexui.model.files.yamlsource import locate, parse, read_text
from flexui.model.isolation.configuration import Origin
from flexui.model.vocabulary import MECHANISMS

SPEC_SUFFIX = ".yaml"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    unit: str
    higher_is_better: bool
    pattern: str  # regex; group 1 is the value (serial output, or the client's output)

    def value_in(self, lines: list[str]) -> float | None:
        regex = re.compile(self.pattern)
        for line in lines:
            m = regex.search(line)
            if m:
                try:
                    return float(m.group(1).replace(",", ""))
                except (IndexError, ValueError):
                    return None
        return None


@dataclass(frozen=True)
class BenchSpec:
    app: str
    metrics: dict[str, MetricSpec]
    memory_mb: int = 1024
    kernel_args: str = ""
    qemu_extra: list[str] = field(default_factory=list)
    forward: list[tuple[int, int]] = field(default_factory=list)  # (host port, guest port)
    client: list[str] = field(default_factory=list)  # argv; {port} is the first forwarded host port
    ready: str = ""  # serial line (regex) after which the client may start
    repetitions: int = 3
    warmup: int = 0
    timeout: float = 60.0
    mechanisms: list[str] = field(default_factory=lambda: list(MECHANISMS))
    libraries: list[str] | None = None  # the libraries whose placement is explored; None: the app's
    hardenable: list[str] | None = None  # None: every library explored
    max_compartments: int | None = 2
    path: str = ""

    def digest(self) -> str:
        """What a measurement depends on in the spec (not where the file is)."""
        data = {k: v for k, v in asdict(self).items() if k != "path"}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def client_argv(self) -> list[str]:
        port = str(self.forward[0][0]) if self.forward else ""
        return [a.replace("{port}", port) for a in self.client]


_TOP = {"app", "metrics", "boot", "client", "ready", "repetitions", "warmup", "timeout", "space"}


def load_spec(path: Path) -> BenchSpec:
    """Read and check a spec; InputError with every problem at file:line."""
    file = str(path)
    root, data = parse(read_text(path), file)
    problems: list[Problem] = []

    def bad(message: str, *where: str | int) -> None:
        problems.append(Problem(message, origin=locate(root, file, *where)))

    if not isinstance(data, dict):
        raise InputError([Problem("a benchmark spec is a mapping (app:, metrics:, ...); see benchspecs/README.md",
                                  origin=Origin(file, 1))])
    for key in data:
        if key not in _TOP:
            bad(f"unknown key {key!r}; one of {', '.join(sorted(_TOP))}", key)
    app = data.get("app")
    if not isinstance(app, str) or not app:
        bad("app: the app's name (as in its kraft.yaml) is required", "app")
    metrics = {}
    raw_metrics = data.get("metrics")
    if not isinstance(raw_metrics, dict) or not raw_metrics:
        bad("metrics: give at least one metric with unit, higher_is_better and pattern", "metrics")
        raw_metrics = {}
    for name, m in raw_metrics.items():
        if not isinstance(m, dict):
            bad(f"metric {name}: a mapping with unit, higher_is_better and pattern", "metrics", name)
            continue
        pattern = m.get("pattern")
        try:
            if not isinstance(pattern, str) or re.compile(pattern).groups < 1:
                raise re.error("no group")
        except re.error:
            bad(f"metric {name}: pattern must be a regular expression whose group 1 is the value",
                "metrics", name, "pattern")
            continue
        if not isinstance(m.get("higher_is_better"), bool):
            bad(f"metric {name}: higher_is_better: true (throughput) or false (time, cycles)",
                "metrics", name)
            continue
        metrics[str(name)] = MetricSpec(str(name), str(m.get("unit", "")), m["higher_is_better"], pattern)
    boot = data.get("boot") or {}
    if not isinstance(boot, dict):
        bad("boot: a mapping (memory_mb, args, qemu, forward)", "boot")
        boot = {}
    forward = []
    for i, item in enumerate(boot.get("forward") or []):
        m = re.fullmatch(r"(\d+):(\d+)", str(item))
        if not m:
            bad(f"boot.forward: {item!r} is not HOSTPORT:GUESTPORT such as 8080:80", "boot", "forward", i)
        else:
            forward.append((int(m.group(1)), int(m.group(2))))
    qemu = boot.get("qemu") or []
    if not isinstance(qemu, list) or not all(isinstance(a, str) for a in qemu):
        bad("boot.qemu: a list of extra QEMU arguments, one string each", "boot", "qemu")
        qemu = []
    client = data.get("client") or []
    if not isinstance(client, list) or not all(isinstance(a, str) for a in client):
        bad("client: the program to run against the guest as a list of arguments", "client")
        client = []
    space = data.get("space") or {}
    mechanisms = space.get("mechanisms", list(MECHANISMS)) if isinstance(space, dict) else []
    for i, mech in enumerate(mechanisms if isinstance(mechanisms, list) else [mechanisms]):
        if mech not in MECHANISMS:
            bad(f"space.mechanisms: unknown mechanism {mech!r}; one of {', '.join(MECHANISMS)}",
                "space", "mechanisms", i)
    numbers = {}
    for key, default, kind, low in (("repetitions", 3, int, 1), ("warmup", 0, int, 0),
                                    ("timeout", 60.0, (int, float), 1)):
        value = data.get(key, default)
        if not isinstance(value, kind) or isinstance(value, bool) or value < low:
            bad(f"{key}: a number of at least {low}", key)
            value = default
        numbers[key] = value
    memory = boot.get("memory_mb", 1024)
    if not isinstance(memory, int) or memory < 16:
        bad("boot.memory_mb: the guest's memory in MiB (at least 16)", "boot", "memory_mb")
    if problems:
        raise InputError(problems)
    hardenable = space.get("hardenable") if isinstance(space, dict) else None
    libraries = space.get("libraries") if isinstance(space, dict) else None
    return BenchSpec(
        app=str(app), metrics=metrics, memory_mb=memory, kernel_args=str(boot.get("args", "")),
        qemu_extra=list(qemu), forward=forward, client=list(client), ready=str(data.get("ready", "")),
        repetitions=int(numbers["repetitions"]), warmup=int(numbers["warmup"]), timeout=float(numbers["timeout"]),
        mechanisms=list(mechanisms),
        libraries=[str(x) for x in libraries] if isinstance(libraries, list) else None,
        hardenable=[str(h) for h in hardenable] if isinstance(hardenable, list) else None,
        max_compartments=space.get("max_compartments", 2) if isinstance(space, dict) else 2,
        path=file)


def user_specs_dir() -> Path:
    return data_dir() / "benchspecs"


def find_spec(app: str, dirs: list[Path] | None = None) -> Path | None:
    """The user's spec for `app` if there is one, else the shipped one."""
    if dirs is None:
        from flexui.paths import shipped_benchspecs

        dirs = [user_specs_dir(), shipped_benchspecs()]
    for d in dirs:
        candidate = Path(d) / f"{app}{SPEC_SUFFIX}"
        if candidate.is_file():
            return candidate
    return None

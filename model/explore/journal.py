"""What the closed loop measured: a journal per app and metric, and the user's benchmark data.

Every finished job is one journal entry (measured or failed) keyed by its
inputs: the configuration's files, the build commands, the source commits
and the benchmark spec. Rerunning the same command reuses measured entries
whose inputs match, so an interrupted run resumes where it stopped. Each
measurement also goes to the user's benchmark data (never the shipped
files) with its spread and its provenance: host, CPU, accelerator, commits, date.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flexui.model.files.atomic import write_atomic
from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.benchdata import USER_FILE, BenchFile, Measurement, Provenance

JOURNAL_FORMAT = "flexui-closed-loop/1"


def inputs_digest(point: DesignPoint, files: dict[str, str], commands: list[list[str]] | None,
                  commits: dict[str, str], spec_digest: str, metric: str) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([point.key(), sorted(files.items()), commands, sorted(commits.items()),
                         spec_digest, metric]).encode())
    return h.hexdigest()[:20]


@dataclass
class Entry:
    key: str
    inputs: str
    status: str  # "measured" | "failed"
    mean: float = 0.0
    stdev: float = 0.0
    values: list[float] = field(default_factory=list)
    unit: str = ""
    error: str = ""
    host: str = ""
    cpu: str = ""
    accel: str = ""
    build_seconds: float = 0.0
    boot_seconds: list[float] = field(default_factory=list)
    commits: dict[str, str] = field(default_factory=dict)
    date: str = ""

    @property
    def point(self) -> DesignPoint:
        return DesignPoint.from_key(self.key)


@dataclass
class Journal:
    path: Path
    entries: list[Entry] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Journal:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("format") != JOURNAL_FORMAT:
                return cls(Path(path))
            return cls(Path(path), [Entry(**e) for e in data.get("entries", [])])
        except (OSError, json.JSONDecodeError, TypeError):
            return cls(Path(path))

    def measured(self, inputs: str) -> Entry | None:
        """The last measurement with exactly these inputs (failures are tried again)."""
        for entry in reversed(self.entries):
            if entry.inputs == inputs and entry.status == "measured":
                return entry
        return None

    def failed(self) -> set[DesignPoint]:
        """The configurations whose last run failed (build, boot or measurement), not measured since."""
        last = {e.key: e.status for e in self.entries}
        return {DesignPoint.from_key(key) for key, status in last.items() if status == "failed"}

    def add(self, entry: Entry) -> None:
        entry.date = entry.date or time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.entries.append(entry)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps({"format": JOURNAL_FORMAT,
                                            "entries": [asdict(e) for e in self.entries]}, indent=1) + "\n",
                     keep_old=False)


def journal_path(data_dir: Path, app: str, metric: str) -> Path:
    return Path(data_dir) / "closed-loop" / f"{app}-{metric}.json"


def user_journal(app: str, metric: str) -> Journal:
    """The user's journal of this app and metric: what `explore --execute` resumes, what screens mark failed."""
    from flexui.model.files.userdirs import data_dir

    return Journal.load(journal_path(data_dir(), app, metric))


def record_measurement(user_dir: Path, app: str, metric: str, higher_is_better: bool, entry: Entry) -> Path:
    """Add the entry to the user's benchmark data with a provenance of its own."""
    path = Path(user_dir) / USER_FILE
    f = BenchFile.read(path) if path.is_file() else BenchFile()
    pid = f"closed-loop-{entry.inputs[:12]}"
    commits = ", ".join(f"{repo}@{c[:12]}" for repo, c in sorted(entry.commits.items()) if c)
    f.provenance[pid] = Provenance(
        id=pid, paper="", figure="", measured=f"flexui explore --execute, {entry.date}",
        setup=f"{entry.host}, {entry.cpu}, QEMU {entry.accel}",
        notes=f"{len(entry.values)} runs {entry.values}; sources {commits or 'not in git'}")
    f.measurements.append(Measurement(
        app=app, metric=metric, point=entry.point, mean=entry.mean, stdev=entry.stdev,
        runs=len(entry.values), unit=entry.unit, higher_is_better=higher_is_better, source=pid,
        note=f"closed loop on {entry.host}"))
    path.parent.mkdir(parents=True, exist_ok=True)
    f.write(path)
    return path

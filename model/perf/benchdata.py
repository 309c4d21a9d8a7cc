"""The benchmark database: published measurements plus the user's own.

Shipped data (converted from the paper's artifact, `benchdata/` in the
repository) and user measurements (under the user's data dir) are separate
files; loading merges them, and recording only ever writes the user's file.
A user measurement of a point that also has shipped data does not replace it:
both are kept, and `lookup` prefers the user's, because it was taken on the
user's own machine.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flexui.model.files.atomic import write_atomic
from flexui.model.files.problems import InputError, Origin, Problem
from flexui.model.isolation.design import DesignPoint

FORMAT = "flexui-benchdata/1"
USER_FILE = "user-measurements.json"


@dataclass(frozen=True)
class Provenance:
    """Where numbers come from, so a user can check them."""

    id: str
    paper: str
    figure: str
    measured: str
    setup: str
    notes: str = ""


@dataclass(frozen=True)
class Measurement:
    app: str
    metric: str
    point: DesignPoint
    mean: float
    stdev: float
    runs: int
    unit: str
    higher_is_better: bool
    source: str
    note: str = ""
    # Which build of the artifact was measured (Figure 6: its task id), and
    # whether the paper's figure shows it. A layout built twice (compartments
    # 2 and 3 swapped) keeps both builds; the figure shows one.
    build: str = ""
    plotted: bool = True

    def to_json(self) -> dict:
        data = asdict(self)
        data["point"] = self.point.key()
        return data

    @classmethod
    def from_json(cls, data: dict) -> Measurement:
        return cls(**{**data, "point": DesignPoint.from_key(data["point"])})


@dataclass
class BenchFile:
    """One source file: provenance entries, measurements, and mechanism cost tables."""

    provenance: dict[str, Provenance] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    tables: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "provenance": {k: asdict(v) for k, v in self.provenance.items()},
            "tables": self.tables,
            "measurements": [m.to_json() for m in self.measurements],
        }

    @classmethod
    def read(cls, path: Path) -> BenchFile:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise InputError([Problem(f"not valid JSON: {e.msg}; restore the file or remove it",
                                      origin=Origin(str(path), e.lineno))]) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError([Problem(f"not a flexui benchmark file (want format: {FORMAT})",
                                      origin=Origin(str(path), 1))])
        try:
            return cls(
                provenance={k: Provenance(**v) for k, v in data.get("provenance", {}).items()},
                measurements=[Measurement.from_json(m) for m in data.get("measurements", [])],
                tables=data.get("tables", {}),
            )
        except (TypeError, ValueError, KeyError) as e:
            raise InputError([Problem(f"malformed measurement: {e}; restore the file",
                                      origin=Origin(str(path), 1))]) from None

    def write(self, path: Path) -> None:
        write_atomic(Path(path), json.dumps(self.to_json(), indent=1, sort_keys=False) + "\n")


@dataclass
class BenchDB:
    shipped: list[Measurement] = field(default_factory=list)
    user: list[Measurement] = field(default_factory=list)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    tables: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, shipped_dir: Path | None = None, user_dir: Path | None = None, *,
             with_user: bool = True) -> BenchDB:
        from flexui.model.files.userdirs import data_dir
        from flexui.paths import shipped_benchdata

        shipped_dir = shipped_benchdata() if shipped_dir is None else Path(shipped_dir)
        user_dir = data_dir() / "benchdata" if user_dir is None else Path(user_dir)
        db = cls()
        for path in sorted(shipped_dir.glob("*.json")) if shipped_dir.is_dir() else []:
            f = BenchFile.read(path)
            db.shipped += f.measurements
            db.provenance.update(f.provenance)
            db.tables.update(f.tables)
        user_path = user_dir / USER_FILE
        if with_user and user_path.is_file():
            f = BenchFile.read(user_path)
            db.user += f.measurements
            db.provenance.update(f.provenance)
        return db

    @property
    def all(self) -> list[Measurement]:
        return [*self.shipped, *self.user]

    def apps(self) -> list[str]:
        return sorted({m.app for m in self.all})

    def metrics(self, app: str) -> list[str]:
        return sorted({m.metric for m in self.all if m.app == app})

    def series(self, app: str, metric: str) -> list[Measurement]:
        """One measurement per point: the user's where both exist, else the build the paper plotted."""
        chosen: dict[DesignPoint, Measurement] = {}
        for m in self.all:
            if m.app == app and m.metric == metric:
                old = chosen.get(m.point)
                if old is None or self._rank(m) >= self._rank(old):
                    chosen[m.point] = m
        return list(chosen.values())

    def builds(self, app: str, metric: str, point: DesignPoint) -> list[Measurement]:
        """Every measured build of one point, the preferred one first."""
        same = [m for m in self.all if m.app == app and m.metric == metric and m.point == point]
        latest_first = same[::-1]  # the sort is stable: latest first among equals
        return sorted(latest_first, key=self._rank, reverse=True)

    def points(self, app: str, metric: str) -> list[DesignPoint]:
        """The configurations measured for this app and metric, shipped or the user's."""
        return [m.point for m in self.series(app, metric)]

    def lookup(self, app: str, metric: str, point: DesignPoint) -> Measurement | None:
        builds = self.builds(app, metric, point)
        return builds[0] if builds else None

    def _rank(self, m: Measurement) -> int:
        """The user's own measurement first, then the build the paper plotted, then its twin."""
        return 2 if m in self.user else int(m.plotted)

    def libraries(self, app: str) -> frozenset[str]:
        """The libraries the app's measurements place: the space they describe."""
        libs: set[str] = set()
        for m in self.all:
            if m.app == app:
                libs |= m.point.libraries
        return frozenset(libs)


def record(user_dir: Path, measurement: Measurement) -> Path:
    """Append a user measurement to the user's file (atomically); shipped files are never touched."""
    path = Path(user_dir) / USER_FILE
    f = BenchFile.read(path) if path.is_file() else BenchFile()
    f.provenance.setdefault("user", Provenance(
        id="user", paper="", figure="", measured="recorded with flexui measure record",
        setup="the user's own machine"))
    f.measurements.append(measurement)
    path.parent.mkdir(parents=True, exist_ok=True)
    f.write(path)
    return path

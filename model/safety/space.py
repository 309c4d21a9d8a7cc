"""An app's configuration space: layouts x hardening x mechanisms, kept compact.

Points are never materialised in bulk: a point is (layout index, hardening
bitmask, mechanism index), and sets of points are Python ints used as bitsets
over hardening masks, one per (layout, mechanism). That keeps budget queries on
spaces of millions of configurations to a few thousand big-int operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flexui.model.isolation.configuration import COUPLED_LIBRARIES
from flexui.model.isolation.design import (
    MECHANISM_LEVEL,
    DesignPoint,
    Layout,
    canonical_layout,
    library_units,
    refines,
)
from flexui.model.safety.order import splits
from flexui.model.vocabulary import MECHANISMS

MAX_LAYOUTS = 120_000  # Bell(10): ten units; eleven (678,570 layouts) take minutes and gigabytes


def layout_count(units: int, max_compartments: int | None = None) -> int:
    """How many layouts `units` units have with at most `max_compartments` compartments (Stirling sums)."""
    k_max = units if max_compartments is None else min(units, max(max_compartments, 0))
    row = [1]  # S(n, k) for k = 0..n, built row by row
    for n in range(1, units + 1):
        row = [0] + [k * (row[k] if k < len(row) else 0) + row[k - 1] for k in range(1, n + 1)]
    return sum(row[1:k_max + 1]) if units else 1


class SpaceTooLarge(ValueError):
    """A generated space too large to enumerate; the message says how to narrow it."""


def set_partitions(items: list) -> list[list[list]]:
    """Every partition of `items` into non-empty blocks (Bell-number many)."""
    if not items:
        return [[]]
    first, rest = items[0], items[1:]
    out = []
    for partition in set_partitions(rest):
        out.append([[first], *partition])
        for i in range(len(partition)):
            out.append([*partition[:i], [first, *partition[i]], *partition[i + 1:]])
    return out


@dataclass
class ConfigSpace:
    units: list[frozenset[str]]
    layouts: list[Layout]
    hardenable: list[frozenset[str]]
    mechanisms: list[str]
    layout_covers: list[list[int]] = field(default_factory=list)
    mechanism_covers: list[list[int]] = field(default_factory=list)
    _layout_index: dict[Layout, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._layout_index = {layout: i for i, layout in enumerate(self.layouts)}
        if not self.layout_covers:
            self.layout_covers = self._covers_by_splitting()
        self.mechanism_covers = [
            [j for j, b in enumerate(self.mechanisms)
             if MECHANISM_LEVEL[b] > MECHANISM_LEVEL[a]
             and not any(MECHANISM_LEVEL[a] < MECHANISM_LEVEL[c] < MECHANISM_LEVEL[b] for c in self.mechanisms)]
            for a in self.mechanisms]

    # -- construction -------------------------------------------------------------
    @classmethod
    def generate(cls, libraries, *, max_compartments: int | None = None, hardenable=None,
                 mechanisms=MECHANISMS, coupled=COUPLED_LIBRARIES) -> ConfigSpace:
        units = library_units(libraries, coupled)
        count = layout_count(len(units), max_compartments)
        if count > MAX_LAYOUTS:
            raise SpaceTooLarge(
                f"{len(units)} libraries (or coupled groups) have {count:,} layouts, more than the "
                f"{MAX_LAYOUTS:,} flexui enumerates; give --max-compartments (e.g. 3) or an app with fewer "
                "libraries, or use --space measured")
        layouts = [canonical_layout(frozenset().union(*block) for block in partition)
                   for partition in set_partitions(units)
                   if max_compartments is None or len(partition) <= max_compartments]
        hard_libs = set(libraries) if hardenable is None else set(hardenable)
        hard_units = [u for u in units if u & hard_libs]
        return cls(units, layouts, hard_units, list(mechanisms))

    @classmethod
    def spanned_by(cls, points: list[DesignPoint], coupled=COUPLED_LIBRARIES) -> ConfigSpace:
        """The product space of the layouts, hardened units and mechanisms some points use."""
        libraries = frozenset().union(*(p.libraries for p in points))
        units = library_units(libraries, coupled)
        layouts = sorted({p.layout for p in points}, key=lambda layout: (len(layout), sorted(map(sorted, layout))))
        hardened = frozenset().union(*(p.hardened for p in points))
        hard_units = [u for u in units if u & hardened]
        mechanisms = [m for m in MECHANISMS if any(p.mechanism == m for p in points)]
        covers = [[j for j, b in enumerate(layouts) if b != a and refines(b, a)
                   and not any(c not in (a, b) and refines(c, a) and refines(b, c) for c in layouts)]
                  for a in layouts]
        return cls(units, layouts, hard_units, mechanisms, layout_covers=covers)

    def _covers_by_splitting(self) -> list[list[int]]:
        return [sorted({self._layout_index[s] for s in splits(layout) if s in self._layout_index})
                for layout in self.layouts]

    # -- points -------------------------------------------------------------------
    @property
    def masks(self) -> int:
        return 1 << len(self.hardenable)

    @property
    def size(self) -> int:
        return len(self.layouts) * self.masks * len(self.mechanisms)

    def point(self, layout: int, mask: int, mechanism: int) -> DesignPoint:
        hardened = frozenset().union(*(u for i, u in enumerate(self.hardenable) if mask >> i & 1))
        return DesignPoint(self.layouts[layout], hardened, self.mechanisms[mechanism])

    def index(self, point: DesignPoint) -> tuple[int, int, int] | None:
        layout = self._layout_index.get(point.layout)
        if layout is None or point.mechanism not in self.mechanisms:
            return None
        mask = 0
        for i, unit in enumerate(self.hardenable):
            if unit <= point.hardened:
                mask |= 1 << i
        if self.point(layout, mask, 0).hardened != point.hardened:
            return None
        return layout, mask, self.mechanisms.index(point.mechanism)

    def __contains__(self, point: DesignPoint) -> bool:
        return self.index(point) is not None

    def points(self):
        for layout in range(len(self.layouts)):
            for mask in range(self.masks):
                for mech in range(len(self.mechanisms)):
                    yield self.point(layout, mask, mech)

    def libraries(self) -> frozenset[str]:
        return frozenset().union(*self.units)


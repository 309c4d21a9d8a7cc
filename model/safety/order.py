"""The partial safety order on configurations.

Product order (default): B is at least as safe as A when B's layout refines
A's, B hardens a superset of A's libraries and B's mechanism is at least as
strong; any combination of steps. Paper order (coarser, as the paper drew
it): layouts are compared only from unhardened configurations, hardening
only within one layout, with mechanism steps anywhere; the transitive
closure of those steps is: b at least as safe as a when b's mechanism is at
least as strong and either b hardens more in a's layout, or a is unhardened
and b's layout refines a's.
"""

from __future__ import annotations

from collections.abc import Iterable

from flexui.model.isolation.design import (
    MECHANISM_LEVEL,
    DesignPoint,
    canonical_layout,
    library_units,
    mechanism_stronger_or_equal,
    refines,
)

ORDERS = ("product", "paper")


def leq(a: DesignPoint, b: DesignPoint, order: str = "product") -> bool:
    """True when `b` is at least as safe as `a`."""
    if order == "product":
        return (refines(b.layout, a.layout) and b.hardened >= a.hardened
                and mechanism_stronger_or_equal(b.mechanism, a.mechanism))
    if order == "paper":
        if not mechanism_stronger_or_equal(b.mechanism, a.mechanism):
            return False
        if a.layout == b.layout:
            return b.hardened >= a.hardened
        return not a.hardened and refines(b.layout, a.layout)
    raise ValueError(f"unknown order {order!r}; one of {', '.join(ORDERS)}")


def lt(a: DesignPoint, b: DesignPoint, order: str = "product") -> bool:
    return a != b and leq(a, b, order)


def comparable(a: DesignPoint, b: DesignPoint, order: str = "product") -> bool:
    return leq(a, b, order) or leq(b, a, order)


def splits(layout) -> Iterable:
    """Layouts one compartment split in two: the covers of `layout` in refinement."""
    for group in layout:
        members = sorted(group)
        first, rest = members[0], members[1:]
        for mask in range(1 << len(rest)):
            if mask == (1 << len(rest)) - 1:
                continue
            keep = {first, *(lib for i, lib in enumerate(rest) if mask >> i & 1)}
            yield canonical_layout([*(g for g in layout if g != group), keep, group - keep])


def stronger_mechanisms(mechanism: str) -> list[str]:
    """The mechanisms one step stronger."""
    level = MECHANISM_LEVEL[mechanism]
    above = [m for m, lv in MECHANISM_LEVEL.items() if lv > level]
    if not above:
        return []
    nearest = min(MECHANISM_LEVEL[m] for m in above)
    return sorted(m for m in above if MECHANISM_LEVEL[m] == nearest)


def safer_steps(point: DesignPoint, hardenable: Iterable[str], mechanisms: Iterable[str] | None = None,
                coupled: Iterable[frozenset[str]] = ()) -> list[DesignPoint]:
    """The configurations one step safer (the upper covers in the product order)."""
    allowed = set(mechanisms) if mechanisms is not None else set(MECHANISM_LEVEL)
    out = []
    for unit in library_units(hardenable, coupled):
        if not unit <= point.hardened:
            out.append(DesignPoint(point.layout, point.hardened | unit, point.mechanism))
    for layout in splits(point.layout):
        if not _breaks_coupling(layout, coupled):
            out.append(DesignPoint(layout, point.hardened, point.mechanism))
    for m in stronger_mechanisms(point.mechanism):
        if m in allowed:
            out.append(DesignPoint(point.layout, point.hardened, m))
    return out


def less_safe_steps(point: DesignPoint, mechanisms: Iterable[str] | None = None,
                    coupled: Iterable[frozenset[str]] = ()) -> list[DesignPoint]:
    """The configurations one step less safe (the lower covers in the product order)."""
    allowed = set(mechanisms) if mechanisms is not None else set(MECHANISM_LEVEL)
    out = [DesignPoint(point.layout, point.hardened - unit, point.mechanism)
           for unit in library_units(point.hardened, coupled) if unit <= point.hardened]
    groups = sorted(point.layout, key=sorted)
    for i, a in enumerate(groups):
        for b in groups[i + 1:]:
            merged = canonical_layout([*(g for g in groups if g not in (a, b)), a | b])
            out.append(DesignPoint(merged, point.hardened, point.mechanism))
    level = MECHANISM_LEVEL[point.mechanism]
    below = [lv for lv in MECHANISM_LEVEL.values() if lv < level]
    if below:
        out += [DesignPoint(point.layout, point.hardened, m) for m in sorted(allowed)
                if MECHANISM_LEVEL[m] == max(below)]
    return out


def _breaks_coupling(layout, coupled: Iterable[frozenset[str]]) -> bool:
    return any(sum(1 for g in layout if g & group) > 1 for group in coupled)


def count_safer(point: DesignPoint, space) -> int:
    """How many configurations of a ConfigSpace are strictly safer (product order), without listing them."""
    return _count_comparable(point, space, upward=True)


def count_less_safe(point: DesignPoint, space) -> int:
    """How many configurations of a ConfigSpace are strictly less safe (product order)."""
    return _count_comparable(point, space, upward=False)


def _count_comparable(point: DesignPoint, space, upward: bool) -> int:
    """Per dimension counts multiply: the product order is a product of three orders."""
    def ordered(x, y):
        return (x, y) if upward else (y, x)

    layouts = sum(1 for layout in space.layouts if refines(*ordered(layout, point.layout)))
    hardened = sum(1 for unit in space.hardenable if unit <= point.hardened)
    free = len(space.hardenable) - hardened if upward else hardened
    mechanisms = sum(1 for m in space.mechanisms if mechanism_stronger_or_equal(*ordered(m, point.mechanism)))
    total = layouts * (1 << free) * mechanisms
    return total - 1 if point in space else total


def hasse_edges(points: list[DesignPoint], order: str = "product") -> list[tuple[DesignPoint, DesignPoint]]:
    """Cover pairs (a, b): a < b with nothing in between, among `points` (small sets: drawing)."""
    edges = []
    for a in points:
        above = [b for b in points if lt(a, b, order)]
        for b in above:
            if not any(lt(c, b, order) for c in above if c != b):
                edges.append((a, b))
    return edges


def count_relations(point: DesignPoint, points: Iterable[DesignPoint], order: str = "product") -> tuple[int, int]:
    """(how many are strictly safer, how many strictly less safe) among `points`."""
    safer = less = 0
    for other in points:
        if lt(point, other, order):
            safer += 1
        elif lt(other, point, order):
            less += 1
    return safer, less

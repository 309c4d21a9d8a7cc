"""The Hasse diagram of the safety order around one configuration, laid out on a grid of cells.

Which configurations (a few layers of the covering relation up and down from
the current one, the most informative of each layer kept), their order
within a layer (fewest crossings found), box coordinates, edge routes
(orthogonal, on tracks in the gap between two layers), what boxes and edges
say (short names by the difference from the current configuration, never cut,
wrapped to fit the terminal) and the navigation between nodes are all
decided here; a terminal widget only paints
the cells and their roles. Safer configurations are drawn above less safe ones.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable, Set
from dataclasses import dataclass, field

from flexui.model.isolation.configuration import COUPLED_LIBRARIES
from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.estimator import Estimate, Estimator
from flexui.model.safety.budget_answer import hardenable_with_data
from flexui.model.safety.order import leq, less_safe_steps, safer_steps
from flexui.model.safety.summary import SafetySummary, describe_step, with_unit

KIND_SHORT = {"measured": "meas", "estimated": "est", "failed": "FAILED"}  # "failed": build, boot or run
KIND_RANK = {"measured": 0, "failed": 1, "estimated": 2}
MEETS, OVER = "✓", "✗"
CURRENT = "(current)"


@dataclass(frozen=True)
class Zoom:
    """How much of the order to draw: layers each way, configurations per layer, box text."""

    up: int
    down: int
    per_layer: int
    spelled: bool  # kinds spelled out on a line of their own (wide terminals)
    gap: int = 3  # columns between boxes: room for the labels


ZOOMS = (Zoom(1, 1, 3, False), Zoom(2, 1, 4, False), Zoom(2, 2, 5, True, 6), Zoom(3, 2, 7, True, 6))


def zoom_for(width: int) -> int:
    """The default zoom for a terminal `width` cells wide: fewer layers and shorter boxes when narrow."""
    return 2 if width >= 120 else 0


@dataclass(frozen=True)
class Node:
    point: DesignPoint
    layer: int  # 0 the current configuration, +k k steps safer, -k k steps less safe
    estimate: Estimate | None
    kind: str  # "measured" | "estimated" | "failed" | "unknown"
    meets: bool | None  # the budget verdict; None without a budget
    current: bool = False


@dataclass(frozen=True)
class Edge:
    lower: DesignPoint
    upper: DesignPoint
    step: str  # what going up the edge does: "isolate lwip", "harden redis", ...


@dataclass
class Neighbourhood:
    centre: DesignPoint
    layers: dict[int, list[Node]]
    edges: list[Edge]
    hidden: dict[int, int]  # layer -> covers of the layer below (above) not drawn

    @property
    def nodes(self) -> list[Node]:
        return [n for k in sorted(self.layers) for n in self.layers[k]]


def kind_of(estimate: Estimate | None, failed: bool) -> str:
    """measured, estimated or failed (a closed-loop run that failed and was not measured since)."""
    if failed and (estimate is None or estimate.kind != "measured"):
        return "failed"
    return estimate.kind if estimate is not None else "unknown"


def is_cover(lower: DesignPoint, upper: DesignPoint, order: str) -> bool:
    """`upper` one step safer than `lower` (a cover in the product order, kept if `order` relates them)."""
    return (upper in safer_steps(lower, lower.libraries, coupled=COUPLED_LIBRARIES)
            and leq(lower, upper, order))


def neighbourhood(centre: DesignPoint, *, zoom: Zoom, order: str, hardenable: set[str],
                  estimate: Callable[[DesignPoint], Estimate | None], failed: Set[DesignPoint] = frozenset(),
                  budget: float | None = None) -> Neighbourhood:
    """The covering relation a few layers up and down from `centre`, `zoom.per_layer` kept per layer.

    Upward steps harden only `hardenable` (libraries whose hardening cost is
    known), as the Safety screen's "Next safer steps" do. Kept first: the
    configurations linked to most of the layer before, then measured, failed,
    estimated ones, then the best value.
    """
    def node(point: DesignPoint, layer: int) -> Node:
        e = estimate(point)
        kind = kind_of(e, point in failed)
        meets = e.meets(budget) if e is not None and budget is not None else None
        return Node(point, layer, e, kind, meets, current=point == centre)

    layers = {0: [node(centre, 0)]}
    hidden: dict[int, int] = {}
    for sign, depth in ((1, zoom.up), (-1, zoom.down)):
        frontier = [centre]
        for k in range(1, depth + 1):
            links: dict[DesignPoint, int] = {}
            for p in frontier:
                steps = safer_steps(p, hardenable, coupled=COUPLED_LIBRARIES) if sign > 0 else \
                    less_safe_steps(p, coupled=COUPLED_LIBRARIES)
                for q in steps:
                    if leq(*((p, q) if sign > 0 else (q, p)), order):
                        links[q] = links.get(q, 0) + 1
            candidates = [node(q, sign * k) for q in links]
            candidates.sort(key=lambda n: (-links[n.point], KIND_RANK.get(n.kind, 3), _cost(n), n.point.key()))
            kept = candidates[:zoom.per_layer]
            hidden[sign * k] = len(candidates) - len(kept)
            if not kept:
                break
            layers[sign * k] = kept
            frontier = [n.point for n in kept]
    edges = []
    for k in sorted(layers)[:-1]:
        for a in layers[k]:
            for b in layers.get(k + 1, []):
                if is_cover(a.point, b.point, order):
                    edges.append(Edge(a.point, b.point, describe_step(a.point, b.point)))
    return Neighbourhood(centre, layers, edges, hidden)


def around(summary: SafetySummary, estimator: Estimator, *, zoom: Zoom, order: str,
           failed: Set[DesignPoint] = frozenset(), budget: float | None = None) -> Neighbourhood | None:
    """The neighbourhood of the Safety screen's configuration, valued as its summary is.

    `failed` are configurations in the model's libraries (as `summary.point` is).
    """
    app, metric = summary.app, summary.metric
    if metric is None:
        return None
    model = estimator.fit(app, metric)
    return neighbourhood(summary.point, zoom=zoom, order=order, hardenable=hardenable_with_data(model),
                         estimate=lambda p: estimator.estimate(app, metric, p),
                         failed=failed, budget=budget)


def _cost(n: Node) -> float:
    if n.estimate is None:
        return float("inf")
    return -n.estimate.value if n.estimate.higher_is_better else n.estimate.value


# -- order within layers ----------------------------------------------------------

EXACT_ORDERS = 720  # orders of the fixed layers of a stretch tried when finding its exact optimum


def order_layers(hood: Neighbourhood, starts: int = 12) -> dict[int, list[DesignPoint]]:
    """Each layer's left-to-right order with few crossings, the best of several starts, then made exact.

    Starts: the order kept, barycentre and median sweeps outward from the
    centre, then down and up over every layer, and a few shuffles. From each,
    every layer in turn (down, then up, until nothing changes) takes the order
    with the fewest crossings against its two fixed neighbours, found exactly
    (layers hold a handful of nodes). That can stop in a local optimum where
    two layers would have to change together, so each stretch between
    one-node layers is then solved exactly where that is cheap (see
    `_exact_stretch`); an order already optimal is kept, so the picture only
    changes where it gains.
    """
    keys = sorted(hood.layers)
    above: dict[DesignPoint, list[DesignPoint]] = {n.point: [] for n in hood.nodes}
    below: dict[DesignPoint, list[DesignPoint]] = {n.point: [] for n in hood.nodes}
    for e in hood.edges:
        above[e.lower].append(e.upper)
        below[e.upper].append(e.lower)
    Order = dict[int, list[DesignPoint]]

    def sweep(order: Order, k: int, ref: int, median: bool) -> None:
        pos = {p: i for i, p in enumerate(order[ref])}
        def value(i: int, p: DesignPoint) -> float:
            near = sorted(pos[q] for q in (above[p] if ref > k else below[p]))
            if not near:
                return float(i)
            if median:
                return (near[(len(near) - 1) // 2] + near[len(near) // 2]) / 2
            return sum(near) / len(near)
        order[k] = [p for _, p in sorted(enumerate(order[k]), key=lambda item: (value(*item), item[0]))]

    def best_row(order: Order, k: int) -> bool:
        """Layer k in its order with the fewest crossings against layers k-1 and k+1; True if it changed."""
        sides = [({p: i for i, p in enumerate(order[r])}, above if r > k else below) for r in (k - 1, k + 1)
                 if r in order]
        _, _, placed = _fewest_in_row([[sorted(pos[q] for q in links[p]) for pos, links in sides] for p in order[k]])
        if placed is None:
            return False
        order[k] = [order[k][i] for i in placed]
        return True

    def settle(order: Order) -> Order:
        changed = True
        while changed:
            changed = False
            for k in [*reversed(keys), *keys]:
                changed |= best_row(order, k)
        return order

    kept = {k: [n.point for n in hood.layers[k]] for k in keys}
    candidates = [kept]
    for median in (False, True):
        swept = {k: list(v) for k, v in kept.items()}
        for k in [k for k in keys if k > 0] + [k for k in reversed(keys) if k < 0]:
            sweep(swept, k, k - 1 if k > 0 else k + 1, median)
        for _ in range(2):
            for k in reversed(keys[:-1]):
                sweep(swept, k, k + 1, median)
            for k in keys[1:]:
                sweep(swept, k, k - 1, median)
        candidates.append(swept)
    shuffler = random.Random(0)  # the same picture every time
    for _ in range(starts - len(candidates)):
        candidates.append({k: shuffler.sample(v, len(v)) for k, v in kept.items()})
    best, fewest = kept, crossings(hood, kept)
    for start in candidates:
        if fewest == 0:
            break
        order = settle({k: list(v) for k, v in start.items()})
        count = crossings(hood, order)
        if count < fewest:
            best, fewest = order, count
    stretch: list[int] = []
    for k in keys:
        stretch.append(k)
        if len(best[k]) == 1 or k == keys[-1]:
            _exact_stretch(best, stretch, above, below)
            stretch = [k]
    return best


def _exact_stretch(order: dict[int, list[DesignPoint]], stretch: list[int],
                   above: dict[DesignPoint, list[DesignPoint]], below: dict[DesignPoint, list[DesignPoint]]) -> None:
    """Layers `stretch` (ending on one-node layers or the diagram's ends) in their fewest crossings, if cheap.

    Crossings happen only between adjacent layers and a one-node layer has
    one order, so stretches are independent. With every other layer's order
    fixed, the layers between are independent too and each is solved
    exactly; trying every order of the fixed ones (the cheaper half, while at
    most EXACT_ORDERS, half of them as reversing every layer changes nothing)
    gives the exact optimum. The order in hand is kept unless beaten.
    """
    halves = [stretch[0::2], stretch[1::2]]
    tries = [math.prod(math.factorial(len(order[k])) for k in half) for half in halves]
    fixed = [k for k in halves[tries.index(min(tries))] if len(order[k]) > 1]
    free = [k for k in stretch if k not in fixed and len(order[k]) > 1]
    if not fixed or not free or min(tries) > EXACT_ORDERS:
        return
    base = {k: list(order[k]) for k in stretch}
    index = {p: i for k in stretch for i, p in enumerate(base[k])}
    # per free layer, per node: the indices in `base` of the nodes it links to in each fixed neighbour
    links = {k: [[(r, [index[q] for q in (above if r > k else below)[p]]) for r in (k - 1, k + 1) if r in fixed]
                 for p in base[k]] for k in free}

    def solve(rows: dict[int, tuple[int, ...]]) -> dict[int, tuple[int, int, list[int] | None]]:
        """Each free layer's (crossings now, fewest, order) with the fixed layers in `rows`."""
        at = {r: {i: x for x, i in enumerate(rows[r])} for r in fixed}
        return {k: _fewest_in_row([[sorted(at[r][i] for i in near) for r, near in node] for node in links[k]])
                for k in free}

    least = sum(now for now, _, _ in solve({r: tuple(range(len(base[r]))) for r in fixed}).values())
    for rows in itertools.product(*(itertools.permutations(range(len(base[r]))) for r in fixed)):
        if rows[0][0] > rows[0][-1]:
            continue
        trial = dict(zip(fixed, rows))
        solved = solve(trial)
        count = sum(fewest for _, fewest, _ in solved.values())
        if count < least:
            least = count
            order.update({r: [base[r][i] for i in trial[r]] for r in fixed})
            order.update({k: base[k] if placed is None else [base[k][i] for i in placed]
                          for k, (_, _, placed) in solved.items()})


def _fewest_in_row(ends: list[list[list[int]]]) -> tuple[int, int, list[int] | None]:
    """(crossings now, fewest crossings, the order reaching them or None if no better) of a layer's nodes
    against its fixed neighbours: `ends[u][s]` are the sorted positions node u links to on side s.

    Exact over subsets (layers hold a handful of nodes).
    """
    n = len(ends)
    sides = range(len(ends[0])) if ends else range(0)
    cost = [[sum(1 for s in sides for a in ends[u][s] for b in ends[v][s] if a > b)
             for v in range(n)] for u in range(n)]  # cost[u][v]: crossings of u's and v's edges, u left of v
    now = sum(cost[u][v] for u in range(n) for v in range(u + 1, n))
    full = (1 << n) - 1
    least = [now + 1] * (1 << n)
    least[0] = 0
    last = [0] * (1 << n)
    added = [[0] * n for _ in range(1 << n)]  # added[S][v]: crossings of v placed right of the set S
    for subset in range(1, 1 << n):
        low = (subset & -subset).bit_length() - 1
        rest = added[subset & (subset - 1)]
        added[subset] = [rest[v] + cost[low][v] for v in range(n)]
    for subset in range(1 << n):
        if least[subset] > now:
            continue
        for v in range(n):
            if not subset >> v & 1 and least[subset] + added[subset][v] < least[subset | 1 << v]:
                least[subset | 1 << v] = least[subset] + added[subset][v]
                last[subset | 1 << v] = v
    if least[full] >= now:
        return now, now, None
    placed, subset = [], full
    while subset:
        placed.append(last[subset])
        subset ^= 1 << last[subset]
    return now, least[full], placed[::-1]


def crossings(hood: Neighbourhood, order: dict[int, list[DesignPoint]]) -> int:
    """Pairs of edges between the same two layers whose ends are in opposite orders."""
    pos = {p: i for points in order.values() for i, p in enumerate(points)}
    layer = {n.point: n.layer for n in hood.nodes}
    count = 0
    for i, e in enumerate(hood.edges):
        for f in hood.edges[i + 1:]:
            if layer[e.lower] == layer[f.lower] and (pos[e.lower] - pos[f.lower]) * (pos[e.upper] - pos[f.upper]) < 0:
                count += 1
    return count


# -- the drawing --------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    node: Node
    x: int
    y: int
    width: int
    height: int
    lines: tuple[str, ...]

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


@dataclass(frozen=True)
class Route:
    edge: Edge
    cells: tuple[tuple[int, int], ...]  # every cell of the line, upper end first
    label: tuple[int, int, str] | None  # (x, y, text) where its step is written, if room was found


@dataclass
class Drawing:
    """The diagram as rows of characters with a role per cell, and what sits where."""

    hood: Neighbourhood
    boxes: dict[DesignPoint, Box]
    routes: list[Route]
    chars: list[list[str]]
    roles: list[list[str]]  # "" | "edge" | "label" | "box" | "current" | "selected" | "meets" | "over" | "failed"
    selected: DesignPoint
    order: dict[int, list[DesignPoint]] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.chars[0]) if self.chars else 0

    @property
    def height(self) -> int:
        return len(self.chars)

    def text(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.chars]

    def node_at(self, x: int, y: int) -> DesignPoint | None:
        """The configuration whose box (or selection marks beside it) is at cell (x, y)."""
        for point, box in self.boxes.items():
            if box.y <= y < box.y + box.height and box.x - 1 <= x <= box.x + box.width:
                return point
        return None

    def move(self, direction: str) -> DesignPoint:
        """The node `direction` (left, right, up, down) of the selected one; itself at an edge."""
        layer = next(n.layer for n in self.hood.nodes if n.point == self.selected)
        row = self.order[layer]
        i = row.index(self.selected)
        if direction in ("left", "right"):
            j = i + (1 if direction == "right" else -1)
            return row[j] if 0 <= j < len(row) else self.selected
        target = layer + (1 if direction == "up" else -1)
        if target not in self.order:
            return self.selected
        here = self.boxes[self.selected]
        linked = {e.upper if direction == "up" else e.lower for e in self.hood.edges
                  if (e.lower if direction == "up" else e.upper) == self.selected}
        choices = [p for p in self.order[target] if p in linked] or self.order[target]
        return min(choices, key=lambda p: (abs(_mid(self.boxes[p]) - _mid(here)), self.order[target].index(p)))

    def select(self, point: DesignPoint) -> Drawing:
        """The same drawing with `point` selected: only the marks beside two boxes change."""
        chars, roles = [row[:] for row in self.chars], [row[:] for row in self.roles]
        _mark(chars, roles, self.boxes[self.selected], False)
        _mark(chars, roles, self.boxes[point], True)
        return Drawing(self.hood, self.boxes, self.routes, chars, roles, point, self.order)

    def steps_of(self, point: DesignPoint) -> tuple[list[Edge], list[Edge]]:
        """(edges up to safer configurations, edges down to less safe ones) drawn at `point`."""
        return ([e for e in self.hood.edges if e.lower == point],
                [e for e in self.hood.edges if e.upper == point])


def _mid(box: Box) -> float:
    return box.x + box.width / 2


def name(point: DesignPoint, base: DesignPoint) -> str:
    """`point` named by how it differs from `base`: +H/-H lwip hardened or not, +I/-I lwip isolated or not, M ept.

    Short enough for a box at 80 columns, and two configurations drawn side
    by side never get the same name. An edge is named the same way, from
    its lower end: what going up it does.
    """
    return " ".join(_name_parts(point, base))


def _name_parts(point: DesignPoint, base: DesignPoint) -> list[str]:
    if point == base:
        return [CURRENT]
    parts = []
    for sign, libraries in (("+", point.hardened - base.hardened), ("-", base.hardened - point.hardened)):
        if libraries:
            parts.append(f"{sign}H {','.join(sorted(libraries))}")
    for sign, pieces in (("+", _split(point.layout, base.layout)), ("-", _merged(point.layout, base.layout))):
        if pieces:
            parts.append(f"{sign}I {'|'.join(pieces)}")
    if point.mechanism != base.mechanism:
        parts.append(f"M {point.mechanism}")
    return parts


def _largest(groups):
    return max(groups, key=lambda g: (len(g), sorted(g)))


def _split(layout, base) -> list[str]:
    """Compartments cut out of one of `base`'s: every piece but the largest, as the steps name them."""
    out = []
    for group in sorted(base, key=sorted):
        pieces = [g for g in layout if g < group]
        if pieces:
            out += sorted(",".join(sorted(g)) for g in pieces if g != _largest(pieces))
    return out


def _merged(layout, base) -> list[str]:
    """`base`'s compartments joined: those put back into its largest one, or those joined to each other (a+b)."""
    main, out = _largest(base), []
    for group in sorted(layout, key=sorted):
        pieces = sorted(",".join(sorted(g)) for g in base if g < group and g != main)
        if pieces:
            out.append(",".join(pieces) if main < group else "+".join(pieces))
    return out


def box_lines(node: Node, zoom: Zoom, base: DesignPoint, limit: int | None = None) -> tuple[str, ...]:
    """What a box says: its name (wrapped to `limit` columns), the value with its unit, its kind and budget verdict."""
    verdict = "" if node.meets is None else f" {MEETS if node.meets else OVER}"
    value = with_unit(node.estimate.value, node.estimate.unit) if node.estimate else "no data"
    rest = (value, f"{node.kind}{verdict}") if zoom.spelled else \
        (f"{value} {KIND_SHORT.get(node.kind, node.kind)}{verdict}",)
    widest = max(len(t) for t in rest)  # a name wrapped narrower than the rest would not narrow the box
    return *_wrap(_name_parts(node.point, base), None if limit is None else max(limit, widest)), *rest


def _wrap(parts: list[str], limit: int | None) -> tuple[str, ...]:
    """Lines of at most `limit` columns: a name's parts together while they fit, a longer part broken
    after a comma or bar; a library's name is never broken."""
    if limit is None or len(" ".join(parts)) <= limit:
        return (" ".join(parts),)
    lines: list[str] = []
    for part in parts:
        if lines and len(f"{lines[-1]} {part}") <= limit:
            lines[-1] += f" {part}"
            continue
        pieces = [""]
        for word in re.findall(r"[^,|]+[,|]?", part):
            if pieces[-1] and len(pieces[-1] + word.rstrip(",|")) > limit:
                pieces.append("")
            pieces[-1] += word
        lines += pieces
    return tuple(lines)


def legend(hood: Neighbourhood, budget_text: str | None, zoom: Zoom) -> str:
    """What the names and marks in the boxes mean (so nothing depends on colour)."""
    drawn = {n.kind for n in hood.nodes}
    names = "vs current: +H hardened, +I isolated (-: not), M mechanism"
    kinds = [] if zoom.spelled else [f"{KIND_SHORT[k]} {k}" for k in KIND_SHORT if k in drawn]
    budget = [f"{MEETS} meets {budget_text}", f"{OVER} over"] if budget_text else ["no budget (b sets one)"]
    return " · ".join([names, *kinds, *budget, "▶ ◀ selected"])


def layout(hood: Neighbourhood, zoom: Zoom, selected: DesignPoint | None = None,
           room: tuple[int, int] | None = None) -> Drawing:
    """Boxes, routes and labels on a grid; `selected` (default: the centre) is marked.

    With `room` (the view's columns and rows), names wrap until the drawing
    is no wider than the view (or as narrow as wrapping makes it), and the gaps between layers drop their blank
    rows when it would be taller: at 80x24 the nearest layers fit whole.
    """
    selected = selected if selected in {n.point for n in hood.nodes} else hood.centre
    order = order_layers(hood)
    keys = sorted(order, reverse=True)  # safest layer first: drawn on top
    nodes = {n.point: n for n in hood.nodes}
    ups: dict[DesignPoint, list[Edge]] = {p: [] for p in nodes}  # edges leaving a box's top
    downs: dict[DesignPoint, list[Edge]] = {p: [] for p in nodes}
    for e in hood.edges:
        ups[e.lower].append(e)
        downs[e.upper].append(e)
    pad = 4 if zoom.spelled else 2
    limits: dict[int, int | None] = dict.fromkeys(keys)  # per layer: the widest a line of a name may be
    settled: set[int] = set()
    budget = room[0] if room else None
    while True:
        lines = {p: box_lines(n, zoom, hood.centre, limits[n.layer]) for p, n in nodes.items()}
        widths = {p: max(max(len(t) for t in lines[p]) + pad, 2 * max(len(ups[p]), len(downs[p])) + 3)
                  for p in nodes}
        xs = _place(order, keys, widths, hood.edges, zoom.gap)
        canvas_width = max(xs[p] + widths[p] for p in nodes) + 2
        extent = {k: xs[order[k][-1]] + widths[order[k][-1]] - xs[order[k][0]] for k in keys if k not in settled}
        if budget is None or canvas_width <= budget or not extent:  # it fits, or is as narrow as it gets
            break
        k = max(extent, key=lambda k: (extent[k], -abs(k)))
        narrower = max(len(t) for p in order[k] for t in _wrap(_name_parts(p, hood.centre), limits[k])) - 1
        if all(box_lines(nodes[p], zoom, hood.centre, narrower) == lines[p] for p in order[k]):
            settled.add(k)
        else:
            limits[k] = narrower
    height = {p: len(lines[p]) + 2 for p in nodes}
    # Ports: a box's bottom ports on even columns, top ports on odd ones, so no two verticals share a column.
    port: dict[tuple[Edge, str], int] = {}
    for p in nodes:
        for side, edges, parity in (("top", ups[p], 1), ("bottom", downs[p], 0)):
            other = (lambda e: xs[e.upper]) if side == "top" else (lambda e: xs[e.lower])
            edges = sorted(edges, key=lambda e: (other(e), e.step))
            columns = [c for c in range(xs[p] + 1, xs[p] + widths[p] - 1) if c % 2 == parity]
            for i, e in enumerate(edges):
                port[(e, side)] = columns[(2 * i + 1) * len(columns) // (2 * len(edges))]
    ys, tracks, total_height = _rows(hood, order, keys, height, port, blank=1)
    if room is not None and total_height > room[1]:
        ys, tracks, total_height = _rows(hood, order, keys, height, port, blank=0)
    chars = [[" "] * canvas_width for _ in range(total_height)]
    roles = [[""] * canvas_width for _ in range(total_height)]
    links = [[0] * canvas_width for _ in range(total_height)]  # up 1, down 2, left 4, right 8
    routes_cells: dict[Edge, list[tuple[int, int]]] = {}
    for e in hood.edges:
        xu, xl = port[(e, "bottom")], port[(e, "top")]
        y_from = ys[e.upper] + height[e.upper]
        y_to = ys[e.lower] - 1
        t = tracks.get(e, y_from)
        cells = [(xu, r) for r in range(y_from, t + 1)]
        step = 1 if xl > xu else -1
        cells += [(c, t) for c in range(xu + step, xl + step, step)] if xl != xu else []
        cells += [(xl, r) for r in range(t + 1, y_to + 1)]
        routes_cells[e] = cells
        for (a, b), (c, d) in itertools.pairwise(cells):
            links[b][a] |= 8 if c > a else 4 if c < a else 2
            links[d][c] |= 4 if c > a else 8 if c < a else 1
        links[cells[0][1]][cells[0][0]] |= 1
        links[cells[-1][1]][cells[-1][0]] |= 2
    for r in range(total_height):
        for c in range(canvas_width):
            if links[r][c]:
                chars[r][c] = _LINE[links[r][c]]
                roles[r][c] = "edge"
    boxes = {}
    for p, n in nodes.items():
        box = Box(n, xs[p], ys[p], widths[p], height[p], lines[p])
        boxes[p] = box
        _paint_box(chars, roles, box, {port[(e, "top")] for e in ups[p]},
                   {port[(e, "bottom")] for e in downs[p]}, p == selected)
    near = sorted(hood.edges, key=lambda e: (not (nodes[e.lower].current or nodes[e.upper].current),
                                             abs(nodes[e.lower].layer), e.step))
    labels = {e: _place_label(chars, roles, name(e.upper, e.lower), routes_cells[e], tracks.get(e),
                               ys[e.upper] + height[e.upper])
              for e in near}
    routes = [Route(e, tuple(routes_cells[e]), labels[e]) for e in hood.edges]
    return Drawing(hood, boxes, routes, chars, roles, selected, order)


_LINE = {1: "│", 2: "│", 3: "│", 4: "─", 8: "─", 12: "─", 5: "┘", 9: "└", 6: "┐", 10: "┌",
         7: "┤", 11: "├", 13: "┴", 14: "┬", 15: "┼"}
_BORDERS = {  # (top-left, top, top-right, side, bottom-left, bottom, bottom-right, port up, port down)
    "plain": ("┌", "─", "┐", "│", "└", "─", "┘", "┴", "┬"),
    "current": ("╔", "═", "╗", "║", "╚", "═", "╝", "╧", "╤"),
}


def _place(order: dict[int, list[DesignPoint]], keys: list[int], widths: dict[DesignPoint, int],
           edges: list[Edge], gap: int) -> dict[DesignPoint, int]:
    """Left columns of the boxes: each layer outward from the centre sits over the nodes it links to."""
    adjacent: dict[DesignPoint, list[DesignPoint]] = {}
    for e in edges:
        adjacent.setdefault(e.lower, []).append(e.upper)
        adjacent.setdefault(e.upper, []).append(e.lower)
    mid: dict[DesignPoint, float] = {}
    xs: dict[DesignPoint, int] = {}
    outward = sorted(keys, key=lambda k: (abs(k), -k))
    for k in outward:
        row = order[k]
        wanted = []
        for i, p in enumerate(row):
            near = [mid[q] for q in adjacent.get(p, []) if q in mid]
            wanted.append(sum(near) / len(near) - widths[p] / 2 if near else float(i))
        placed, end = [], None
        for p, want in zip(row, wanted):
            x = round(want) if end is None else max(round(want), end + gap)
            placed.append(x)
            end = x + widths[p]
        shift = round(sum(w - x for w, x in zip(wanted, placed)) / len(row))  # centred on what it wants
        for p, x in zip(row, placed):
            xs[p] = x + shift
            mid[p] = xs[p] + widths[p] / 2
    left = min(xs.values())
    return {p: x - left + 1 for p, x in xs.items()}


def _rows(hood: Neighbourhood, order: dict[int, list[DesignPoint]], keys: list[int],
          height: dict[DesignPoint, int], port: dict[tuple[Edge, str], int],
          blank: int) -> tuple[dict[DesignPoint, int], dict[Edge, int], int]:
    """Each layer's top row, each sideways edge's track row, the total height.

    Below each layer: `blank` rows, one track per sideways edge (edges whose
    spans do not touch share one), `blank` rows (room for labels beside the
    verticals), and at least one row.
    """
    layer = {n.point: n.layer for n in hood.nodes}
    ys: dict[DesignPoint, int] = {}
    tracks: dict[Edge, int] = {}
    y = 0
    for i, k in enumerate(keys):
        for p in order[k]:
            ys[p] = y
        y += max(height[p] for p in order[k])
        if i + 1 == len(keys):
            break
        assigned = _assign_tracks([e for e in hood.edges if layer[e.upper] == k], port)
        for e, t in assigned.items():
            tracks[e] = y + blank + t
        y += max(max(assigned.values(), default=-1) + 1 + 2 * blank, 1)
    return ys, tracks, y


def _assign_tracks(edges: list[Edge], port: dict[tuple[Edge, str], int]) -> dict[Edge, int]:
    """Tracks (0 = top of the gap) for sideways edges; spans that do not touch share one.

    An edge going left whose upper end is further left, or one going right
    whose upper end is further right, runs above the other: then parallel
    edges do not cross each other's verticals.
    """
    def span(e: Edge) -> tuple[int, int]:
        a, b = port[(e, "bottom")], port[(e, "top")]
        return min(a, b), max(a, b)

    left = sorted((e for e in edges if port[(e, "top")] < port[(e, "bottom")]), key=lambda e: port[(e, "bottom")])
    right = sorted((e for e in edges if port[(e, "top")] > port[(e, "bottom")]), key=lambda e: -port[(e, "bottom")])
    out: dict[Edge, int] = {}
    for e in left + right:
        start, end = span(e)
        below = [out[f] for f in out if span(f)[0] <= end + 1 and start <= span(f)[1] + 1]
        out[e] = max(below, default=-1) + 1
    return out


def _paint_box(chars, roles, box: Box, top_ports: set[int], bottom_ports: set[int], selected: bool) -> None:
    tl, top, tr, side, bl, bottom, br, up, down = _BORDERS["current" if box.node.current else "plain"]
    role = "current" if box.node.current else "box"
    x0, y0, x1, y1 = box.x, box.y, box.x + box.width - 1, box.y + box.height - 1
    for x in range(x0, x1 + 1):
        chars[y0][x] = up if x in top_ports else top
        chars[y1][x] = down if x in bottom_ports else bottom
        roles[y0][x] = roles[y1][x] = role
    chars[y0][x0], chars[y0][x1], chars[y1][x0], chars[y1][x1] = tl, tr, bl, br
    for r in range(y0 + 1, y1):
        chars[r][x0] = chars[r][x1] = side
        roles[r][x0] = roles[r][x1] = role
        text = box.lines[r - y0 - 1].center(box.width - 2)
        verdict = {"✓": "meets", "✗": "over"}
        for i, ch in enumerate(text):
            chars[r][x0 + 1 + i] = ch
            roles[r][x0 + 1 + i] = verdict.get(ch, "failed" if box.node.kind == "failed" else role)
    _mark(chars, roles, box, selected)


def _mark(chars, roles, box: Box, selected: bool) -> None:
    """▶ and ◀ beside the middle of a selected box (blank otherwise): visible without colour."""
    middle = box.y + box.height // 2
    for x, mark in ((box.x - 1, "▶"), (box.x + box.width, "◀")):
        if 0 <= x < len(chars[middle]):
            chars[middle][x] = mark if selected else " "
            roles[middle][x] = "selected" if selected else ""


def _place_label(chars, roles, text: str, cells, track: int | None, first_gap_row: int):
    """Write an edge's step where it is free: on its own sideways line, else beside its vertical.

    Whole or not at all: the boxes' names already say every step from the current configuration.
    """
    if track is not None:
        run = [c for c, r in cells if r == track and chars[r][c] == "─"]
        runs = _runs(sorted(run))
        best = max(runs, key=len, default=[])
        if len(best) >= len(text) + 2:
            start = best[0] + (len(best) - len(text)) // 2
            return _write(chars, roles, start, track, text)
    vertical = [(c, r) for c, r in cells if chars[r][c] == "│"]
    rows = sorted({r for _, r in vertical}, key=lambda r: (r != first_gap_row, r))
    for r in rows:
        column = next(c for c, rr in vertical if rr == r)
        for direction in (1, -1):
            if not 0 <= column + direction < len(chars[r]) or chars[r][column + direction] != " ":
                continue
            start, free = column + 2 * direction, 0
            c = start
            while 0 <= c < len(chars[r]) and chars[r][c] == " " and free <= len(text):
                free += 1
                c += direction
            room = free - 1  # one blank cell kept after the text
            if room >= len(text):
                return _write(chars, roles, start if direction > 0 else start - len(text) + 1, r, text)
    return None


def _runs(columns: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for c in columns:
        if out and out[-1][-1] == c - 1:
            out[-1].append(c)
        else:
            out.append([c])
    return out


def _write(chars, roles, x: int, y: int, text: str) -> tuple[int, int, str]:
    for i, ch in enumerate(text):
        chars[y][x + i] = ch
        roles[y][x + i] = "label"
    return x, y, text

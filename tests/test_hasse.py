"""The Hasse diagram around a configuration, on the paper's apps: which nodes, edges, labels, layout, moves."""

from __future__ import annotations

import itertools

import pytest

from flexui.model.explore.journal import Entry, Journal
from flexui.model.isolation.design import MECHANISM_LEVEL, DesignPoint
from flexui.model.perf.benchdata import BenchDB
from flexui.model.perf.estimator import Estimator
from flexui.model.safety.dot import marks, to_dot, write_dot
from flexui.model.safety.hasse import (
    KIND_SHORT,
    ZOOMS,
    Zoom,
    around,
    crossings,
    layout,
    legend,
    name,
    order_layers,
)
from flexui.model.safety.order import lt
from flexui.model.safety.summary import HEADLINE, next_safer_steps, summarize, with_unit

APPS = sorted(HEADLINE)
TWO = DesignPoint.from_key("lwip|newlib,pthread-embedded,redis,tlsf,uksched,ukschedcoop;;mpk-dss")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    db = BenchDB.load(user_dir=tmp_path_factory.mktemp("nouser"))
    return db, Estimator(db)


def centres(db, app):
    """A few measured configurations of the app: the least and most isolated, and one between."""
    points = sorted(db.points(app, HEADLINE[app]), key=lambda p: (len(p.layout), len(p.hardened), p.key()))
    return sorted({points[0], points[len(points) // 2], points[-1]}, key=DesignPoint.key)


def hoods(bench, app, zooms=ZOOMS):
    """(zoom, neighbourhood) around each of the app's centres, at each zoom."""
    db, _ = bench
    for centre in centres(db, app):
        for zoom in zooms:
            yield zoom, hood_for(bench, app, centre, zoom=zoom)


def rank(p: DesignPoint) -> int:
    """Steps from the bottom of the product order: compartments, hardened libraries, mechanism level."""
    hardened = {"uksched+ukschedcoop" if lib in ("uksched", "ukschedcoop") else lib for lib in p.hardened}
    return len(p.layout) + len(hardened) + MECHANISM_LEVEL[p.mechanism]


def hood_for(bench, app, point, zoom=ZOOMS[2], order="product", budget=None, failed=frozenset()):
    db, est = bench
    return around(summarize(app, point, db, est), est, zoom=zoom, order=order, budget=budget, failed=failed)


def test_the_first_layer_up_is_the_next_safer_steps_with_their_words(bench):
    db, est = bench
    hood = hood_for(bench, "redis", TWO, zoom=Zoom(1, 1, 100, False))
    steps = next_safer_steps(summarize("redis", TWO, db, est), est)
    assert {n.point for n in hood.layers[1]} == {s.point for s in steps}
    words = {e.upper: e.step for e in hood.edges if e.lower == TWO}
    assert words == {s.point: s.what for s in steps}
    assert {w.split()[0] for w in words.values()} == {"isolate", "harden", "stronger"}


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("order", ["product", "paper"])
def test_every_edge_is_one_step_of_the_order_between_adjacent_layers(bench, app, order):
    db, _ = bench
    for centre in centres(db, app):
        hood = hood_for(bench, app, centre, order=order)
        layer = {n.point: n.layer for n in hood.nodes}
        assert layer[hood.centre] == 0 and [n.point for n in hood.layers[0]] == [hood.centre]
        assert all(rank(p) - rank(hood.centre) == k for p, k in layer.items())
        for e in hood.edges:
            assert lt(e.lower, e.upper, order) and layer[e.upper] == layer[e.lower] + 1
        for k, nodes in hood.layers.items():
            assert len(nodes) <= ZOOMS[2].per_layer
            if k:  # every drawn node hangs on the layer next to it, nearer the centre
                inner = k - 1 if k > 0 else k + 1
                inner_points = {q.point for q in hood.layers[inner]}
                assert all(any({e.lower, e.upper} & {n.point} and {e.lower, e.upper} & inner_points
                               for e in hood.edges) for n in nodes)


def test_the_paper_order_draws_no_layout_step_from_a_hardened_configuration(bench):
    hardened = DesignPoint(TWO.layout, frozenset({"lwip"}), "mpk-dss")
    product = hood_for(bench, "redis", hardened, zoom=Zoom(1, 1, 100, False))
    paper = hood_for(bench, "redis", hardened, zoom=Zoom(1, 1, 100, False), order="paper")
    up = lambda hood: {e.step for e in hood.edges if e.lower == hardened}  # noqa: E731
    assert any(s.startswith("isolate") for s in up(product))
    assert not any(s.startswith("isolate") for s in up(paper)) and up(paper) < up(product)


def test_nodes_say_measured_estimated_or_failed_and_meet_the_budget_or_not(bench, tmp_path):
    db, _est = bench
    budget = 800e3
    plain = hood_for(bench, "redis", TWO, budget=budget)
    unmeasured = next(n.point for n in plain.nodes if n.kind == "estimated")
    journal = Journal(tmp_path / "closed-loop" / "redis-GET.json")
    journal.add(Entry(key=unmeasured.key(), inputs="x", status="failed", error="build failed"))
    assert Journal.load(journal.path).failed() == {unmeasured}
    hood = hood_for(bench, "redis", TWO, budget=budget, failed=Journal.load(journal.path).failed())
    kinds = {n.point: n.kind for n in hood.nodes}
    assert kinds[unmeasured] == "failed"
    for n in hood.nodes:
        if n.point != unmeasured:
            assert n.kind == ("measured" if db.lookup("redis", "GET", n.point) else "estimated")
        assert n.meets == (n.estimate.value >= budget)
    drawing = layout(hood, ZOOMS[2])
    for n in hood.nodes:
        box = drawing.boxes[n.point]
        text = "".join("".join(drawing.chars[box.y + i][box.x:box.x + box.width]) for i in range(box.height))
        assert with_unit(n.estimate.value, n.estimate.unit) in text and n.kind in text
        assert ("✓" in text) == n.meets and ("✗" in text) == (not n.meets)
    assert "✓ meets GET >= 800k req/s" in legend(hood, "GET >= 800k req/s", ZOOMS[2])
    compact = layout(hood, ZOOMS[0])
    assert "FAILED" in "\n".join(compact.text()) or unmeasured not in compact.boxes
    assert "est estimated" in legend(hood_for(bench, "redis", TWO, zoom=ZOOMS[0]), None, ZOOMS[0])


@pytest.mark.parametrize("app", APPS)
def test_boxes_routes_and_labels_never_overlap(bench, app):
    for zoom, hood in hoods(bench, app):
        d = layout(hood, zoom)
        boxes = list(d.boxes.values())
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y \
                    or b.y + b.height <= a.y
        for route in d.routes:
            upper, lower = d.boxes[route.edge.upper], d.boxes[route.edge.lower]
            cells = route.cells
            assert cells[0][1] == upper.y + upper.height and cells[-1][1] == lower.y - 1
            assert upper.x < cells[0][0] < upper.x + upper.width - 1
            assert lower.x < cells[-1][0] < lower.x + lower.width - 1
            assert all(abs(x1 - x0) + abs(y1 - y0) == 1 for (x0, y0), (x1, y1) in itertools.pairwise(cells))
            assert not any(box.contains(x, y) for box in boxes for x, y in cells)
            if route.label:
                x, y, text = route.label
                assert "".join(d.chars[y][x:x + len(text)]) == text
                assert set(d.roles[y][x:x + len(text)]) == {"label"}
                assert text == name(route.edge.upper, route.edge.lower)


def box_text(d, point) -> list[str]:
    box = d.boxes[point]
    return ["".join(d.chars[box.y + i][box.x + 1:box.x + box.width - 1]).strip() for i in range(1, box.height - 1)]


def test_at_80x24_every_box_shows_its_whole_name_value_and_kind_and_the_nearest_layers_fit(bench):
    db, _ = bench
    room = (78, 15)  # the view at 80x24: the pane's padding, the title, legend and detail lines
    points = [(app, p) for app in APPS for p in db.points(app, HEADLINE[app])]
    too_tall = []
    for app, centre in points:
        hood = hood_for(bench, app, centre, zoom=ZOOMS[0])
        d = layout(hood, ZOOMS[0], room=room)
        assert d.width <= room[0]
        if d.height > room[1]:
            too_tall.append(d.height)
        names = [name(n.point, hood.centre) for n in hood.nodes]
        assert len(set(names)) == len(names)  # nodes drawn are told apart by their names
        for n in hood.nodes:
            lines = box_text(d, n.point)
            assert "".join(lines[:-1]).replace(" ", "") == name(n.point, hood.centre).replace(" ", "")
            assert lines[-1] == f"{with_unit(n.estimate.value, n.estimate.unit)} {KIND_SHORT[n.kind]}"
        for route in d.routes:  # a step is written whole or not at all: the far box's name says it
            assert route.label is None or route.label[2] == name(route.edge.upper, route.edge.lower)
        assert "…" not in "".join(d.text())
    assert len(too_tall) <= len(points) // 20 and all(h == room[1] + 1 for h in too_tall)  # then it scrolls


def test_names_say_how_a_configuration_differs_from_the_current_one(bench):
    hood = hood_for(bench, "redis", TWO, zoom=Zoom(1, 1, 100, False))
    names = {name(n.point, TWO) for n in hood.nodes}
    assert {"(current)", "+H lwip", "+H redis", "+H uksched,ukschedcoop", "+I uksched,ukschedcoop",
            "M mpk-shared", "-I lwip"} <= names
    three = DesignPoint.from_key("lwip|newlib,pthread-embedded,redis,tlsf|uksched,ukschedcoop;lwip;mpk-dss")
    assert name(three, TWO) == "+H lwip +I uksched,ukschedcoop"
    assert name(TWO, three) == "-H lwip -I uksched,ukschedcoop"
    four = DesignPoint.from_key("lwip|newlib,pthread-embedded,tlsf|redis|uksched,ukschedcoop;;ept")
    joined = DesignPoint.from_key("lwip,redis|newlib,pthread-embedded,tlsf|uksched,ukschedcoop;;ept")
    assert name(joined, four) == "-I lwip+redis" and name(four, joined) == "+I lwip"
    assert name(DesignPoint(four.layout, frozenset(), "mpk-dss"), four) == "M mpk-dss"


@pytest.mark.parametrize("app", APPS)
def test_names_drawn_together_are_never_the_same(bench, app):
    for _zoom, hood in hoods(bench, app):
        names = [name(n.point, hood.centre) for n in hood.nodes]
        assert len(set(names)) == len(names)


def test_a_drawing_wider_than_the_view_wraps_names_to_fit_or_to_come_closest(bench):
    hood = hood_for(bench, "redis", TWO, zoom=ZOOMS[2])
    free = layout(hood, ZOOMS[2])
    narrow = layout(hood, ZOOMS[2], room=(free.width - 20, 100))
    assert narrow.width <= free.width - 20 < free.width
    assert max(b.height for b in narrow.boxes.values()) > max(b.height for b in free.boxes.values())
    closest = layout(hood, ZOOMS[2], room=(40, 100))  # five boxes a layer never fit in 40 columns
    assert 40 < closest.width <= narrow.width
    for n in hood.nodes:
        lines = box_text(closest, n.point)
        assert "".join(lines[:-2]).replace(" ", "") == name(n.point, hood.centre).replace(" ", "")


def test_gaps_between_layers_lose_their_blank_rows_only_when_the_view_is_too_short(bench):
    hood = hood_for(bench, "redis", TWO, zoom=ZOOMS[0])
    roomy = layout(hood, ZOOMS[0], room=(78, 40))
    tight = layout(hood, ZOOMS[0], room=(78, 15))
    assert roomy.chars == layout(hood, ZOOMS[0]).chars and roomy.height > 15 >= tight.height
    assert tight.boxes[TWO].y < roomy.boxes[TWO].y


@pytest.mark.parametrize("app", APPS)
def test_ordering_the_layers_does_not_add_crossings(bench, app):
    db, _ = bench
    for centre in centres(db, app):
        hood = hood_for(bench, app, centre, zoom=ZOOMS[3])
        kept = {k: [n.point for n in nodes] for k, nodes in hood.layers.items()}
        assert crossings(hood, order_layers(hood)) <= crossings(hood, kept)


def drawn_crossings(d) -> int:
    """Cells where two drawn edges cross (every edge has ports of its own, so a shared cell is a crossing)."""
    count = 0
    for i, a in enumerate(d.routes):
        for b in d.routes[i + 1:]:
            shared = set(a.cells) & set(b.cells)
            assert all(d.chars[y][x] == "┼" for x, y in shared)
            count += len(shared)
    return count


def fewest_crossings(hood) -> int:
    """The exhaustive optimum: every order of every layer, gap by gap (crossings only happen within a gap)."""
    keys = sorted(hood.layers)
    orders = {k: list(itertools.permutations([n.point for n in hood.layers[k]])) for k in keys}
    least = dict.fromkeys(orders[keys[0]], 0)
    for low, high in itertools.pairwise(keys):
        lows = {n.point for n in hood.layers[low]}
        ends = [(e.lower, e.upper) for e in hood.edges if e.lower in lows]
        nxt = {}
        for upper in orders[high]:
            at_u = {p: i for i, p in enumerate(upper)}
            best = None
            for lower, so_far in least.items():
                at_l = {p: i for i, p in enumerate(lower)}
                pairs = sorted((at_l[a], at_u[b]) for a, b in ends)
                c = so_far + sum(1 for i, (a, b) in enumerate(pairs) for x, y in pairs[i + 1:] if a < x and b > y)
                best = c if best is None else min(best, c)
            nxt[upper] = best
        least = nxt
    return min(least.values())


@pytest.mark.parametrize("app", APPS)
def test_the_drawing_crosses_no_more_edges_than_the_best_order_of_its_layers(bench, app):
    """Up to zoom 2, where the exhaustive optimum is quick to find (nginx once drew 14 crossings, not 12)."""
    for zoom, hood in hoods(bench, app, ZOOMS[:3]):
        d = layout(hood, zoom)
        assert drawn_crossings(d) == crossings(hood, d.order) == fewest_crossings(hood)


def test_crossings_are_fewest_over_five_layers_not_only_next_to_the_centre(bench):
    db, _ = bench
    centre = min(db.points("redis", "GET"), key=lambda p: (len(p.layout), len(p.hardened), p.key()))
    hood = hood_for(bench, "redis", centre, zoom=ZOOMS[2])
    assert [len(hood.layers[k]) for k in sorted(hood.layers)] == [1, 1, 1, 5, 5]
    d = layout(hood, ZOOMS[2])
    kept = {k: [n.point for n in nodes] for k, nodes in hood.layers.items()}
    assert drawn_crossings(d) == fewest_crossings(hood) == 2 < crossings(hood, kept)


def test_the_current_and_the_selected_configuration_show_without_colour(bench):
    hood = hood_for(bench, "redis", TWO)
    other = hood.layers[1][0].point
    d = layout(hood, ZOOMS[2], selected=other)
    here, chosen = d.boxes[TWO], d.boxes[other]
    assert d.chars[here.y][here.x] == "╔" and d.chars[chosen.y][chosen.x] == "┌"
    assert "(current)" in "".join(d.chars[here.y + 1])
    middle = d.chars[chosen.y + chosen.height // 2]
    assert middle[chosen.x - 1] == "▶" and middle[chosen.x + chosen.width] == "◀"
    assert "▶" not in "".join(d.chars[here.y + here.height // 2])
    assert d.select(TWO).chars == layout(hood, ZOOMS[2]).chars and d.select(TWO).selected == TWO


def test_moves_follow_layers_and_edges_and_clicks_find_boxes(bench):
    hood = hood_for(bench, "redis", TWO)
    d = layout(hood, ZOOMS[2])
    assert d.selected == TWO
    up = d.move("up")
    assert up in {n.point for n in hood.layers[1]} and any(e.lower == TWO and e.upper == up for e in hood.edges)
    down = d.move("down")
    assert down in {n.point for n in hood.layers[-1]}
    top = layout(hood, ZOOMS[2], selected=d.order[1][0])
    assert top.move("left") == d.order[1][0] and top.move("right") == d.order[1][1]
    assert layout(hood, ZOOMS[2], selected=d.order[2][0]).move("up") == d.order[2][0]  # the top layer
    for point, box in d.boxes.items():
        assert d.node_at(box.x + 1, box.y + 1) == point
    assert d.node_at(0, d.boxes[TWO].y - 2) is None


def test_the_dot_export_marks_measured_estimated_and_failed_nodes(bench, tmp_path):
    db, est = bench
    hood = hood_for(bench, "redis", TWO)
    estimated = [n.point for n in hood.nodes if n.kind == "estimated"]
    measured = [n.point for n in hood.nodes if n.kind == "measured"]
    journal = Journal(tmp_path / "redis-GET.json")
    journal.add(Entry(key=estimated[0].key(), inputs="x", status="failed", error="boot timed out"))
    journal.add(Entry(key=measured[0].key(), inputs="y", status="failed", error="boot timed out"))
    points = [n.point for n in hood.nodes]
    text = to_dot(points, highlight={TWO}, title="redis",
                  mark=marks(lambda p: est.estimate("redis", "GET", p), journal.failed()))
    nodes = {line.split(" [")[0].strip(): line for line in text.splitlines() if "[label=" in line}
    by_point = dict(zip(points, nodes.values()))
    assert "failed" in by_point[estimated[0]] and "color=red" in by_point[estimated[0]]
    assert "measured" in by_point[measured[0]] and "color=red" not in by_point[measured[0]]  # measured since
    assert 'style="dashed"' in by_point[estimated[1]] and "estimated" in by_point[estimated[1]]
    assert with_unit(db.lookup("redis", "GET", TWO).mean, "req/s") in by_point[TWO]
    assert 'style="filled", fillcolor="palegreen"' in by_point[TWO]
    svg = write_dot(tmp_path / "order.dot", text)
    if svg is not None:
        assert "<svg" in svg.read_text()

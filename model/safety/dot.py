"""Graphviz drawing of the safety order around some configurations."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Set
from pathlib import Path

from flexui.model.files.atomic import write_atomic
from flexui.model.isolation.design import DesignPoint
from flexui.model.perf.estimator import Estimate
from flexui.model.safety.hasse import kind_of
from flexui.model.safety.order import hasse_edges
from flexui.model.safety.summary import with_unit


def _quote(text: str) -> str:
    """A dot string; a line break in `text` becomes dot's own `\\n`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# How a node's line is drawn for what is known of it: measured solid, estimated dashed, failed red.
KIND_STYLE = {"measured": [], "estimated": ["dashed"], "failed": ["dashed", "bold"]}


def marks(estimate: Callable[[DesignPoint], Estimate | None],
          failed: Set[DesignPoint] = frozenset()) -> Callable[[DesignPoint], tuple[str, str]]:
    """(label, kind) of a node: its configuration, value with unit, measured/estimated/failed."""
    def mark(point: DesignPoint) -> tuple[str, str]:
        e = estimate(point)
        kind = kind_of(e, point in failed)
        value = f"{with_unit(e.value, e.unit)} " if e is not None else ""
        return f"{point.label()}\n{value}{kind}".rstrip(), kind
    return mark


def to_dot(points: list[DesignPoint], *, order: str = "product",
           highlight: Set[DesignPoint] = frozenset(),
           mark: Callable[[DesignPoint], tuple[str, str]] | None = None,
           title: str = "safety order") -> str:
    """Hasse diagram, safer configurations drawn above less safe ones."""
    names = {p: f"c{i}" for i, p in enumerate(points)}
    lines = [f"digraph {_quote(title)} {{", "  rankdir=BT;", '  node [shape=box, fontname="monospace"];']
    for p in points:
        text, kind = mark(p) if mark else (p.label(), "")
        styles = KIND_STYLE.get(kind, []) + (["filled"] if p in highlight else [])
        style = f", style={_quote(','.join(styles))}" if styles else ""
        style += ', fillcolor="palegreen"' if p in highlight else ""
        style += ", color=red" if kind == "failed" else ""
        lines.append(f"  {names[p]} [label={_quote(text)}{style}];")
    for a, b in hasse_edges(points, order):
        lines.append(f"  {names[a]} -> {names[b]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def export_order(path: Path, points: list[DesignPoint], *, order: str,
                 highlight: Set[DesignPoint], mark: Callable[[DesignPoint], tuple[str, str]],
                 title: str) -> Path | None:
    """Draw the points' order into `path` (and `<path>.svg` with Graphviz, returned): the Safety
    screen's export and `explore --dot` both."""
    return write_dot(path, to_dot(points, order=order, highlight=highlight, mark=mark, title=title))


def write_dot(path: Path, text: str) -> Path | None:
    """Write the dot file, and `<path>.svg` when Graphviz is installed (returned)."""
    write_atomic(Path(path), text, keep_old=False)
    dot = shutil.which("dot")
    if dot is None:
        return None
    svg = Path(str(path) + ".svg")
    result = subprocess.run([dot, "-Tsvg", str(path), "-o", str(svg)], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"dot failed on {path}: {result.stderr.strip()}")
    return svg

"""Graphviz drawing of the safety order around some configurations."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Set
from pathlib import Path

from flexui.model.files.atomic import write_atomic
from flexui.model.isolation.design import DesignPoint
from flexui.model.safety.order import hasse_edges


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(points: list[DesignPoint], *, order: str = "product",
           highlight: Set[DesignPoint] = frozenset(), label: Callable[[DesignPoint], str] | None = None,
           title: str = "safety order") -> str:
    """Hasse diagram, safer configurations drawn above less safe ones."""
    names = {p: f"c{i}" for i, p in enumerate(points)}
    lines = [f"digraph {_quote(title)} {{", "  rankdir=BT;", '  node [shape=box, fontname="monospace"];']
    for p in points:
        text = label(p) if label else p.label()
        style = ', style=filled, fillcolor="palegreen"' if p in highlight else ""
        lines.append(f"  {names[p]} [label={_quote(text)}{style}];")
    for a, b in hasse_edges(points, order):
        lines.append(f"  {names[a]} -> {names[b]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


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

"""YAML read with line numbers, so every complaint can say `file:line:`.

Parsing goes through PyYAML's safe loader only (libyaml's when PyYAML has
it: ten times faster, same nodes and marks): we keep the composed node tree
next to the constructed data and look lines up in it by key path.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from flexui.model.files.problems import InputError, Problem
from flexui.model.files.textfile import read_user_text
from flexui.model.isolation.configuration import Origin

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


MAX_NODES = 100_000  # what aliases may expand to: far above any kraft.yaml, far below a billion laughs


def read_text(path: Path) -> str:
    """The file's text; InputError (not a traceback, never a hang) when it cannot be read."""
    return read_user_text(path)


def parse(text: str, file: str) -> tuple[Node | None, object]:
    """Composed node tree and data of a single-document YAML text.

    Raises InputError pointing at the line PyYAML complains about, or at
    every mapping key written twice (PyYAML would silently keep the last).
    """
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        _check_aliases(node, file)
        duplicates = _duplicate_keys(node, file) if node is not None else []
        if duplicates:
            raise InputError(duplicates)
        try:
            data = loader.construct_document(node) if node is not None else None
        except ValueError as e:  # an integer past Python's digit limit, a date out of range
            raise InputError([Problem(f"a value here cannot be read ({str(e).split(';')[0]}); quote it or "
                                      "shorten it", origin=Origin(file, _bad_scalar_line(node)))]) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = " ".join(p for p in (e.context, e.problem) if p)
        raise InputError([Problem(f"invalid YAML: {what}; fix the syntax here",
                                  origin=Origin(file, mark.line + 1 if mark else None))]) from None
    except yaml.reader.ReaderError as e:
        line_no = text[:e.position].count("\n") + 1 if isinstance(e.position, int) else None
        raise InputError([Problem(f"invalid YAML: character #x{e.character:04x} ({e.reason}); remove it",
                                  origin=Origin(file, line_no))]) from None
    except yaml.YAMLError as e:
        raise InputError([Problem("invalid YAML: " + " ".join(str(e).split()), origin=Origin(file))]) from None
    finally:
        loader.dispose()
    return node, data


def _bad_scalar_line(node: Node | None) -> int | None:
    """The line of the first scalar PyYAML cannot construct (a huge integer), for the message."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, ScalarNode):
            try:
                SAFE_LOADER("").construct_object(n)
            except ValueError:
                return line(n)
            except yaml.YAMLError:
                continue
        elif isinstance(n, MappingNode):
            stack.extend(x for pair in reversed(n.value) for x in reversed(pair))
        elif isinstance(n, SequenceNode):
            stack.extend(reversed(n.value))
    return None


def _check_aliases(node: Node | None, file: str) -> None:
    """Refuse an alias that contains itself, or aliases that expand past MAX_NODES (billion laughs)."""
    if node is None:
        return
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        key = id(n)
        children = [x for pair in n.value for x in pair] if isinstance(n, MappingNode) else \
            list(n.value) if isinstance(n, SequenceNode) else []
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_NODES:
                raise InputError([Problem(f"aliases here expand to more than {MAX_NODES} values; write "
                                          "the data out without '*' aliases", origin=Origin(file, line(n)))])
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise InputError([Problem("this anchor's alias refers to itself (a recursive YAML alias); "
                                      "remove the '*' alias inside it", origin=Origin(file, line(n)))])
        on_path.add(key)
        stack.append((n, True))
        for c in children:
            if id(c) in on_path:
                raise InputError([Problem("this anchor's alias refers to itself (a recursive YAML alias); "
                                          "remove the '*' alias inside it", origin=Origin(file, line(c)))])
            if id(c) not in sizes:
                stack.append((c, False))
    return


def _duplicate_keys(node: Node, file: str) -> list[Problem]:
    problems: list[Problem] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, MappingNode):
            seen: dict[str, int] = {}
            for key, value in n.value:
                if isinstance(key, ScalarNode):
                    if key.value in seen:
                        problems.append(Problem(
                            f"key '{key.value}' is written twice (first at line {seen[key.value]}); "
                            "keep only one", subject=key.value, origin=Origin(file, line(key))))
                    else:
                        seen[key.value] = line(key)
                stack.append(value)
        elif isinstance(n, SequenceNode):
            stack.extend(n.value)
    return sorted(problems, key=lambda p: (p.origin.line if p.origin else None) or 0)


def line(node: Node) -> int:
    return node.start_mark.line + 1


def child(node: Node | None, key: str | int) -> Node | None:
    """The value node at `key` (mapping) or index (sequence); None if absent."""
    if isinstance(node, MappingNode) and isinstance(key, str):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v
    if isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


def key_node(node: Node | None, key: str) -> Node | None:
    """The key node itself (its line is where the entry starts)."""
    if isinstance(node, MappingNode):
        for k, _ in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k
    return None


def locate(root: Node | None, file: str, *path: str | int, key: bool = False) -> Origin:
    """Origin of the node at `path` (or of the deepest ancestor that exists)."""
    node = root
    found = root
    for i, step in enumerate(path):
        if key and i == len(path) - 1:
            node = key_node(node, step) if isinstance(step, str) else child(node, step)
        else:
            node = child(node, step)
        if node is None:
            break
        found = node
    return Origin(file, line(found) if found is not None else None)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def type_name(value: object) -> str:
    """How a YAML user would call the type of `value`."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__

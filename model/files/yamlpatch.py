"""Edit a YAML text so it loads as new data, keeping everything else as written.

Users comment their kraft.yaml; a configurator that rewrites the whole file
would silently drop those comments. `patch_yaml` changes only the entries
whose value changed (replacing a scalar in place, deleting or inserting whole
entries of block mappings and block sequences) and keeps every other byte.
When a change cannot be expressed that way it returns None and the caller
falls back to a full dump.
"""

from __future__ import annotations

import difflib

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class BlockDumper(yaml.SafeDumper):
    """SafeDumper that indents sequences under their key, as kraft.yaml files do."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def dump_block(data: object) -> str:
    """Block-style YAML of `data`, keys in insertion order."""
    return yaml.dump(data, Dumper=BlockDumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=4096)


def dump_flow(data: object) -> str:
    """One-line YAML of a scalar or small collection (e.g. `'0.6'`, `{a: 1}`)."""
    text = yaml.dump(data, Dumper=BlockDumper, sort_keys=False, default_flow_style=True,
                     allow_unicode=True, width=1 << 30)
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.rstrip("\n")


def same(a: object, b: object) -> bool:
    """Equality that also requires the same types and the same key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


class _Unpatchable(Exception):
    """This node cannot be edited in place; the caller replaces a larger span."""


_SCALARS = (str, int, float, bool, type(None))


class _Patcher:
    def __init__(self, text: str):
        self.text = text
        self.edits: list[tuple[int, int, str]] = []

    # -- positions -----------------------------------------------------
    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        """Index just past the newline ending the line that holds `index`."""
        if index > 0 and self.text[index - 1] == "\n":
            return index
        nl = self.text.find("\n", index)
        return len(self.text) if nl < 0 else nl + 1

    def content_end(self, node: Node) -> int:
        """End of the last character that belongs to `node` (not trailing comments)."""
        if isinstance(node, MappingNode) and not node.flow_style and node.value:
            return self.content_end(node.value[-1][1])
        if isinstance(node, SequenceNode) and not node.flow_style and node.value:
            return self.content_end(node.value[-1])
        return node.end_mark.index

    def alone_on_line(self, index: int) -> bool:
        return self.text[self.line_start(index):index].strip() == ""

    def item_start(self, item: Node) -> int:
        """Start of the line holding the `-` of a block sequence item."""
        i = item.start_mark.index - 1
        while i >= 0 and self.text[i] in " \t\r\n":
            i -= 1
        if i < 0 or self.text[i] != "-" or not self.alone_on_line(i):
            raise _Unpatchable
        return self.line_start(i)

    @staticmethod
    def indented(block: str, indent: str, first: str | None = None) -> str:
        lines = block.splitlines(keepends=True)
        head = (indent if first is None else first) + lines[0]
        return head + "".join(indent + ln if ln.strip() else ln for ln in lines[1:])

    # -- mappings --------------------------------------------------------
    def mapping(self, node: Node | None, old: dict, new: dict) -> None:
        if not isinstance(node, MappingNode) or node.flow_style or not node.value:
            raise _Unpatchable
        entries: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            if not (isinstance(key, ScalarNode) and key.tag == "tag:yaml.org,2002:str"
                    and key.value not in entries and key.value in old):
                raise _Unpatchable
            entries[key.value] = (key, value)
        if list(entries) != list(old):
            raise _Unpatchable
        common = [k for k in new if k in old]
        if [k for k in old if k in new] != common:
            raise _Unpatchable
        column = node.value[0][0].start_mark.column
        for k in old:
            if k not in new:
                if not self.alone_on_line(entries[k][0].start_mark.index):
                    raise _Unpatchable
                self.edits.append((*self.entry_span(*entries[k]), ""))
            elif not same(old[k], new[k]):
                self.entry(*entries[k], old[k], new[k], column)
        anchor: str | None = None
        pending: list[str] = []
        for k in [*new, None]:
            if k is not None and k not in old:
                pending.append(k)
                continue
            if pending:
                block = dump_block({p: new[p] for p in pending})
                if anchor is None:
                    first_key = node.value[0][0]
                    if not self.alone_on_line(first_key.start_mark.index):
                        raise _Unpatchable
                    at = self.line_start(first_key.start_mark.index)
                else:
                    at = self.entry_span(*entries[anchor])[1]
                self.insert(at, self.indented(block, " " * column))
                pending = []
            anchor = k

    def insert(self, at: int, block: str) -> None:
        if at == len(self.text) and not self.text.endswith("\n"):
            block = "\n" + block
        self.edits.append((at, at, block))

    def entry_span(self, key: Node, value: Node) -> tuple[int, int]:
        start = key.start_mark.index
        if self.alone_on_line(start):
            start = self.line_start(start)
        return start, self.line_end(self.content_end(value))

    def entry(self, key: Node, value: Node, old: object, new: object, column: int) -> None:
        saved = list(self.edits)
        try:
            if isinstance(old, dict) and isinstance(new, dict):
                return self.mapping(value, old, new)
            if isinstance(old, list) and isinstance(new, list):
                return self.sequence(value, old, new)
            if self.scalar(value, new):
                return
        except _Unpatchable:
            self.edits = saved
        start, end = self.entry_span(key, value)
        block = dump_block({key.value: new})
        first = None if self.alone_on_line(key.start_mark.index) else ""
        self.edits.append((start, end, self.indented(block, " " * column, first)))

    def scalar(self, node: Node, new: object) -> bool:
        """Replace a scalar's text in place (keeps an inline comment after it)."""
        if not (isinstance(node, ScalarNode) and isinstance(new, _SCALARS)
                and node.style in (None, "'", '"') and node.start_mark.line == node.end_mark.line
                and node.end_mark.index > node.start_mark.index):
            return False
        self.edits.append((node.start_mark.index, node.end_mark.index, dump_flow(new)))
        return True

    # -- sequences -------------------------------------------------------
    def sequence(self, node: Node, old: list, new: list) -> None:
        if not isinstance(node, SequenceNode) or node.flow_style or not node.value:
            raise _Unpatchable
        items = node.value
        spans = [(self.item_start(it), self.line_end(self.content_end(it))) for it in items]
        dash = items[0].start_mark.index - 1
        while self.text[dash] != "-":
            dash -= 1
        indent = self.text[self.line_start(dash):dash]
        matcher = difflib.SequenceMatcher(None, [repr(x) for x in old], [repr(x) for x in new],
                                          autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            if op == "replace" and i2 - i1 == j2 - j1:
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    self.item(items[i], spans[i], old[i], new[j], indent)
                continue
            for i in range(i1, i2):
                self.edits.append((*spans[i], ""))
            if j2 > j1:
                at = spans[i1 - 1][1] if i1 > 0 else spans[0][0]
                self.insert(at, self.indented(dump_block(new[j1:j2]), indent))

    def item(self, node: Node, span: tuple[int, int], old: object, new: object, indent: str) -> None:
        saved = list(self.edits)
        try:
            if isinstance(old, dict) and isinstance(new, dict):
                return self.mapping(node, old, new)
            if isinstance(old, list) and isinstance(new, list):
                return self.sequence(node, old, new)
            if self.scalar(node, new):
                return
        except _Unpatchable:
            self.edits = saved
        self.edits.append((*span, self.indented(dump_block([new]), indent)))

    # -- result ----------------------------------------------------------
    def apply(self) -> str:
        text = self.text
        last_start = len(text) + 1
        # Same start: apply the deletion before the insertion made at its start.
        for start, end, repl in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            if end > last_start:
                raise _Unpatchable
            text = text[:start] + repl + text[end:]
            last_start = start
        return text


def patch_yaml(text: str, new: dict) -> str | None:
    """`text` edited to load as `new`; None when it cannot be done in place."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        old = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    patcher = _Patcher(text)
    try:
        patcher.mapping(node, old, new)
        result = patcher.apply()
    except _Unpatchable:
        return None
    if "\r\n" in text:
        result = result.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        reloaded = yaml.safe_load(result)
    except yaml.YAMLError:
        return None
    return result if same(reloaded, new) else None

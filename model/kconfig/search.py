"""Find Kconfig entries by name, prompt or help text (the `/` search).

Every whitespace-separated term must match somewhere in the entry (name,
prompt or help), case-insensitively; a leading `CONFIG_` is ignored, so
names pasted from a .config work. Name matches rank first, exact ones on
top. The index is built on the first search, not at startup.
"""

from __future__ import annotations

from dataclasses import dataclass

import kconfiglib
from kconfiglib import Choice, MenuNode, Symbol

from flexui.model.kconfig.menu import menu_path, prompt_of

CONFIG_PREFIX = "config_"


@dataclass(frozen=True)
class Match:
    node: MenuNode
    name: str
    prompt: str
    path: tuple[str, ...]
    field: str  # where the query matched best: "name", "prompt" or "help"

    @property
    def path_text(self) -> str:
        return " > ".join(self.path) if self.path else "(top)"


@dataclass(frozen=True)
class _Entry:
    node: MenuNode
    name: str
    prompt: str
    help: str


def _normalise(term: str) -> str:
    term = term.lower()
    return term[len(CONFIG_PREFIX):] if term.startswith(CONFIG_PREFIX) and \
        len(term) > len(CONFIG_PREFIX) else term


class SearchIndex:
    """Lower-cased name, prompt and help of every menu entry, built once."""

    def __init__(self, kconf: kconfiglib.Kconfig) -> None:
        self.kconf = kconf
        self._entries: list[_Entry] | None = None

    def _build(self) -> list[_Entry]:
        entries = []
        for node in self.kconf.node_iter():
            item = node.item
            named = isinstance(item, (Symbol, Choice))
            if not named and not node.prompt:
                continue
            name = item.name if named and item.name else ""
            entries.append(_Entry(node, name.lower(), (node.prompt[0] if node.prompt else "").lower(),
                                  (getattr(node, "help", None) or "").lower()))
        return entries

    def search(self, query: str, limit: int | None = None) -> list[Match]:
        terms = [_normalise(t) for t in query.split()]
        if not terms:
            return []
        if self._entries is None:
            self._entries = self._build()
        scored = []
        for order, entry in enumerate(self._entries):
            rank = _rank(entry, terms)
            if rank is not None:
                scored.append((rank, order, entry))
        scored.sort(key=lambda t: (t[0], t[1]))
        if limit is not None:
            scored = scored[:limit]
        return [_match(entry, rank) for rank, _, entry in scored]


def _rank(entry: _Entry, terms: list[str]) -> int | None:
    """Lower is better: exact name, name prefix, phrase in prompt, words in name, in
    name or prompt, anywhere (help included); None when a word matches nowhere."""
    phrase = " ".join(terms)
    if entry.name and entry.name == phrase:
        return 0
    if entry.name and entry.name.startswith(phrase):
        return 1
    if phrase in entry.prompt:
        return 2
    if all(t in entry.name for t in terms):
        return 3
    if all(t in entry.name or t in entry.prompt for t in terms):
        return 4
    if all(t in entry.name or t in entry.prompt or t in entry.help for t in terms):
        return 5
    return None


def _match(entry: _Entry, rank: int) -> Match:
    item = entry.node.item
    name = item.name if isinstance(item, (Symbol, Choice)) and item.name else ""
    field = {0: "name", 1: "name", 2: "prompt", 3: "name", 4: "prompt"}.get(rank, "help")
    return Match(entry.node, name, prompt_of(entry.node), tuple(menu_path(entry.node)), field)

"""Undo/redo of labelled snapshots.

Screens change Kconfig symbols and the isolation layout through one session;
keeping whole snapshots (not inverse operations) means an undo also reverts
every cascade a change caused, whichever screen made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

S = TypeVar("S")


@dataclass(frozen=True)
class Step(Generic[S]):
    label: str
    before: S
    after: S
    consequences: tuple[str, ...] = ()  # what followed from the edit, in words


class History(Generic[S]):
    def __init__(self, limit: int = 500) -> None:
        self._undo: list[Step[S]] = []
        self._redo: list[Step[S]] = []
        self._limit = limit

    def record(self, label: str, before: S, after: S, consequences: tuple[str, ...] = ()) -> None:
        self._undo.append(Step(label, before, after, consequences))
        if len(self._undo) > self._limit:
            del self._undo[0]
        self._redo.clear()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> Step[S] | None:
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        return step

    def redo(self) -> Step[S] | None:
        if not self._redo:
            return None
        step = self._redo.pop()
        self._undo.append(step)
        return step

    def labels(self) -> list[str]:
        return [s.label for s in self._undo]

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()

"""A card's last derived frames, kept while the frames they came from are the same objects (the reader's cache
hands out the same frame until it re-reads), so a run change does not recompute what only the run list decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """The value last computed from `inputs` (objects compared by identity, ints by value), recomputed only when
    one of them changed."""

    def __init__(self) -> None:
        self._inputs: tuple[object, ...] | None = None
        self._value: T | None = None

    def get(self, inputs: tuple[object, ...], compute: Callable[[], T]) -> T:
        """The kept value when every input is the object it was computed from, else a fresh one (then kept)."""
        if self._value is None or self._inputs is None or not _same(self._inputs, inputs):
            self._value, self._inputs = compute(), inputs
        return self._value


def _same(kept: tuple[object, ...], inputs: tuple[object, ...]) -> bool:
    if len(kept) != len(inputs):
        return False
    return all(a is b or (type(a) is int and a == b) for a, b in zip(kept, inputs, strict=True))

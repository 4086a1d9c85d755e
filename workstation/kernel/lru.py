"""A least-recently-used cache bounded in bytes, safe to share between threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def nbytes_of(value: object) -> int:
    """The bytes a value's arrays hold: an array's ``nbytes`` (numpy's, or anything's that has one),
    summed over a tuple or a list (None in one weighs nothing). Anything else cannot be weighed:
    give the cache a ``weigh``."""
    if value is None:  # an optional part a value lacks (e.g. a format 2 character's visibility)
        return 0
    if isinstance(value, tuple | list):
        return sum(nbytes_of(item) for item in value)
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    raise TypeError(f"an LRUCache cannot weigh a {type(value).__name__}: give it a weigh function")


class LRUCache(Generic[K, V]):
    """Keeps values weighing at most ``max_bytes`` together (nothing when it is 0), each weighed
    once by ``weigh`` when it is put, dropping the least recently used first; a value heavier than
    the whole budget is not kept. ``get`` and ``put`` both count as a use."""

    def __init__(self, max_bytes: int, weigh: Callable[[V], int] = nbytes_of):
        if max_bytes < 0:
            raise ValueError(f"an LRUCache's max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = int(max_bytes)
        self._weigh = weigh
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()  # oldest use first; (value, its bytes)
        self._nbytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """The bytes the values held weigh together, at most ``max_bytes``."""
        with self._lock:
            return self._nbytes

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(value)
        with self._lock:
            replaced = self._items.pop(key, None)
            if replaced is not None:
                self._nbytes -= replaced[1]
            if weight > self.max_bytes:
                return
            self._items[key] = (value, weight)
            self._nbytes += weight
            while self._nbytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._nbytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._nbytes = 0

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

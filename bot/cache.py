"""A small in-process cache for settings that every command reads, with hit and miss counts.

Entries expire after a time to live and are dropped at once when the bot itself changes
them, so a changed setting is never served stale by this process.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from hourglass.telemetry import Telemetry

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TimedCache(Generic[K, V]):
    """Least-recently-used entries, each valid for `ttl` seconds."""

    def __init__(
        self, name: str, telemetry: Telemetry, *, ttl: float = 30.0, size: int = 10_000
    ) -> None:
        self.name = name
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._hits = telemetry.cache_requests.labels(name, "memory", "hit")
        self._misses = telemetry.cache_requests.labels(name, "memory", "miss")

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or load() stored for next time."""
        found = self._entries.get(key)
        if found is not None and found[0] > time.monotonic():
            self._entries.move_to_end(key)
            self._hits.inc()
            return found[1]

        self._misses.inc()
        value = await load()
        self._entries[key] = (time.monotonic() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def forget(self, key: K) -> None:
        """Drops one entry (after the bot changed what it holds)."""
        self._entries.pop(key, None)

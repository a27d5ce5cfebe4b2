"""The settings cache: hits, misses, expiry and explicit invalidation, all counted."""

from __future__ import annotations

import asyncio

from bot.cache import TimedCache
from hourglass.telemetry import Telemetry


def _counts(telemetry: Telemetry) -> dict[str, float]:
    found = {}
    for metric in telemetry.cache_requests.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                found[sample.labels["result"]] = sample.value
    return found


def test_a_cached_value_is_served_until_it_expires_or_is_forgotten():
    telemetry = Telemetry()
    cache: TimedCache[int, str] = TimedCache("guild_config", telemetry, ttl=0.2)
    loads = []

    async def load() -> str:
        loads.append(1)
        return f"value {len(loads)}"

    async def main():
        first = await cache.get(1, load)
        second = await cache.get(1, load)
        cache.forget(1)
        third = await cache.get(1, load)
        await asyncio.sleep(0.25)
        fourth = await cache.get(1, load)
        return first, second, third, fourth

    values = asyncio.run(main())

    assert values == ("value 1", "value 1", "value 2", "value 3")
    assert _counts(telemetry) == {"hit": 1.0, "miss": 3.0}


def test_the_least_recently_used_entry_leaves_first_when_full():
    telemetry = Telemetry()
    cache: TimedCache[int, int] = TimedCache("member_config", telemetry, size=2)

    async def main():
        for key in (1, 2, 1, 3):  # 2 is the least recently used when 3 arrives
            await cache.get(key, lambda k=key: asyncio.sleep(0, result=k))
        return [await cache.get(k, lambda: asyncio.sleep(0, result=-1)) for k in (3, 1, 2)]

    assert asyncio.run(main()) == [3, 1, -1]

"""Waiting, with a deadline, until something the double records becomes true."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Signal:
    """Wakes every waiter whenever `notify` is called; waiters re-check their condition."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        """Wakes the current waiters."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(
        self, condition: Callable[[], bool], timeout: float, describe: Callable[[], str]
    ) -> None:
        """Returns once condition() is true; fails with describe() after timeout seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"gave up after {timeout:g}s: {describe()}")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue

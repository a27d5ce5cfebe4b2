"""What the data-access functions need from a connection or a pool."""

from __future__ import annotations

from typing import Any, Protocol


class Executor(Protocol):
    """The query methods that asyncpg's Connection and Pool share."""

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str: ...

    async def fetch(self, query: str, *args: Any, timeout: float | None = None) -> list[Any]: ...

    async def fetchrow(self, query: str, *args: Any, timeout: float | None = None) -> Any: ...

    async def fetchval(
        self, query: str, *args: Any, column: int = 0, timeout: float | None = None
    ) -> Any: ...

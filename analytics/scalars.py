"""Typed views of the single values polars returns (its scalars are typed as a wide union)."""

from __future__ import annotations

import logging
from datetime import date, datetime

log = logging.getLogger(__name__)


def number(value: object, default: float = 0.0) -> float:
    """A polars aggregate as a float; None (an empty column) becomes the default."""
    if value is None:
        return default
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def day(value: object) -> date | None:
    """A polars aggregate of a date column as a date, or None for an empty column."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")

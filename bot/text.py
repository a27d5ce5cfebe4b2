"""Formatting for replies: durations, names and member text made safe to echo."""

from __future__ import annotations

import re
import unicodedata

import disnake

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def duration(seconds: int) -> str:
    """3h 05m, 45m or 20s."""
    if seconds < 60:
        return f"{seconds}s"
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest}m"


def safe(text: str, limit: int = 200) -> str:
    """Member text ready to echo: no markdown effects, no mentions, no control characters."""
    text = disnake.utils.escape_mentions(disnake.utils.escape_markdown(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_input(text: str) -> str:
    """Normalises what a member typed: NFC, control characters removed, edges trimmed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()

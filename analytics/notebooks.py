"""What the notebooks read from the environment, so that they hold calls and no setup logic.

HOURGLASS_ANALYTICS_URL: the database (default: the embedded demo database, started if it
is not running); HOURGLASS_ANALYTICS_GUILD: the guild (default: the one with most members);
HOURGLASS_ANALYTICS_LAST_DAY: the last day shown, ISO date (default: today).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date

from analytics import data
from analytics.data import Warehouse
from analytics.errors import AnalyticsError

log = logging.getLogger(__name__)

URL_VARIABLE = "HOURGLASS_ANALYTICS_URL"
GUILD_VARIABLE = "HOURGLASS_ANALYTICS_GUILD"
LAST_DAY_VARIABLE = "HOURGLASS_ANALYTICS_LAST_DAY"


@dataclass(frozen=True)
class NotebookContext:
    """The database, guild and last day a notebook looks at."""

    url: str
    guild_id: int
    last_day: date | None


def database_url() -> str:
    """HOURGLASS_ANALYTICS_URL, else the embedded demo database (`hourglass demo` fills it)."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        return url

    from hourglass.embedded import EmbeddedPostgres
    from hourglass.settings import EmbeddedSettings, load

    settings = load(EmbeddedSettings)
    server = EmbeddedPostgres(settings.data_dir, settings.port)
    server.start()
    return server.url


def context() -> NotebookContext:
    """The notebook's database, guild and last day, from the environment."""
    url = database_url()
    guild = os.environ.get(GUILD_VARIABLE)
    last_day = os.environ.get(LAST_DAY_VARIABLE)

    if guild is None:
        with Warehouse(url) as wh:
            known = data.guilds(wh)
        if known.is_empty():
            raise AnalyticsError("the database has no guilds yet; run `hourglass demo` first")
        guild = str(known["guild_id"][0])
    return NotebookContext(url, int(guild), date.fromisoformat(last_day) if last_day else None)

"""Permission checks and option validation shared by the cogs."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import disnake

from bot.errors import UserError
from bot.text import clean_input

# Commands exist in servers only, and only for guild installs.
GUILD_ONLY = {
    "contexts": disnake.InteractionContextTypes(guild=True),
    "install_types": disnake.ApplicationInstallTypes(guild=True),
}
# Limitation: Discord's own "default member permissions" would hide administrator commands
# from members, but its OpenAPI description types that field as an integer while disnake
# sends a string, so Hourglass does not set it: every administrator command checks
# permissions itself with require_admin, and server owners can still restrict commands in
# their Integrations settings.

MAX_FUTURE = timedelta(days=5 * 366)


def require_admin(inter: disnake.Interaction) -> None:
    """Refuses members without Manage Server, whatever the server's command settings say."""
    permissions = inter.permissions
    if not (permissions.manage_guild or permissions.administrator):
        raise UserError("You need the Manage Server permission for this command.")


def guild_id_of(inter: disnake.Interaction) -> int:
    """The guild an interaction came from (commands are guild-only)."""
    if inter.guild_id is None:
        raise UserError("Hourglass commands work inside a server.")
    return inter.guild_id


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name, sorted."""
    return tuple(sorted(available_timezones()))


def time_zone(name: str) -> str:
    """A valid IANA time zone name, or a UserError that says how to find one."""
    name = clean_input(name)
    matches = {zone.lower(): zone for zone in time_zones()}
    if name.lower() not in matches:
        raise UserError(
            f"`{name[:60]}` is not a time zone I know. Pick one from the list, for example "
            "`Europe/Berlin` or `Asia/Kathmandu`."
        )
    return matches[name.lower()]


def suggest_time_zones(typed: str, limit: int = 25) -> list[str]:
    """Time zones matching what was typed so far, for autocomplete."""
    needle = typed.strip().lower().replace(" ", "_")
    hits = [zone for zone in time_zones() if needle in zone.lower()]
    hits.sort(key=lambda zone: (not zone.lower().startswith(needle), len(zone), zone))
    return hits[:limit]


def text_option(value: str, what: str, *, max_length: int, required: bool = True) -> str:
    """Cleans a text option and checks its length."""
    cleaned = clean_input(value)
    if required and not cleaned:
        raise UserError(f"The {what} cannot be empty.")
    if len(cleaned) > max_length:
        raise UserError(
            f"The {what} is too long ({len(cleaned)} characters, at most {max_length})."
        )
    return cleaned


def moment(value: str, zone: str, now: datetime, *, past_ok: bool) -> datetime:
    """A date (YYYY-MM-DD) or date and time (YYYY-MM-DD HH:MM) in a time zone, checked."""
    text = clean_input(value)
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    else:
        raise UserError(f"`{text[:40]}` is not a date. Use YYYY-MM-DD or YYYY-MM-DD HH:MM.")

    result = parsed.replace(tzinfo=ZoneInfo(zone))
    if not past_ok and result < now - timedelta(days=1):
        raise UserError("That date is in the past.")
    if result > now + MAX_FUTURE:
        raise UserError("That date is more than five years away.")
    if past_ok and result < now - timedelta(days=20 * 366):
        raise UserError("That date is too far in the past.")
    return result

"""Builders of Discord payloads (users, members, roles, channels, voice states, guilds).

They return plain dicts shaped like Discord's documented objects, so tests stay short:

    study_hall = guild(
        channels=[text_channel(name="general"), voice_channel(name="Focus Room")],
        members=[member(name="ada"), member(name="grace")],
    )
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# The permissions Discord gives @everyone in a new guild, close enough for a bot's checks:
# view channels, send messages, embed links, attach files, read history, connect, speak,
# use application commands.
EVERYONE_PERMISSIONS = sum(1 << bit for bit in (10, 11, 14, 15, 16, 20, 21, 31))
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1

_sequence = itertools.count()


def snowflake() -> str:
    """A new, unique snowflake id for the current time."""
    elapsed = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((elapsed << 22) | (next(_sequence) % (1 << 22)))


def timestamp(moment: datetime | None = None) -> str:
    """An ISO 8601 timestamp as Discord writes them."""
    return (moment or datetime.now(UTC)).isoformat()


def user(user_id: str | int | None = None, name: str = "learner", *, bot: bool = False) -> dict:
    """A user object."""
    return {
        "id": str(user_id or snowflake()),
        "username": name,
        "discriminator": "0",
        "global_name": None if bot else name.title(),
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }


def member(
    user_id: str | int | None = None,
    name: str = "learner",
    *,
    bot: bool = False,
    roles: Iterable[str | int] = (),
    nick: str | None = None,
) -> dict:
    """A guild member object, with its user."""
    return {
        "user": user(user_id, name, bot=bot),
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": [str(role_id) for role_id in roles],
        "joined_at": timestamp(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def role(
    role_id: str | int | None = None,
    name: str = "studier",
    *,
    permissions: int = 0,
    position: int = 1,
) -> dict:
    """A role object."""
    return {
        "id": str(role_id or snowflake()),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel(
    channel_id: str | int | None = None,
    name: str = "general",
    *,
    position: int = 0,
    parent_id: str | int | None = None,
) -> dict:
    """A guild text channel (type 0)."""
    return {
        **_channel(channel_id, name, 0, position, parent_id),
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def voice_channel(
    channel_id: str | int | None = None,
    name: str = "Focus Room",
    *,
    position: int = 0,
    parent_id: str | int | None = None,
    user_limit: int = 0,
) -> dict:
    """A guild voice channel (type 2)."""
    return {
        **_channel(channel_id, name, 2, position, parent_id),
        "bitrate": 64000,
        "user_limit": user_limit,
        "rtc_region": None,
        "video_quality_mode": 1,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def category(
    channel_id: str | int | None = None, name: str = "Study", *, position: int = 0
) -> dict:
    """A channel category (type 4)."""
    return _channel(channel_id, name, 4, position, None)


def voice_state(
    user_id: str | int,
    channel_id: str | int | None,
    *,
    self_mute: bool = False,
    self_deaf: bool = False,
    self_video: bool = False,
    self_stream: bool = False,
    mute: bool = False,
    deaf: bool = False,
) -> dict:
    """A voice state object (without guild_id and member, as inside GUILD_CREATE)."""
    return {
        "user_id": str(user_id),
        "channel_id": None if channel_id is None else str(channel_id),
        "session_id": f"voice-{user_id}",
        "deaf": deaf,
        "mute": mute,
        "self_deaf": self_deaf,
        "self_mute": self_mute,
        "self_stream": self_stream,
        "self_video": self_video,
        "suppress": False,
        "request_to_speak_timestamp": None,
    }


def guild(
    guild_id: str | int | None = None,
    name: str = "Study Hall",
    *,
    channels: Iterable[Mapping[str, Any]] = (),
    members: Iterable[Mapping[str, Any]] = (),
    voice_states: Iterable[Mapping[str, Any]] = (),
    roles: Iterable[Mapping[str, Any]] = (),
    owner_id: str | int | None = None,
) -> dict:
    """A GUILD_CREATE payload: the guild with its roles, channels, members and voice states.

    The @everyone role (id = guild id) is added; owner_id defaults to the first member.
    """
    guild_id = str(guild_id or snowflake())
    everyone = role(guild_id, "@everyone", permissions=EVERYONE_PERMISSIONS, position=0)
    members = [dict(m) for m in members]
    owner = owner_id or (members[0]["user"]["id"] if members else snowflake())

    return {
        **_guild_settings(guild_id, name, str(owner)),
        "roles": [everyone, *(dict(r) for r in roles)],
        "channels": [{**c, "guild_id": guild_id} for c in channels],
        "members": members,
        "member_count": len(members),
        "voice_states": [dict(v) for v in voice_states],
    }


def _channel(
    channel_id: str | int | None, name: str, kind: int, position: int, parent: str | int | None
) -> dict:
    return {
        "id": str(channel_id or snowflake()),
        "type": kind,
        "name": name,
        "position": position,
        "parent_id": None if parent is None else str(parent),
        "permission_overwrites": [],
        "nsfw": False,
        "flags": 0,
    }


def _guild_settings(guild_id: str, name: str, owner_id: str) -> dict:
    return {
        "id": guild_id,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "features": [],
        "emojis": [],
        "stickers": [],
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "joined_at": timestamp(),
        "large": False,
        "unavailable": False,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }

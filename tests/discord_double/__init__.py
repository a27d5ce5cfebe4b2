"""A loopback double of Discord's Gateway and REST API v10 for end-to-end bot tests.

Every REST request is validated against Discord's OpenAPI description
(shared/discord-api-spec/openapi.json beside the repository folder).
"""

from tests.discord_double.builders import (
    category,
    guild,
    member,
    role,
    snowflake,
    text_channel,
    user,
    voice_channel,
    voice_state,
)
from tests.discord_double.client import disnake_pointed_at, running
from tests.discord_double.double import DiscordDouble
from tests.discord_double.interactions import InteractionResult, Reply
from tests.discord_double.records import RestCall, Upload, Violation
from tests.discord_double.spec import SPEC_PATH, SpecMissingError

__all__ = [
    "SPEC_PATH",
    "DiscordDouble",
    "InteractionResult",
    "Reply",
    "RestCall",
    "SpecMissingError",
    "Upload",
    "Violation",
    "category",
    "disnake_pointed_at",
    "guild",
    "member",
    "role",
    "running",
    "snowflake",
    "text_channel",
    "user",
    "voice_channel",
    "voice_state",
]

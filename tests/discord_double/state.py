"""The double's world: its guilds, bot user, registered commands, and what it recorded."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.discord_double import builders
from tests.discord_double.records import RestCall, Violation
from tests.discord_double.waiting import Signal

if TYPE_CHECKING:
    from tests.discord_double.interactions import InteractionResult

# Gateway intents that gate the events the double sends.
GUILDS = 1 << 0
GUILD_VOICE_STATES = 1 << 7
GUILD_MESSAGES = 1 << 9

# The bot's own role in each guild: administrator, so permission checks pass by default.
BOT_PERMISSIONS = builders.ADMINISTRATOR | builders.EVERYONE_PERMISSIONS


@dataclass
class DoubleState:
    """Everything the gateway and the REST API of one double share."""

    token: str
    bot_user: dict
    application: dict
    guilds: dict[str, dict]
    base_url: str = ""
    signal: Signal = field(default_factory=Signal)
    commands: dict[str | None, list[dict]] = field(default_factory=dict)
    messages: dict[str, dict] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    interactions: dict[str, InteractionResult] = field(default_factory=dict)
    requests: list[RestCall] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def application_id(self) -> str:
        return str(self.application["id"])

    def violation(self, kind: str, where: str, message: str) -> None:
        """Records a violation and wakes waiters."""
        self.violations.append(Violation(kind, where, message))
        self.signal.notify()

    def find_channel(self, channel_id: str) -> tuple[dict, dict] | None:
        """(guild, channel) of a guild channel, or None."""
        for guild in self.guilds.values():
            for channel in guild["channels"]:
                if channel["id"] == str(channel_id):
                    return guild, channel
        return None

    def find_member(self, guild_id: str, user_id: str) -> dict | None:
        """A member of a guild, or None."""
        for member in self.guilds[str(guild_id)]["members"]:
            if member["user"]["id"] == str(user_id):
                return member
        return None

    def permissions(self, guild_id: str, user_id: str) -> int:
        """A member's guild-level permissions: its roles and @everyone, all if admin or owner."""
        guild = self.guilds[str(guild_id)]
        member = self.find_member(guild_id, user_id) or {"roles": []}
        held = {guild["id"], *member["roles"]}
        bits = 0
        for role in guild["roles"]:
            if role["id"] in held:
                bits |= int(role["permissions"])

        if guild["owner_id"] == str(user_id) or bits & builders.ADMINISTRATOR:
            return builders.ALL_PERMISSIONS
        return bits

    def registered_command(self, name: str, guild_id: str | None) -> dict | None:
        """The command of that name registered for the guild, else the global one."""
        for scope in (guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        return None


def new_state(
    token: str,
    guilds: Iterable[Mapping[str, Any]],
    application_id: str | None,
    bot_name: str,
) -> DoubleState:
    """A state whose bot user is a member, with an administrator role, of every guild."""
    bot = builders.user(application_id, bot_name, bot=True)
    bot.update(verified=True, mfa_enabled=False, email=None, locale="en-US", premium_type=0)
    # Flags: APPLICATION_COMMAND_BADGE, as a bot that registered commands has.
    application = {"id": bot["id"], "name": bot_name, "flags": 1 << 23}

    state = DoubleState(token=token, bot_user=bot, application=application, guilds={})
    for payload in guilds:
        guild = _with_bot_member(copy.deepcopy(dict(payload)), bot)
        state.guilds[guild["id"]] = guild
    return state


def _with_bot_member(guild: dict, bot: dict) -> dict:
    members = [dict(m) for m in guild.get("members", [])]
    if not any(m["user"]["id"] == bot["id"] for m in members):
        bot_role = builders.role(name=bot["username"], permissions=BOT_PERMISSIONS)
        bot_role["managed"] = True
        bot_role["tags"] = {"bot_id": bot["id"]}
        guild["roles"] = [*guild.get("roles", []), bot_role]

        bot_member = builders.member(bot["id"], bot["username"], bot=True, roles=[bot_role["id"]])
        members.append(bot_member)

    guild["members"] = members
    guild["member_count"] = len(members)
    return guild

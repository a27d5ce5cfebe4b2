"""REST routes a bot calls outside interactions: gateway, identity, commands, channel messages.

Each handler takes an Incoming request (already matched to the OpenAPI description and
validated) and returns (status, JSON answer), or raises ApiError as Discord would answer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.discord_double import builders
from tests.discord_double.messages import create_message, edit_message
from tests.discord_double.records import Upload
from tests.discord_double.spec import RequestBody
from tests.discord_double.state import DoubleState

Answer = tuple[int, Any]


class ApiError(Exception):
    """An error answer in Discord's shape: HTTP status, JSON error code, message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Incoming:
    """A validated request as the route handlers see it."""

    state: DoubleState
    values: Mapping[str, str]
    query: Mapping[str, str]
    body: RequestBody
    dispatch: Callable[[str, Any], None]
    gateway_url: str

    @property
    def json(self) -> Any:
        """The JSON body (or payload_json), {} when there was none."""
        return self.body.json if self.body.json is not None else {}

    @property
    def uploads(self) -> tuple[Upload, ...]:
        """The files of a multipart body."""
        return self.body.uploads


def gateway(incoming: Incoming) -> Answer:
    """GET /gateway: the websocket URL."""
    return 200, {"url": incoming.gateway_url}


def gateway_bot(incoming: Incoming) -> Answer:
    """GET /gateway/bot: the URL, one shard, and a session start limit far from exhausted."""
    limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
    return 200, {"url": incoming.gateway_url, "shards": 1, "session_start_limit": limit}


def current_user(incoming: Incoming) -> Answer:
    """GET /users/@me: the bot user (disnake logs in with it)."""
    return 200, incoming.state.bot_user


def current_application(incoming: Incoming) -> Answer:
    """GET /oauth2/applications/@me and /applications/@me: the application, owner included."""
    state = incoming.state
    owner = builders.user(None, "owner")
    bot = {k: v for k, v in state.bot_user.items() if k not in ("email", "verified", "locale")}
    return 200, {
        "id": state.application_id,
        "name": state.application["name"],
        "icon": None,
        "description": "",
        "type": None,
        "bot": bot,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": state.application["flags"],
        "flags_new": str(state.application["flags"]),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": owner,
        "approximate_guild_count": len(state.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": ["applications.commands", "bot"],
    }


def list_commands(incoming: Incoming) -> Answer:
    """GET the global or guild commands."""
    return 200, incoming.state.commands.get(_scope(incoming), [])


def overwrite_commands(incoming: Incoming) -> Answer:
    """PUT (bulk overwrite): a command that keeps its name and type keeps its id."""
    scope = _scope(incoming)
    current = incoming.state.commands.get(scope, [])
    commands = [_command(incoming, body, current) for body in incoming.json or []]
    incoming.state.commands[scope] = commands
    incoming.state.signal.notify()
    return 200, commands


def create_command(incoming: Incoming) -> Answer:
    """POST one command: 201 when new, 200 when it replaces one of the same name and type."""
    scope = _scope(incoming)
    current = incoming.state.commands.setdefault(scope, [])
    command = _command(incoming, incoming.json, current)
    replaced = any(c["id"] == command["id"] for c in current)
    current[:] = [*(c for c in current if c["id"] != command["id"]), command]
    incoming.state.signal.notify()
    return (200 if replaced else 201), command


def get_command(incoming: Incoming) -> Answer:
    """GET one command by id."""
    return 200, _find_command(incoming)


def edit_command(incoming: Incoming) -> Answer:
    """PATCH one command: the body's fields replace the stored ones."""
    command = _find_command(incoming)
    edited = _command(incoming, {**command, **incoming.json}, [command])
    command.clear()
    command.update(edited)
    return 200, command


def delete_command(incoming: Incoming) -> Answer:
    """DELETE one command."""
    command = _find_command(incoming)
    incoming.state.commands[_scope(incoming)].remove(command)
    return 204, None


def get_channel(incoming: Incoming) -> Answer:
    """GET a guild channel."""
    _, channel = _channel(incoming)
    return 200, channel


def get_member(incoming: Incoming) -> Answer:
    """GET a guild member."""
    guild_id, user_id = incoming.values["guild_id"], incoming.values["user_id"]
    if guild_id not in incoming.state.guilds:
        raise ApiError(404, 10004, "Unknown Guild")
    member = incoming.state.find_member(guild_id, user_id)
    if member is None:
        raise ApiError(404, 10007, "Unknown Member")
    return 200, member


def create_channel_message(incoming: Incoming) -> Answer:
    """POST a message: stored, answered, and echoed to the bot as MESSAGE_CREATE."""
    guild, channel = _channel(incoming)
    state = incoming.state
    message = create_message(state, channel["id"], incoming.json, incoming.uploads)

    author_member = state.find_member(guild["id"], state.bot_user["id"]) or {}
    member = {k: v for k, v in author_member.items() if k != "user"}
    incoming.dispatch("MESSAGE_CREATE", {**message, "guild_id": guild["id"], "member": member})
    return 200, message


def get_channel_message(incoming: Incoming) -> Answer:
    """GET a message of a channel."""
    return 200, _channel_message(incoming)


def edit_channel_message(incoming: Incoming) -> Answer:
    """PATCH a message of a channel."""
    message = _channel_message(incoming)
    return 200, edit_message(incoming.state, message, incoming.json, incoming.uploads)


def delete_channel_message(incoming: Incoming) -> Answer:
    """DELETE a message of a channel."""
    message = _channel_message(incoming)
    del incoming.state.messages[message["id"]]
    return 204, None


def _scope(incoming: Incoming) -> str | None:
    if incoming.values["application_id"] != incoming.state.application_id:
        raise ApiError(403, 50001, "Missing Access")
    guild_id = incoming.values.get("guild_id")
    if guild_id is not None and guild_id not in incoming.state.guilds:
        raise ApiError(403, 50001, "Missing Access")
    return guild_id


def _command(incoming: Incoming, body: Mapping[str, Any], current: list[dict]) -> dict:
    kind = body.get("type") or 1
    same = [c for c in current if c["name"] == body["name"] and c["type"] == kind]
    command = {
        "id": same[0]["id"] if same else builders.snowflake(),
        "application_id": incoming.state.application_id,
        "version": builders.snowflake(),
        "default_member_permissions": body.get("default_member_permissions"),
        "type": kind,
        "name": body["name"],
        "name_localizations": body.get("name_localizations"),
        "description": body.get("description") or "",
        "description_localizations": body.get("description_localizations"),
        "options": copy.deepcopy(body.get("options") or []),
        "nsfw": bool(body.get("nsfw", False)),
        "integration_types": body.get("integration_types") or [0],
        "contexts": body.get("contexts"),
    }
    if incoming.values.get("guild_id"):
        command["guild_id"] = incoming.values["guild_id"]
    return command


def _find_command(incoming: Incoming) -> dict:
    for command in incoming.state.commands.get(_scope(incoming), []):
        if command["id"] == incoming.values["command_id"]:
            return command
    raise ApiError(404, 10063, "Unknown application command")


def _channel(incoming: Incoming) -> tuple[dict, dict]:
    found = incoming.state.find_channel(incoming.values["channel_id"])
    if found is None:
        raise ApiError(404, 10003, "Unknown Channel")
    return found


def _channel_message(incoming: Incoming) -> dict:
    _, channel = _channel(incoming)
    message = incoming.state.messages.get(incoming.values["message_id"])
    if message is None or message["channel_id"] != channel["id"]:
        raise ApiError(404, 10008, "Unknown Message")
    return message


_COMMANDS = "/applications/{application_id}/commands"
_GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
_MESSAGES = "/channels/{channel_id}/messages"

ROUTES: dict[tuple[str, str], Callable[[Incoming], Answer]] = {
    ("GET", "/gateway"): gateway,
    ("GET", "/gateway/bot"): gateway_bot,
    ("GET", "/users/@me"): current_user,
    ("GET", "/oauth2/applications/@me"): current_application,
    ("GET", "/applications/@me"): current_application,
    ("GET", "/channels/{channel_id}"): get_channel,
    ("GET", "/guilds/{guild_id}/members/{user_id}"): get_member,
    ("POST", _MESSAGES): create_channel_message,
    ("GET", _MESSAGES + "/{message_id}"): get_channel_message,
    ("PATCH", _MESSAGES + "/{message_id}"): edit_channel_message,
    ("DELETE", _MESSAGES + "/{message_id}"): delete_channel_message,
}
for _template in (_COMMANDS, _GUILD_COMMANDS):
    ROUTES[("GET", _template)] = list_commands
    ROUTES[("PUT", _template)] = overwrite_commands
    ROUTES[("POST", _template)] = create_command
    ROUTES[("GET", _template + "/{command_id}")] = get_command
    ROUTES[("PATCH", _template + "/{command_id}")] = edit_command
    ROUTES[("DELETE", _template + "/{command_id}")] = delete_command

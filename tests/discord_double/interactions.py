"""INTERACTION_CREATE payloads, and the replies the bot sends to each interaction."""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.discord_double import builders
from tests.discord_double.records import Upload
from tests.discord_double.state import DoubleState
from tests.discord_double.waiting import Signal

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 2, 3, 4
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT = 6, 7, 8, 9, 11


@dataclass
class Reply:
    """One answer of the bot to an interaction.

    kind is `callback`, `followup`, `edit` (of the original response), `delete`
    (of the original), `edit_followup` or `delete_followup`. `json` is the body as sent
    (for multipart, its payload_json); `message` is the message it created or changed.
    """

    kind: str
    json: Any
    uploads: list[Upload] = field(default_factory=list)
    message: dict | None = None

    @property
    def files(self) -> dict[str, bytes]:
        """The uploaded files by file name."""
        return {upload.filename: upload.data for upload in self.uploads}

    @property
    def callback_type(self) -> int | None:
        """The interaction callback type of a callback (4 message, 5 deferred, 8 choices...)."""
        return (self.json or {}).get("type") if self.kind == "callback" else None

    @property
    def content(self) -> str | None:
        """The text of the resulting message, or of the body when no message resulted."""
        if self.message is not None:
            return self.message["content"]
        body = (self.json or {}).get("data") if self.kind == "callback" else self.json
        return (body or {}).get("content")

    @property
    def choices(self) -> list[dict]:
        """The choices of an autocomplete callback."""
        return list(((self.json or {}).get("data") or {}).get("choices", []))


class InteractionResult:
    """An interaction the double sent, collecting the bot's replies as they arrive."""

    def __init__(self, payload: dict, signal: Signal, source: dict | None = None) -> None:
        self.payload = payload
        self.source = source
        self.replies: list[Reply] = []
        self.original: dict | None = None
        self.followups: list[dict] = []
        self._signal = signal

    @property
    def token(self) -> str:
        return self.payload["token"]

    @property
    def type(self) -> int:
        return self.payload["type"]

    def record(self, reply: Reply) -> None:
        """Adds a reply and wakes whoever waits for it."""
        self.replies.append(reply)
        self._signal.notify()

    def of_kind(self, kind: str) -> list[Reply]:
        """The replies of one kind so far, oldest first."""
        return [reply for reply in self.replies if reply.kind == kind]

    async def callback(self, timeout: float = 5.0) -> Reply:
        """Waits for the interaction callback (the initial response)."""
        return await self.wait_for("callback", 0, timeout)

    async def followup(self, index: int = 0, timeout: float = 5.0) -> Reply:
        """Waits for the follow-up message number `index`."""
        return await self.wait_for("followup", index, timeout)

    async def edit(self, index: int = 0, timeout: float = 5.0) -> Reply:
        """Waits for edit number `index` of the original response."""
        return await self.wait_for("edit", index, timeout)

    async def wait_for(self, kind: str, index: int = 0, timeout: float = 5.0) -> Reply:
        """Waits until reply number `index` of that kind has arrived, and returns it."""
        name = self.payload.get("data", {}).get("name") or self.payload["data"].get("custom_id")
        await self._signal.wait_until(
            lambda: len(self.of_kind(kind)) > index,
            timeout,
            lambda: f"no {kind} #{index} to interaction {name!r}; got {self._summary()}",
        )
        return self.of_kind(kind)[index]

    def _summary(self) -> str:
        return ", ".join(reply.kind for reply in self.replies) or "no reply at all"


def base_interaction(
    state: DoubleState, kind: int, guild_id: str, channel_id: str, user_id: str, locale: str
) -> dict:
    """The fields every guild interaction carries."""
    guild = state.guilds[guild_id]
    member = state.find_member(guild_id, user_id)
    found = state.find_channel(channel_id)
    if member is None or found is None or found[0]["id"] != guild_id:
        raise ValueError(f"user {user_id} or channel {channel_id} is not in guild {guild_id}")

    permissions = str(state.permissions(guild_id, user_id))
    return {
        "id": builders.snowflake(),
        "application_id": state.application_id,
        "type": kind,
        "token": "interaction." + secrets.token_urlsafe(32),
        "version": 1,
        "guild_id": guild_id,
        "guild": {"id": guild_id, "locale": guild["preferred_locale"], "features": []},
        "channel_id": channel_id,
        "channel": {**found[1], "permissions": permissions},
        "member": {**member, "permissions": permissions},
        "app_permissions": str(state.permissions(guild_id, state.bot_user["id"])),
        "locale": locale,
        "guild_locale": guild["preferred_locale"],
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild_id},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }


def command_data(
    state: DoubleState,
    command: Mapping[str, Any],
    guild_id: str,
    values: Mapping[str, Any],
    subcommand: str | None,
    focused: str | None = None,
) -> dict:
    """The `data` of an application command (or autocomplete) interaction.

    values maps option names to Python values; user, channel and role options take ids,
    attachment options take (filename, bytes). subcommand is `sub` or `group sub`.
    """
    resolved: dict[str, dict] = {}
    definitions = list(command.get("options") or [])
    path = subcommand.split() if subcommand else []

    leaves = _follow(command["name"], definitions, path)
    leaf = _options(state, command["name"], leaves, values, guild_id, resolved, focused)
    data = {"id": command["id"], "name": command["name"], "type": command.get("type", 1)}
    data["options"] = _wrap(definitions, path, leaf)
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data


def _follow(name: str, definitions: list[dict], path: list[str]) -> dict[str, dict]:
    """The value options (by name) at the end of a subcommand path."""
    for step_name in path:
        step = next((d for d in definitions if d["name"] == step_name), None)
        if step is None or step["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            raise ValueError(f"/{name} has no subcommand {step_name!r}")
        name, definitions = f"{name} {step_name}", list(step.get("options") or [])

    if any(d["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for d in definitions):
        raise ValueError(f"/{name} needs a subcommand")
    return {definition["name"]: definition for definition in definitions}


def _wrap(definitions: list[dict], path: list[str], leaf: list[dict]) -> list[dict]:
    if not path:
        return leaf
    step = next(d for d in definitions if d["name"] == path[0])
    inner = _wrap(list(step.get("options") or []), path[1:], leaf)
    return [{"name": step["name"], "type": step["type"], "options": inner}]


def _options(
    state: DoubleState,
    name: str,
    leaves: dict[str, dict],
    values: Mapping[str, Any],
    guild_id: str,
    resolved: dict[str, dict],
    focused: str | None,
) -> list[dict]:
    unknown = sorted(set(values) - set(leaves))
    if unknown:
        raise ValueError(f"/{name} has no option {', '.join(unknown)}")
    missing = [n for n, d in leaves.items() if d.get("required") and n not in values]
    if missing and focused is None:
        raise ValueError(f"/{name} needs option {', '.join(missing)}")

    options = []
    for option_name, value in values.items():
        kind = leaves[option_name]["type"]
        option = {"name": option_name, "type": kind}
        if option_name == focused:
            option.update(value=str(value), focused=True)
        else:
            option["value"] = _wire(state, kind, value, guild_id, resolved)
        options.append(option)
    return options


def _wire(state: DoubleState, kind: int, value: Any, guild_id: str, resolved: dict) -> Any:
    if kind == USER or (kind == MENTIONABLE and state.find_member(guild_id, str(value))):
        return _resolve_member(state, guild_id, str(value), resolved)
    if kind in (ROLE, MENTIONABLE):
        found = [r for r in state.guilds[guild_id]["roles"] if r["id"] == str(value)]
        resolved.setdefault("roles", {}).update({r["id"]: r for r in found})
        return str(value)
    if kind == CHANNEL:
        _, channel = state.find_channel(str(value)) or (None, {"id": str(value)})
        resolved.setdefault("channels", {})[str(value)] = channel
        return str(value)
    if kind == ATTACHMENT:
        return _resolve_attachment(state, value, resolved)
    return value


def _resolve_member(state: DoubleState, guild_id: str, user_id: str, resolved: dict) -> str:
    member = state.find_member(guild_id, user_id)
    if member is None:
        raise ValueError(f"user {user_id} is not a member of guild {guild_id}")

    partial = {k: v for k, v in member.items() if k != "user"}
    partial["permissions"] = str(state.permissions(guild_id, user_id))
    resolved.setdefault("users", {})[user_id] = member["user"]
    resolved.setdefault("members", {})[user_id] = partial
    return user_id


def _resolve_attachment(state: DoubleState, value: Any, resolved: dict) -> str:
    filename, data = value
    attachment_id = builders.snowflake()
    url = f"{state.base_url}/attachments/0/{attachment_id}/{filename}"
    state.files[attachment_id] = bytes(data)

    resolved.setdefault("attachments", {})[attachment_id] = {
        "id": attachment_id,
        "filename": filename,
        "size": len(data),
        "url": url,
        "proxy_url": url,
        "content_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        "ephemeral": True,
    }
    return attachment_id

"""Messages the bot creates and edits, with their attachments served back over HTTP."""

from __future__ import annotations

import copy
import itertools
import mimetypes
from collections.abc import Mapping, Sequence
from typing import Any

from tests.discord_double import builders
from tests.discord_double.records import Upload
from tests.discord_double.spec import FILE_FIELD
from tests.discord_double.state import DoubleState

EPHEMERAL = 1 << 6
LOADING = 1 << 7
MESSAGE_FIELDS = ("content", "embeds", "components", "tts")


def create_message(
    state: DoubleState,
    channel_id: str,
    body: Mapping[str, Any],
    uploads: Sequence[Upload],
    **extra: Any,
) -> dict:
    """Stores a new message written by the bot; `extra` sets or overrides message fields."""
    message = {
        "id": builders.snowflake(),
        "type": 0,
        "channel_id": str(channel_id),
        "author": _author(state.bot_user),
        "content": body.get("content") or "",
        "timestamp": builders.timestamp(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": list(body.get("embeds") or []),
        "components": _numbered(body.get("components") or []),
        "pinned": False,
        "flags": int(body.get("flags") or 0),
    }
    message.update(extra)

    message["attachments"] = _attachments(state, message, body, uploads, keep=[])
    state.messages[message["id"]] = message
    return message


def edit_message(
    state: DoubleState, message: dict, body: Mapping[str, Any], uploads: Sequence[Upload]
) -> dict:
    """Applies an edit (PATCH body and new files) to a stored message and returns it."""
    for name in MESSAGE_FIELDS:
        if name in body:
            message[name] = body[name] if body[name] is not None else _empty(name)
    if "components" in body:
        message["components"] = _numbered(message["components"])

    if "flags" in body and body["flags"] is not None:
        message["flags"] = (message["flags"] & (EPHEMERAL | LOADING)) | int(body["flags"])
    message["flags"] &= ~LOADING

    message["attachments"] = _attachments(state, message, body, uploads, message["attachments"])
    message["edited_timestamp"] = builders.timestamp()
    return message


def complete_loading(
    state: DoubleState, message: dict, body: Mapping[str, Any], uploads: Sequence[Upload]
) -> dict:
    """Fills a deferred ("thinking") message with its first content; it is not an edit."""
    edit_message(state, message, body, uploads)
    message["edited_timestamp"] = None
    return message


def _attachments(
    state: DoubleState,
    message: Mapping[str, Any],
    body: Mapping[str, Any],
    uploads: Sequence[Upload],
    keep: Sequence[dict],
) -> list[dict]:
    by_index = {int(m.group(1)): u for u in uploads if (m := FILE_FIELD.fullmatch(u.field))}
    if "attachments" not in body or body["attachments"] is None:
        listed = [{"id": index} for index in sorted(by_index)]
        kept = list(keep)
    else:
        listed = list(body["attachments"])
        kept = []

    existing = {attachment["id"]: attachment for attachment in keep}
    for entry in listed:
        reference = entry.get("id")
        if type(reference) is int and reference in by_index:
            upload = by_index[reference]
            kept.append(_store_file(state, message, upload, entry.get("description")))
        elif str(reference) in existing:
            kept.append(existing[str(reference)])
    return kept


def _store_file(
    state: DoubleState, message: Mapping[str, Any], upload: Upload, description: str | None
) -> dict:
    attachment_id = builders.snowflake()
    url = f"{state.base_url}/attachments/{message['channel_id']}/{attachment_id}/{upload.filename}"
    content_type = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
    state.files[attachment_id] = upload.data

    attachment = {
        "id": attachment_id,
        "filename": upload.filename,
        "size": len(upload.data),
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    }
    if description:
        attachment["description"] = description
    if message["flags"] & EPHEMERAL:
        attachment["ephemeral"] = True
    return attachment


def _numbered(components: Sequence[Any]) -> list[Any]:
    """A copy of message components with the ids Discord fills in where none (or 0) was set."""
    numbered = copy.deepcopy(list(components))
    nodes = [node for component in numbered for node in _component_tree(component)]
    taken = {node["id"] for node in nodes if node.get("id")}
    free = (n for n in itertools.count(1) if n not in taken)

    for node in nodes:
        if not node.get("id"):
            node["id"] = next(free)
    return numbered


def _component_tree(node: Any) -> list[dict]:
    if not isinstance(node, dict) or "type" not in node:
        return []
    found = [node]
    for child in [*(node.get("components") or []), node.get("accessory")]:
        found += _component_tree(child)
    return found


def _author(bot_user: Mapping[str, Any]) -> dict:
    public = ("id", "username", "discriminator", "global_name", "avatar", "bot", "public_flags")
    author = {name: bot_user[name] for name in public}
    author.update(flags=0, primary_guild=None, avatar_decoration_data=None, collectibles=None)
    return author


def _empty(name: str) -> Any:
    return "" if name == "content" else False if name == "tts" else []

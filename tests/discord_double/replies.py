"""REST routes that answer interactions: the callback, follow-ups, and edits of responses.

Follow-ups and edits use the webhook routes of the description, where the webhook id is
the application id and the webhook token is the interaction token. As on Discord, the
first follow-up after a deferred response fills the deferred ("thinking") message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.discord_double.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    InteractionResult,
    Reply,
)
from tests.discord_double.messages import LOADING, complete_loading, create_message, edit_message
from tests.discord_double.routes import Answer, ApiError, Incoming

MODAL_SUBMIT = 5
# Interaction callback types each interaction type may answer with.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9, 12},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9, 12},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
CHAT_INPUT_COMMAND_MESSAGE = 20


def interaction_callback(incoming: Incoming) -> Answer:
    """POST the callback: once per interaction, of a type that fits the interaction."""
    result = incoming.state.interactions.get(incoming.values["interaction_token"])
    if result is None or result.payload["id"] != incoming.values["interaction_id"]:
        raise ApiError(404, 10062, "Unknown interaction")
    if result.of_kind("callback"):
        raise ApiError(400, 40060, "Interaction has already been acknowledged.")

    kind = incoming.json["type"]
    if kind not in ALLOWED_CALLBACKS.get(result.type, set()):
        raise ApiError(400, 50035, f"callback type {kind} cannot answer interaction {result.type}")

    message = _apply_callback(incoming, result, kind)
    result.original = message
    result.record(Reply("callback", incoming.json, list(incoming.uploads), message))
    if incoming.query.get("with_response", "").lower() in ("true", "1"):
        return 200, _callback_response(result, kind, message)
    return 204, None


def execute_followup(incoming: Incoming) -> Answer:
    """POST a follow-up; 204 unless `wait`. The first one after a deferral fills it."""
    result = _interaction(incoming)
    original = result.original
    state, body, uploads = incoming.state, incoming.json, incoming.uploads

    if original is not None and original["flags"] & LOADING and not result.of_kind("followup"):
        message = complete_loading(state, original, body, uploads)
    else:
        message = _interaction_message(incoming, result, body, int(body.get("flags") or 0))
        result.followups.append(message)

    result.record(Reply("followup", body, list(uploads), message))
    wait = incoming.query.get("wait", "").lower() in ("true", "1")
    return (200, message) if wait else (204, None)


def get_original(incoming: Incoming) -> Answer:
    """GET the original response."""
    return 200, _original(_interaction(incoming))


def edit_original(incoming: Incoming) -> Answer:
    """PATCH the original response (also how a deferral is usually completed)."""
    result = _interaction(incoming)
    message = edit_message(incoming.state, _original(result), incoming.json, incoming.uploads)
    result.record(Reply("edit", incoming.json, list(incoming.uploads), message))
    return 200, message


def delete_original(incoming: Incoming) -> Answer:
    """DELETE the original response."""
    result = _interaction(incoming)
    message = _original(result)
    incoming.state.messages.pop(message["id"], None)
    result.original = None
    result.record(Reply("delete", None, [], message))
    return 204, None


def get_followup(incoming: Incoming) -> Answer:
    """GET a follow-up message."""
    return 200, _followup(_interaction(incoming), incoming.values["message_id"])


def edit_followup(incoming: Incoming) -> Answer:
    """PATCH a follow-up message."""
    result = _interaction(incoming)
    message = _followup(result, incoming.values["message_id"])
    edit_message(incoming.state, message, incoming.json, incoming.uploads)
    result.record(Reply("edit_followup", incoming.json, list(incoming.uploads), message))
    return 200, message


def delete_followup(incoming: Incoming) -> Answer:
    """DELETE a follow-up message."""
    result = _interaction(incoming)
    message = _followup(result, incoming.values["message_id"])
    incoming.state.messages.pop(message["id"], None)
    result.record(Reply("delete_followup", None, [], message))
    return 204, None


def _apply_callback(incoming: Incoming, result: InteractionResult, kind: int) -> dict | None:
    data = incoming.json.get("data") or {}
    flags = int(data.get("flags") or 0)
    if kind == 4:
        return _interaction_message(incoming, result, data, flags)
    if kind == 5:
        return _interaction_message(incoming, result, {}, flags | LOADING)
    if kind == 6:
        return result.source
    if kind == 7 and result.source is not None:
        return edit_message(incoming.state, result.source, data, incoming.uploads)
    return None


def _interaction_message(
    incoming: Incoming, result: InteractionResult, body: dict, flags: int
) -> dict:
    payload = result.payload
    state = incoming.state
    kind = CHAT_INPUT_COMMAND_MESSAGE if payload["type"] == APPLICATION_COMMAND else 0
    metadata = {
        "id": payload["id"],
        "type": payload["type"],
        "user": payload["member"]["user"],
        "authorizing_integration_owners": payload["authorizing_integration_owners"],
    }
    if result.source is not None:
        metadata["interacted_message_id"] = result.source["id"]

    return create_message(
        state,
        payload["channel_id"],
        body,
        incoming.uploads,
        type=kind,
        flags=flags,
        webhook_id=state.application_id,
        application_id=state.application_id,
        interaction_metadata=metadata,
    )


def _callback_response(result: InteractionResult, kind: int, message: dict | None) -> dict:
    answer: dict[str, Any] = {
        "interaction": {
            "id": result.payload["id"],
            "type": result.type,
            "response_message_id": message["id"] if message else None,
            "response_message_loading": bool(message and message["flags"] & LOADING),
            "response_message_ephemeral": bool(message and message["flags"] & 64),
        }
    }
    if message is not None and kind in (4, 7):
        answer["resource"] = {"type": kind, "message": message}
    return answer


def _interaction(incoming: Incoming) -> InteractionResult:
    state = incoming.state
    result = state.interactions.get(incoming.values["webhook_token"])
    if incoming.values["webhook_id"] != state.application_id or result is None:
        raise ApiError(404, 10015, "Unknown Webhook")
    if not result.of_kind("callback") or result.type == AUTOCOMPLETE:
        raise ApiError(404, 10015, "Unknown Webhook")
    return result


def _original(result: InteractionResult) -> dict:
    if result.original is None:
        raise ApiError(404, 10008, "Unknown Message")
    return result.original


def _followup(result: InteractionResult, message_id: str) -> dict:
    messages = [*result.followups, *([result.original] if result.original else [])]
    for message in messages:
        if message["id"] == message_id:
            return message
    raise ApiError(404, 10008, "Unknown Message")


_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"

ROUTES: dict[tuple[str, str], Callable[[Incoming], Answer]] = {
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"): interaction_callback,
    ("POST", _WEBHOOK): execute_followup,
    ("GET", _WEBHOOK + "/messages/@original"): get_original,
    ("PATCH", _WEBHOOK + "/messages/@original"): edit_original,
    ("DELETE", _WEBHOOK + "/messages/@original"): delete_original,
    ("GET", _WEBHOOK + "/messages/{message_id}"): get_followup,
    ("PATCH", _WEBHOOK + "/messages/{message_id}"): edit_followup,
    ("DELETE", _WEBHOOK + "/messages/{message_id}"): delete_followup,
}

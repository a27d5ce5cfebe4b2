"""The double's REST API under /api/v10: every request is recorded, matched to Discord's
OpenAPI description and validated before a route handler answers it.

A request that matches no path, breaks the description or hits a route the double does
not implement is answered like Discord would (404, 405, 400, 401) and recorded as a
violation. Every answer is itself checked against the documented response.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import BodyPartReader, web

from tests.discord_double import replies, routes
from tests.discord_double.records import RestCall, Upload
from tests.discord_double.routes import Answer, ApiError, Incoming
from tests.discord_double.spec import ApiSpec, Operation, RequestBody
from tests.discord_double.state import DoubleState

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
HANDLERS: dict[tuple[str, str], Callable[[Incoming], Answer]] = {
    **routes.ROUTES,
    **replies.ROUTES,
}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "50",
    "X-RateLimit-Remaining": "49",
    "X-RateLimit-Reset-After": "1.000",
    "X-RateLimit-Bucket": "hourglass-double",
}


class RestApi:
    """Answers the bot's HTTP requests from the shared state."""

    def __init__(
        self, state: DoubleState, spec: ApiSpec, dispatch: Callable[[str, Any], None]
    ) -> None:
        self.state = state
        self.spec = spec
        self.dispatch = dispatch
        self.gateway_url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """The catch-all handler of /api/v10/{path}."""
        path = "/" + request.match_info["path"]
        call = RestCall(request.method, path, dict(request.query))
        self.state.requests.append(call)

        body, unreadable = await read_body(request)
        call.json, call.uploads = body.json, list(body.uploads)
        if unreadable:
            status, answer = self._reject(call, 400, 50109, unreadable)
        else:
            status, answer = self._answer(request, call, body)

        call.status, call.answer = status, answer
        self.state.signal.notify()
        log.debug("%s %s answered %s", request.method, path, status)
        return json_response(status, answer)

    async def attachment(self, request: web.Request) -> web.Response:
        """Serves the bytes of an uploaded attachment (Discord's CDN)."""
        data = self.state.files.get(request.match_info["attachment_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def _answer(self, request: web.Request, call: RestCall, body: RequestBody) -> Answer:
        template, operation, values = self.spec.match(call.method, call.path)
        call.template = template
        if template is None:
            return self._reject(call, 404, 0, "no path of the description matches")
        if operation is None:
            return self._reject(call, 405, 0, f"{template} has no {call.method}")

        refused = self._check_token(request, operation)
        if refused:
            return self._reject(call, 401, 0, refused)

        problems = self.spec.check_request(operation, values, request.query.items(), body)
        if problems:
            return self._reject(call, 400, 50035, "Invalid Form Body: " + "; ".join(problems))

        return self._route(call, operation, values, body)

    def _route(
        self, call: RestCall, operation: Operation, values: dict[str, str], body: RequestBody
    ) -> Answer:
        handler = HANDLERS.get((call.method, operation.template))
        if handler is None:
            message = f"the double does not implement {call.method} {operation.template}"
            return self._reject(call, 404, 0, message)

        incoming = Incoming(self.state, values, call.query, body, self.dispatch, self.gateway_url)
        try:
            status, answer = handler(incoming)
        except ApiError as error:
            return self._reject(call, error.status, error.code, error.message)

        for problem in self.spec.check_response(operation, status, answer):
            self.state.violation("response", str(call), problem)
        return status, answer

    def _check_token(self, request: web.Request, operation: Operation) -> str | None:
        header = request.headers.get("Authorization")
        if header is None:
            return "this route needs a bot token" if operation.needs_bot_token else None
        if header != f"Bot {self.state.token}":
            return "the Authorization header does not carry the bot's token"
        return None

    def _reject(self, call: RestCall, status: int, code: int, message: str) -> Answer:
        self.state.violation("request", f"{call.method} {call.path}", f"{status}: {message}")
        return status, {"code": code, "message": message}


async def read_body(request: web.Request) -> tuple[RequestBody, str | None]:
    """The request body as JSON or multipart parts, or a reason it cannot be read."""
    if not request.body_exists:
        return RequestBody(None), None

    media_type = request.content_type
    if media_type == "multipart/form-data":
        return await _read_multipart(request)

    text = await request.text()
    if media_type != "application/json":
        return RequestBody(media_type, text), None
    try:
        return RequestBody(media_type, json.loads(text)), None
    except ValueError:
        return RequestBody(media_type), "the body is not valid JSON"


async def _read_multipart(request: web.Request) -> tuple[RequestBody, str | None]:
    payload: Any = None
    uploads: list[Upload] = []
    others: list[str] = []

    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            others.append("(nested multipart)")
        elif part.name == "payload_json":
            try:
                payload = json.loads(await part.text())
            except ValueError:
                return RequestBody("multipart/form-data"), "payload_json is not valid JSON"
        elif part.filename is not None:
            data = bytes(await part.read())
            kind = part.headers.get("Content-Type", "application/octet-stream")
            uploads.append(Upload(part.name, part.filename, kind, data))
        else:
            others.append(part.name)

    body = RequestBody("multipart/form-data", payload, tuple(uploads), tuple(others))
    return body, None


def json_response(status: int, answer: Any) -> web.Response:
    """An answer the way Discord sends it: `Content-Type: application/json` exactly."""
    if status == 204:
        return web.Response(status=204, headers=RATE_LIMIT_HEADERS)
    body = json.dumps(answer).encode()
    headers = {**RATE_LIMIT_HEADERS, "Content-Type": "application/json"}
    return web.Response(status=status, body=body, headers=headers)

"""The double's Gateway: Discord's websocket protocol (v10, JSON, optional zlib-stream).

One Session is what IDENTIFY creates and RESUME continues; it numbers every dispatch
and keeps them, so a RESUME after a lost connection replays what the bot missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.discord_double.state import GUILD_MESSAGES, GUILD_VOICE_STATES, GUILDS, DoubleState

log = logging.getLogger(__name__)

DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
PRESENCE_UPDATE = 3
VOICE_STATE_UPDATE = 4
RESUME = 6
RECONNECT = 7
REQUEST_GUILD_MEMBERS = 8
INVALID_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11
EVENT_INTENTS = {
    "GUILD_CREATE": GUILDS,
    "VOICE_STATE_UPDATE": GUILD_VOICE_STATES,
    "MESSAGE_CREATE": GUILD_MESSAGES,
}


class Connection:
    """One websocket; frames leave in order through a single writer task."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: bool) -> None:
        self.ws = ws
        self.path = request.path
        self.session: Session | None = None
        self.closed = False
        self._transport = request.transport
        self._compressor = zlib.compressobj() if compress else None
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write())

    def send(self, frame: dict) -> None:
        """Queues a frame for the bot."""
        if not self.closed:
            self._queue.put_nowait(frame)

    def close(self, code: int, reason: str) -> None:
        """Closes the websocket with a close code, after the frames already queued."""
        if not self.closed:
            self._queue.put_nowait((code, reason))

    async def flush(self) -> None:
        """Returns once every queued frame was written (or the connection died)."""
        await self._queue.join()

    def abort(self) -> None:
        """Cuts the TCP connection without a close frame, like a network failure."""
        self.closed = True
        if self._transport is not None:
            self._transport.abort()
        self._writer.cancel()
        self._discard_queue()

    async def stop(self) -> None:
        """Stops the writer task."""
        self.closed = True
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        self._discard_queue()

    async def _write(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                await self._write_one(item)
            except ConnectionError:
                self.closed = True
            finally:
                self._queue.task_done()
            if self.closed:
                self._discard_queue()

    async def _write_one(self, item: Any) -> None:
        if isinstance(item, tuple):
            self.closed = True
            await self.ws.close(code=item[0], message=item[1].encode())
            return

        text = json.dumps(item, separators=(",", ":"))
        if self._compressor is None:
            await self.ws.send_str(text)
            return
        chunk = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        await self.ws.send_bytes(chunk)

    def _discard_queue(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()


@dataclass
class Session:
    """A Gateway session: its intents, its sequence numbers and every dispatch sent."""

    id: str
    intents: int
    sequence: int = 0
    history: list[dict] = field(default_factory=list)
    connection: Connection | None = None

    def frame(self, event: str, data: Any) -> dict | None:
        """Numbers and keeps a dispatch, or None when the session's intents exclude it."""
        needed = EVENT_INTENTS.get(event, 0)
        if needed and not self.intents & needed:
            return None
        self.sequence += 1
        frame = {"op": DISPATCH, "t": event, "s": self.sequence, "d": copy.deepcopy(data)}
        self.history.append(frame)
        return frame


@dataclass(frozen=True)
class Resumption:
    """A successful RESUME: from which sequence number, on which path, what was replayed."""

    session_id: str
    from_sequence: int
    path: str
    replayed: tuple[str, ...]


class Gateway:
    """Accepts the bot's websocket connections and plays Discord's side of the protocol."""

    def __init__(self, state: DoubleState, heartbeat_interval_ms: int) -> None:
        self.state = state
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, Session] = {}
        self.session: Session | None = None
        self.connections: set[Connection] = set()
        self.received: list[dict] = []
        self.urls: list[str] = []
        self.resumptions: list[Resumption] = []
        self.identify_count = 0
        self.heartbeat_count = 0
        self.resume_url = ""

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """The websocket endpoint (both the gateway URL and the resume URL)."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.urls.append(str(request.rel_url))
        compress = request.query.get("compress") == "zlib-stream"
        connection = Connection(ws, request, compress)
        self.connections.add(connection)

        self._check_url(connection, request)
        connection.send(self._hello())
        try:
            async for message in ws:
                self._receive(connection, message)
        finally:
            self._forget(connection, ws.close_code)
            await connection.stop()
        return ws

    def dispatch(self, event: str, data: Any) -> None:
        """Sends an event on the current session; kept for replay if no bot is connected."""
        session = self.session
        frame = session.frame(event, data) if session else None
        if frame is not None and session is not None and session.connection is not None:
            session.connection.send(frame)

    def live_connection(self) -> Connection | None:
        """The connection of the current session, if any."""
        return self.session.connection if self.session else None

    def send_op(self, op: int, data: Any) -> None:
        """Sends a non-dispatch opcode on the live connection."""
        connection = self.live_connection()
        if connection is None:
            raise RuntimeError("no bot is connected to the gateway")
        connection.send({"op": op, "d": data, "s": None, "t": None})

    def invalidate(self, resumable: bool) -> None:
        """Sends INVALID_SESSION; a non-resumable session is forgotten at once."""
        self.send_op(INVALID_SESSION, resumable)
        if not resumable and self.session is not None:
            self.sessions.pop(self.session.id, None)
            self.session = None

    def drop(self) -> None:
        """Cuts the live connection abruptly; the session stays resumable."""
        connection = self.live_connection()
        if connection is None:
            raise RuntimeError("no bot is connected to the gateway")
        connection.abort()
        self._detach(connection)

    async def close_all(self) -> None:
        """Closes every websocket (Discord going away), for shutdown."""
        for connection in list(self.connections):
            connection.closed = True
            with contextlib.suppress(ConnectionError, RuntimeError):
                await asyncio.wait_for(connection.ws.close(code=1001), 2)
            await connection.stop()

    def _hello(self) -> dict:
        interval = self.heartbeat_interval_ms
        return {"op": HELLO, "d": {"heartbeat_interval": interval}, "s": None, "t": None}

    def _check_url(self, connection: Connection, request: web.Request) -> None:
        query = request.query
        if query.get("v") != "10" or query.get("encoding", "json") != "json":
            self._fail(connection, 4012, f"gateway URL asks for {request.query_string!r}")
        if query.get("compress") not in (None, "zlib-stream"):
            self._fail(connection, 4002, f"unsupported compress={query['compress']}")

    def _receive(self, connection: Connection, message: Any) -> None:
        if message.type is not WSMsgType.TEXT:
            if message.type is WSMsgType.BINARY:
                self._fail(connection, 4002, "binary frames (ETF) are not supported")
            return
        try:
            payload = json.loads(message.data)
            op, data = payload["op"], payload.get("d")
        except (ValueError, KeyError, TypeError):
            self._fail(connection, 4002, f"undecodable payload {message.data[:200]!r}")
            return

        self.received.append(payload)
        self._handle(connection, op, data)
        self.state.signal.notify()

    def _handle(self, connection: Connection, op: int, data: Any) -> None:
        if op == HEARTBEAT:
            self._heartbeat(connection, data)
        elif op == IDENTIFY:
            self._identify(connection, data)
        elif op == RESUME:
            self._resume(connection, data)
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE, REQUEST_GUILD_MEMBERS):
            if connection.session is None:
                self._fail(connection, 4003, f"op {op} before IDENTIFY")
            elif op == REQUEST_GUILD_MEMBERS:
                self._send_members(connection, data)
        else:
            self._fail(connection, 4001, f"unknown opcode {op}")

    def _heartbeat(self, connection: Connection, data: Any) -> None:
        self.heartbeat_count += 1
        session = connection.session
        if isinstance(data, int) and session is not None and data > session.sequence:
            self._violation(f"heartbeat with sequence {data}, only {session.sequence} sent")
        connection.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})

    def _identify(self, connection: Connection, data: Any) -> None:
        if connection.session is not None:
            self._fail(connection, 4005, "IDENTIFY on an identified connection")
        elif not isinstance(data, dict) or data.get("token") != self.state.token:
            self._fail(connection, 4004, "IDENTIFY with a wrong or missing token")
        elif not isinstance(data.get("intents"), int) or isinstance(data["intents"], bool):
            self._fail(connection, 4013, "IDENTIFY without integer intents")
        elif not {"os", "browser", "device"} <= set(data.get("properties") or {}):
            self._fail(connection, 4002, "IDENTIFY without properties os, browser, device")
        elif data.get("shard", [0, 1]) not in ([0, 1], (0, 1)):
            self._fail(connection, 4010, f"shard {data['shard']} of a one-shard bot")
        else:
            self._start_session(connection, data)

    def _start_session(self, connection: Connection, data: dict) -> None:
        session = Session(secrets.token_hex(16), data["intents"])
        self.sessions[session.id] = session
        self.session = session
        self._attach(connection, session)
        self.identify_count += 1
        log.debug("gateway session %s identified", session.id)

        self.dispatch("READY", self._ready(session, data))
        for guild in self.state.guilds.values():
            self.dispatch("GUILD_CREATE", guild)

    def _ready(self, session: Session, data: dict) -> dict:
        ready = {
            "v": 10,
            "user": self.state.bot_user,
            "guilds": [{"id": gid, "unavailable": True} for gid in self.state.guilds],
            "session_id": session.id,
            "resume_gateway_url": self.resume_url,
            "application": {
                "id": self.state.application_id,
                "flags": self.state.application["flags"],
            },
            "private_channels": [],
            "_trace": ["hourglass-discord-double"],
        }
        if "shard" in data:
            ready["shard"] = list(data["shard"])
        return ready

    def _resume(self, connection: Connection, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        session = self.sessions.get(str(data.get("session_id")))
        sequence = data.get("seq")
        if connection.session is not None:
            self._fail(connection, 4005, "RESUME on an identified connection")
        elif data.get("token") != self.state.token:
            self._fail(connection, 4004, "RESUME with a wrong or missing token")
        elif session is None or not isinstance(sequence, int) or sequence > session.sequence:
            connection.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
        else:
            self._continue_session(connection, session, sequence)

    def _continue_session(self, connection: Connection, session: Session, sequence: int) -> None:
        previous = session.connection
        if previous is not None and previous is not connection:
            previous.abort()
        self.session = session
        self._attach(connection, session)

        missed = [frame for frame in session.history if frame["s"] > sequence]
        for frame in missed:
            connection.send(frame)
        self.dispatch("RESUMED", {"_trace": ["hourglass-discord-double"]})

        replayed = tuple(frame["t"] for frame in missed)
        self.resumptions.append(Resumption(session.id, sequence, connection.path, replayed))
        log.debug("gateway session %s resumed, %s events replayed", session.id, len(missed))

    def _send_members(self, connection: Connection, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        guild = self.state.guilds.get(str(data.get("guild_id")))
        if guild is None:
            self._violation(f"REQUEST_GUILD_MEMBERS for unknown guild {data.get('guild_id')}")
            return

        members = _matching_members(guild["members"], data)
        chunk = {"guild_id": guild["id"], "members": members, "chunk_index": 0, "chunk_count": 1}
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def _attach(self, connection: Connection, session: Session) -> None:
        connection.session = session
        session.connection = connection

    def _detach(self, connection: Connection) -> None:
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
        self.state.signal.notify()

    def _forget(self, connection: Connection, close_code: int | None) -> None:
        self.connections.discard(connection)
        self._detach(connection)
        session = connection.session
        if session is not None and close_code in (1000, 1001) and not connection.closed:
            # A client closing with 1000 or 1001 ends its session for good.
            self.sessions.pop(session.id, None)
            if self.session is session:
                self.session = None

    def _fail(self, connection: Connection, code: int, message: str) -> None:
        self._violation(message)
        connection.close(code, message[:120])

    def _violation(self, message: str) -> None:
        self.state.violation("gateway", "websocket", message)


def _matching_members(members: list[dict], request: dict) -> list[dict]:
    wanted = request.get("user_ids")
    if wanted is not None:
        ids = {str(i) for i in (wanted if isinstance(wanted, list) else [wanted])}
        return [m for m in members if m["user"]["id"] in ids]

    query = str(request.get("query") or "").lower()
    found = [m for m in members if m["user"]["username"].lower().startswith(query)]
    limit = int(request.get("limit") or 0)
    return found[:limit] if limit else found

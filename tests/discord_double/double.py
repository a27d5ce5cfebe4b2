"""DiscordDouble: a loopback stand-in for Discord's Gateway and REST API v10, for tests.

    async with DiscordDouble(guilds=[guild(members=[member(name="ada")])]) as double:
        async with running(bot, double):
            result = await double.invoke("ping")
            assert (await result.callback()).content == "pong"

Leaving the `async with` fails the test if the bot broke the protocol (see `violations`).
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from tests.discord_double import interactions
from tests.discord_double.builders import voice_state
from tests.discord_double.gateway import HEARTBEAT, RECONNECT, Gateway, Resumption
from tests.discord_double.interactions import InteractionResult, base_interaction, command_data
from tests.discord_double.records import RestCall, Violation
from tests.discord_double.rest import API_PREFIX, RestApi
from tests.discord_double.spec import load_spec
from tests.discord_double.state import DoubleState, new_state

DEFAULT_TOKEN = "hourglass-test-token.not-a-secret"
COMPONENT_BUTTON, COMPONENT_STRING_SELECT = 2, 3


class DiscordDouble:
    """Serves the Gateway and REST API on 127.0.0.1 at a free port, for one test."""

    def __init__(
        self,
        guilds: Iterable[Mapping[str, Any]] = (),
        *,
        token: str = DEFAULT_TOKEN,
        application_id: str | None = None,
        bot_name: str = "hourglass",
        heartbeat_interval_ms: int = 41_250,
        check_on_exit: bool = True,
    ) -> None:
        self.state: DoubleState = new_state(token, guilds, application_id, bot_name)
        self.gateway = Gateway(self.state, heartbeat_interval_ms)
        self.check_on_exit = check_on_exit
        self._rest: RestApi | None = None
        self._runner: web.AppRunner | None = None
        self._gateway_url = ""

    async def __aenter__(self) -> DiscordDouble:
        await self.start()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        await self.stop()
        if kind is None and self.check_on_exit:
            self.assert_no_violations()

    async def start(self) -> None:
        """Loads the OpenAPI description and starts listening."""
        self._rest = RestApi(self.state, load_spec(), self.gateway.dispatch)
        app = web.Application()
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{path:.*}", self._rest.handle)
        app.router.add_get("/attachments/{channel}/{attachment_id}/{name}", self._rest.attachment)

        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()

        self.state.base_url = f"http://127.0.0.1:{port}"
        self._rest.gateway_url = self._gateway_url = f"ws://127.0.0.1:{port}/gateway"
        self.gateway.resume_url = f"ws://127.0.0.1:{port}/resume"

    async def stop(self) -> None:
        """Closes the websockets and the listening socket."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def rest_url(self) -> str:
        """The REST base, like https://discord.com/api/v10."""
        return self.state.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The URL GET /gateway/bot hands out; the resume URL is another path."""
        return self._gateway_url

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def application_id(self) -> str:
        return self.state.application_id

    @property
    def bot_user_id(self) -> str:
        return str(self.state.bot_user["id"])

    @property
    def requests(self) -> list[RestCall]:
        """Every REST request so far, oldest first."""
        return self.state.requests

    @property
    def violations(self) -> list[Violation]:
        """Everything the bot did that Discord would refuse (and the double's own slips)."""
        return self.state.violations

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return len(self.gateway.resumptions)

    @property
    def resumptions(self) -> list[Resumption]:
        return self.gateway.resumptions

    @property
    def heartbeat_count(self) -> int:
        return self.gateway.heartbeat_count

    def assert_no_violations(self) -> None:
        """Fails listing every violation, if there is any."""
        if self.violations:
            listing = "\n".join(f"  {violation}" for violation in self.violations)
            raise AssertionError(f"the bot broke Discord's API:\n{listing}")

    def requests_to(self, method: str, template: str) -> list[RestCall]:
        """The REST requests that matched one path template of the description."""
        return [r for r in self.requests if r.method == method and r.template == template]

    def commands(self, guild_id: str | None = None) -> list[dict]:
        """The application commands registered globally, or for one guild."""
        return self.state.commands.get(guild_id, [])

    def messages_in(self, channel_id: str) -> list[dict]:
        """Messages the bot created in a channel (channel messages and interaction replies)."""
        return [m for m in self.state.messages.values() if m["channel_id"] == str(channel_id)]

    def attachment_bytes(self, attachment: Mapping[str, Any]) -> bytes:
        """The uploaded bytes behind an attachment object of a message."""
        return self.state.files[attachment["id"]]

    async def wait_until(
        self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Waits until condition() holds, re-checking whenever the double records something."""
        await self.state.signal.wait_until(condition, timeout, lambda: f"{what} never held")

    async def wait_ready(self, timeout: float = 10.0) -> None:
        """Waits until a bot has identified and READY and every GUILD_CREATE were written."""
        await self.wait_until(self._connected, timeout, "a bot connected and identified")
        await self._flush()

    async def voice_state_update(
        self,
        guild_id: str,
        user_id: str,
        channel_id: str | None,
        *,
        self_mute: bool = False,
        self_deaf: bool = False,
        self_video: bool = False,
        self_stream: bool = False,
        mute: bool = False,
        deaf: bool = False,
    ) -> dict:
        """Moves a member into a voice channel (None: out of voice) and tells the bot.

        Returns the VOICE_STATE_UPDATE payload sent (or kept for replay if the bot is away).
        """
        guild = self.state.guilds[str(guild_id)]
        member = self.state.find_member(guild["id"], str(user_id))
        if member is None:
            raise ValueError(f"user {user_id} is not a member of guild {guild_id}")

        state = voice_state(
            user_id,
            channel_id,
            self_mute=self_mute,
            self_deaf=self_deaf,
            self_video=self_video,
            self_stream=self_stream,
            mute=mute,
            deaf=deaf,
        )
        others = [v for v in guild["voice_states"] if v["user_id"] != str(user_id)]
        guild["voice_states"] = others + ([state] if channel_id is not None else [])

        event = {**state, "guild_id": guild["id"], "member": copy.deepcopy(member)}
        self.gateway.dispatch("VOICE_STATE_UPDATE", event)
        await self._flush()
        return event

    async def dispatch(self, event: str, data: Any) -> None:
        """Sends any gateway event (for events the double has no helper for)."""
        self.gateway.dispatch(event, data)
        await self._flush()

    async def invoke(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        guild_id: str | None = None,
        channel_id: str | None = None,
        user_id: str | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Runs a slash command as a member would; waits for the bot to register it first.

        options maps option names to values; subcommand is `sub` or `group sub`.
        Defaults: the only guild, its first text channel, its first human member.
        """
        guild_id, channel_id, user_id = self._where(guild_id, channel_id, user_id)
        command = await self._registered(name, guild_id, timeout)

        payload = base_interaction(
            self.state, interactions.APPLICATION_COMMAND, guild_id, channel_id, user_id, locale
        )
        payload["data"] = command_data(self.state, command, guild_id, options or {}, subcommand)
        return await self._send_interaction(payload)

    async def autocomplete(
        self,
        name: str,
        focused: str,
        options: Mapping[str, Any],
        *,
        subcommand: str | None = None,
        guild_id: str | None = None,
        channel_id: str | None = None,
        user_id: str | None = None,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Asks for autocomplete choices while a member types option `focused`."""
        guild_id, channel_id, user_id = self._where(guild_id, channel_id, user_id)
        command = await self._registered(name, guild_id, timeout)

        payload = base_interaction(
            self.state, interactions.AUTOCOMPLETE, guild_id, channel_id, user_id, "en-US"
        )
        payload["data"] = command_data(
            self.state, command, guild_id, options, subcommand, focused=focused
        )
        return await self._send_interaction(payload)

    async def click(
        self,
        custom_id: str,
        *,
        message: Mapping[str, Any] | None = None,
        user_id: str | None = None,
    ) -> InteractionResult:
        """Presses a button; message defaults to the newest message that has it."""
        return await self._use_component(custom_id, COMPONENT_BUTTON, None, message, user_id)

    async def select(
        self,
        custom_id: str,
        values: list[str],
        *,
        message: Mapping[str, Any] | None = None,
        user_id: str | None = None,
    ) -> InteractionResult:
        """Picks values in a string select menu."""
        return await self._use_component(
            custom_id, COMPONENT_STRING_SELECT, values, message, user_id
        )

    def drop_connection(self) -> None:
        """Cuts the bot's websocket abruptly (no close frame); its session stays resumable."""
        self.gateway.drop()

    def request_reconnect(self) -> None:
        """Sends op 7 RECONNECT: the bot should reconnect and RESUME."""
        self.gateway.send_op(RECONNECT, None)

    def invalidate_session(self, resumable: bool) -> None:
        """Sends op 9 INVALID_SESSION; when not resumable the bot must IDENTIFY again."""
        self.gateway.invalidate(resumable)

    def request_heartbeat(self) -> None:
        """Sends op 1 HEARTBEAT: the bot should heartbeat at once."""
        self.gateway.send_op(HEARTBEAT, None)

    def _connected(self) -> bool:
        connection = self.gateway.live_connection()
        return connection is not None and not connection.closed

    async def _flush(self) -> None:
        connection = self.gateway.live_connection()
        if connection is not None:
            await connection.flush()

    def _where(
        self, guild_id: str | None, channel_id: str | None, user_id: str | None
    ) -> tuple[str, str, str]:
        if guild_id is None:
            if len(self.state.guilds) != 1:
                raise ValueError("name the guild: the double has more than one")
            guild_id = next(iter(self.state.guilds))
        guild = self.state.guilds[str(guild_id)]

        if channel_id is None:
            channel_id = next((c["id"] for c in guild["channels"] if c["type"] == 0), None)
        if user_id is None:
            humans = (m["user"]["id"] for m in guild["members"] if not m["user"]["bot"])
            user_id = next(humans, None)
        if channel_id is None or user_id is None:
            raise ValueError("name the channel and user: the guild has no text channel or human")
        return str(guild_id), str(channel_id), str(user_id)

    async def _registered(self, name: str, guild_id: str, timeout: float) -> dict:
        await self.wait_until(
            lambda: self.state.registered_command(name, guild_id) is not None,
            timeout,
            f"the bot registering /{name}",
        )
        return self.state.registered_command(name, guild_id) or {}

    async def _use_component(
        self,
        custom_id: str,
        component_type: int,
        values: list[str] | None,
        message: Mapping[str, Any] | None,
        user_id: str | None,
    ) -> InteractionResult:
        source = self._message_with(custom_id, message)
        found = self.state.find_channel(source["channel_id"])
        if found is None:
            raise ValueError(f"message {source['id']} is not in a guild channel")
        guild_id, channel_id, user_id = self._where(found[0]["id"], found[1]["id"], user_id)

        payload = base_interaction(
            self.state, interactions.MESSAGE_COMPONENT, guild_id, channel_id, user_id, "en-US"
        )
        payload["message"] = copy.deepcopy(source)
        payload["data"] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            payload["data"]["values"] = list(values)
        return await self._send_interaction(payload, source)

    def _message_with(self, custom_id: str, message: Mapping[str, Any] | None) -> dict:
        if message is not None:
            return self.state.messages[str(message["id"])]
        for candidate in reversed(list(self.state.messages.values())):
            if custom_id in _custom_ids(candidate["components"]):
                return candidate
        raise ValueError(f"no message the bot sent has a component {custom_id!r}")

    async def _send_interaction(
        self, payload: dict, source: dict | None = None
    ) -> InteractionResult:
        if self.gateway.session is None:
            raise RuntimeError("no bot has identified to the gateway yet")

        result = InteractionResult(payload, self.state.signal, source)
        self.state.interactions[payload["token"]] = result
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        await self._flush()
        return result


def _custom_ids(components: Iterable[Any]) -> set[str]:
    found = set()
    for component in components:
        if isinstance(component, dict):
            if "custom_id" in component:
                found.add(component["custom_id"])
            found |= _custom_ids(component.get("components") or [])
            found |= _custom_ids([component.get("accessory")])
    return found

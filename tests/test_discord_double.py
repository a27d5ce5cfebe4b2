"""The Discord double, proved with a real, unmodified disnake client.

Each test starts a double on 127.0.0.1, runs a small InteractionBot against it and checks
what both sides saw. Leaving a double fails the test if any REST request broke Discord's
OpenAPI description or the bot broke the Gateway protocol.
"""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import disnake
import pytest
from disnake.ext import commands
from disnake.http import HTTPClient, Route

from tests.discord_double import (
    SPEC_PATH,
    DiscordDouble,
    SpecMissingError,
    disnake_pointed_at,
    guild,
    member,
    running,
    text_channel,
    voice_channel,
    voice_state,
)
from tests.discord_double.spec import load_spec

SPEC = Path(__file__).resolve().parents[1] / ".." / "shared" / "discord-api-spec" / "openapi.json"
SCENARIO_TIMEOUT = 30.0
EVENT_TIMEOUT = 5.0


def _tiny_png() -> bytes:
    """A valid 1x1 PNG, so the attachment is a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xaa\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = _tiny_png()


@dataclass
class StudyHall:
    """A guild with a text channel, a voice channel, two learners (one in voice) and a bot."""

    payload: dict
    general: dict
    focus: dict
    ada: dict
    grace: dict

    @property
    def id(self) -> str:
        return self.payload["id"]


def study_hall() -> StudyHall:
    general, focus = text_channel(name="general"), voice_channel(name="Focus Room")
    ada, grace = member(name="ada"), member(name="grace")
    helper = member(name="metronome", bot=True)
    payload = guild(
        name="Study Hall",
        channels=[general, focus],
        members=[ada, grace, helper],
        voice_states=[voice_state(ada["user"]["id"], focus["id"], self_mute=True)],
    )
    return StudyHall(payload, general, focus, ada["user"], grace["user"])


class TimerView(disnake.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @disnake.ui.button(label="Start", custom_id="timer:start", style=disnake.ButtonStyle.primary)
    async def start(self, button: disnake.ui.Button, inter: disnake.MessageInteraction) -> None:
        await inter.response.edit_message(
            content=f"Timer started by {inter.author.name}", view=None
        )


class StudyBot(commands.InteractionBot):
    """The bot under test: six commands and a voice listener that queues what it sees."""

    def __init__(self, hall: StudyHall) -> None:
        intents = disnake.Intents.default()
        intents.members = True
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.voice_events: asyncio.Queue[tuple[int, int | None, int | None, bool]] = asyncio.Queue()
        self._add_commands(int(hall.id))

    async def on_voice_state_update(
        self, who: disnake.Member, before: disnake.VoiceState, after: disnake.VoiceState
    ) -> None:
        channel_ids = [state.channel.id if state.channel else None for state in (before, after)]
        await self.voice_events.put((who.id, *channel_ids, after.self_mute))

    async def next_voice_event(self) -> tuple[int, int | None, int | None, bool]:
        return await asyncio.wait_for(self.voice_events.get(), EVENT_TIMEOUT)

    def _add_commands(self, guild_id: int) -> None:
        @self.slash_command(description="Checks that the bot answers")
        async def ping(inter: disnake.ApplicationCommandInteraction) -> None:
            await inter.response.send_message("pong")

        @self.slash_command(description="Your study time as a chart")
        async def report(inter: disnake.ApplicationCommandInteraction, days: int = 7) -> None:
            await inter.response.defer()
            chart = disnake.File(io.BytesIO(PNG), filename="chart.png")
            await inter.followup.send(f"Your last {days} days", file=chart)

        @self.slash_command(description="Your study streak")
        async def streak(inter: disnake.ApplicationCommandInteraction) -> None:
            await inter.response.send_message("Counting...")
            badge = disnake.File(io.BytesIO(PNG), filename="streak.png")
            await inter.edit_original_response(content="12 days in a row", file=badge)

        @self.slash_command(description="Invite someone to study with you")
        async def invite(
            inter: disnake.ApplicationCommandInteraction,
            who: disnake.Member,
            room: disnake.VoiceChannel,
        ) -> None:
            await inter.response.send_message(
                f"{who.name}, join {inter.author.name} in {room.name}"
            )

        @self.slash_command(description="A focus timer", guild_ids=[guild_id])
        async def timer(inter: disnake.ApplicationCommandInteraction) -> None:
            await inter.response.send_message("Ready when you are", view=TimerView())

        @self.slash_command(description="Subjects you study")
        async def subject(inter: disnake.ApplicationCommandInteraction) -> None:
            pass

        @subject.sub_command(description="Pick the subject you study now")
        async def pick(inter: disnake.ApplicationCommandInteraction, name: str) -> None:
            await inter.response.send_message(f"Studying {name}", ephemeral=True)

        @pick.autocomplete("name")
        async def subjects(inter: disnake.ApplicationCommandInteraction, typed: str) -> list[str]:
            return [s for s in ("maths", "music", "history") if s.startswith(typed)]


def run(scenario: Coroutine[Any, Any, None]) -> None:
    """Runs one test scenario in a fresh event loop, bounded in time."""
    asyncio.run(asyncio.wait_for(scenario, SCENARIO_TIMEOUT))


def test_the_spec_is_found_beside_the_repository_and_a_missing_one_is_explained(tmp_path):
    assert SPEC.is_file(), f"tests need {SPEC.resolve()}"
    assert SPEC_PATH.resolve() == SPEC.resolve()

    with pytest.raises(SpecMissingError, match="missing: expected"):
        load_spec(tmp_path / "openapi.json")


def test_the_bot_identifies_and_its_cache_holds_the_guild_members_and_voice_states():
    hall = study_hall()

    async def scenario() -> None:
        async with (
            DiscordDouble([hall.payload], heartbeat_interval_ms=100) as double,
            running(StudyBot(hall), double) as bot,
        ):
            await double.wait_until(lambda: double.heartbeat_count >= 3, what="3 heartbeats")

            cached = bot.get_guild(int(hall.id))
            assert cached is not None and cached.name == "Study Hall"
            names = sorted(m.name for m in cached.members)
            assert names == ["ada", "grace", "hourglass", "metronome"]
            assert cached.get_member(int(hall.ada["id"])).voice.channel.id == int(hall.focus["id"])
            assert cached.get_member(int(hall.ada["id"])).voice.self_mute is True
            assert {c.name for c in cached.channels} == {"general", "Focus Room"}

            assert double.identify_count == 1 and double.resume_count == 0
            assert bot.user.id == int(double.bot_user_id)
            assert bot.latency < 1.0
            assert "compress=zlib-stream" in double.gateway.urls[0]

    run(scenario())


def test_the_bot_syncs_its_commands_with_schema_valid_bulk_overwrites():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            await double.wait_until(lambda: len(double.commands()) == 5, what="global commands")
            await double.wait_until(lambda: len(double.commands(hall.id)) == 1, what="timer")

            global_put = "/applications/{application_id}/commands"
            guild_put = "/applications/{application_id}/guilds/{guild_id}/commands"
            assert len(double.requests_to("PUT", global_put)) == 1
            assert len(double.requests_to("PUT", guild_put)) == 1
            names = {c["name"] for c in double.commands()}
            assert names == {"ping", "report", "streak", "subject", "invite"}
            assert all(c["id"].isdigit() for c in double.commands())

    run(scenario())


def test_a_slash_command_is_answered_with_its_text():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            result = await double.invoke("ping", user_id=hall.grace["id"])

            reply = await result.callback()
            assert reply.callback_type == 4
            assert reply.content == "pong"
            assert double.messages_in(hall.general["id"]) == [reply.message]

    run(scenario())
    assert Route.BASE == "https://discord.com/api/v10", "disnake points at Discord again"


def test_member_and_channel_options_arrive_resolved():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            options = {"who": hall.grace["id"], "room": hall.focus["id"]}
            result = await double.invoke("invite", options, user_id=hall.ada["id"])

            reply = await result.callback()
            assert reply.content == "grace, join ada in Focus Room"
            assert set(result.payload["data"]["resolved"]) == {"users", "members", "channels"}

    run(scenario())


def test_a_deferred_command_follows_up_with_a_png_attachment():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            result = await double.invoke("report", {"days": 30})

            assert (await result.callback()).callback_type == 5
            followup = await result.followup()
            assert followup.content == "Your last 30 days"
            assert followup.files == {"chart.png": PNG}

            # The first follow-up fills the deferred message rather than adding one.
            assert followup.message is result.original
            attachment = followup.message["attachments"][0]
            assert attachment["content_type"] == "image/png"
            async with aiohttp.ClientSession() as browser, browser.get(attachment["url"]) as got:
                assert await got.read() == PNG

    run(scenario())


def test_an_answer_edited_to_carry_a_file_keeps_its_message_id():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            result = await double.invoke("streak")

            first = await result.callback()
            assert first.content == "Counting..."
            edit = await result.edit()
            assert edit.files == {"streak.png": PNG}
            assert edit.message["id"] == first.message["id"]
            assert edit.message["content"] == "12 days in a row"
            assert edit.message["edited_timestamp"] is not None
            assert [a["filename"] for a in edit.message["attachments"]] == ["streak.png"]

    run(scenario())


def test_a_button_click_reaches_the_view_which_updates_its_message():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            command = await double.invoke("timer")
            shown = (await command.callback()).message
            assert shown["components"][0]["components"][0]["custom_id"] == "timer:start"

            click = await double.click("timer:start", user_id=hall.ada["id"])
            reply = await click.callback()
            assert reply.callback_type == 7
            assert shown["content"] == "Timer started by ada"
            assert shown["components"] == []

    run(scenario())


def test_autocomplete_offers_choices_and_the_subcommand_gets_the_pick():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            typing = await double.autocomplete("subject", "name", {"name": "m"}, subcommand="pick")
            offered = await typing.callback()
            assert offered.callback_type == 8
            assert [c["name"] for c in offered.choices] == ["maths", "music"]

            chosen = await double.invoke("subject", {"name": "maths"}, subcommand="pick")
            reply = await chosen.callback()
            assert reply.content == "Studying maths"
            assert reply.message["flags"] & 64, "the answer is ephemeral"

    run(scenario())


def test_voice_state_updates_reach_the_listener_and_the_cache():
    hall = study_hall()
    grace, focus = int(hall.grace["id"]), int(hall.focus["id"])

    async def scenario() -> None:
        async with (
            DiscordDouble([hall.payload]) as double,
            running(StudyBot(hall), double) as bot,
        ):
            await double.voice_state_update(hall.id, hall.grace["id"], hall.focus["id"])
            assert await bot.next_voice_event() == (grace, None, focus, False)

            await double.voice_state_update(hall.id, hall.grace["id"], None)
            assert await bot.next_voice_event() == (grace, focus, None, False)
            assert bot.get_guild(int(hall.id)).get_member(grace).voice is None

    run(scenario())


def test_a_dropped_connection_is_resumed_and_missed_events_are_replayed():
    hall = study_hall()
    ada, focus = int(hall.ada["id"]), int(hall.focus["id"])

    async def scenario() -> None:
        async with (
            DiscordDouble([hall.payload]) as double,
            running(StudyBot(hall), double) as bot,
        ):
            await double.wait_ready()
            double.drop_connection()
            await double.voice_state_update(hall.id, hall.ada["id"], None)

            await double.wait_until(lambda: double.resume_count == 1, what="a RESUME")
            assert await bot.next_voice_event() == (ada, focus, None, False)
            assert double.identify_count == 1
            assert double.resumptions[0].replayed == ("VOICE_STATE_UPDATE",)
            assert double.resumptions[0].path == "/resume"

            reply = await (await double.invoke("ping")).callback()
            assert reply.content == "pong"
            assert bot.ws.sequence == double.gateway.session.sequence

    run(scenario())


def test_a_reconnect_request_is_followed_by_a_resume():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            await double.wait_ready()
            double.request_reconnect()

            await double.wait_until(lambda: double.resume_count == 1, what="a RESUME")
            assert double.identify_count == 1
            assert double.resumptions[0].replayed == ()

    run(scenario())


def test_an_invalid_session_makes_the_bot_identify_again_unless_resumable():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, running(StudyBot(hall), double):
            await double.wait_ready()
            double.invalidate_session(resumable=True)
            await double.wait_until(lambda: double.resume_count == 1, what="a RESUME")

            # disnake waits 5 seconds before any IDENTIFY but its first.
            double.invalidate_session(resumable=False)
            await double.wait_until(lambda: double.identify_count == 2, 15, "a new IDENTIFY")
            await double.wait_ready()
            assert double.resume_count == 1

            reply = await (await double.invoke("ping")).callback()
            assert reply.content == "pong"

    run(scenario())


def test_a_request_that_breaks_the_description_is_refused_and_recorded():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, aiohttp.ClientSession() as http:
            auth = {"Authorization": f"Bot {double.token}"}
            url = f"{double.rest_url}/channels/{hall.general['id']}/messages"

            async with http.post(url, json={"content": 5}, headers=auth) as refused:
                assert refused.status == 400
                assert refused.headers["Content-Type"] == "application/json"
                assert "content" in (await refused.json())["message"]
            async with http.get(f"{double.rest_url}/no/such/route", headers=auth) as missing:
                assert missing.status == 404
            async with http.post(url, json={"content": "hi"}) as anonymous:
                assert anonymous.status == 401

            kinds = [(v.kind, v.where.split()[0]) for v in double.violations]
            assert kinds == [("request", "POST"), ("request", "GET"), ("request", "POST")]
            assert "content: 5 is not of type" in str(double.violations[0])
            double.violations.clear()

    run(scenario())


def test_disnake_gets_an_http_error_for_a_refused_request_and_it_is_recorded():
    hall = study_hall()
    channel_id = int(hall.general["id"])

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double:
            with disnake_pointed_at(double):
                http = HTTPClient(loop=asyncio.get_running_loop())
                try:
                    await http.static_login(double.token)
                    sent = await http.send_message(channel_id, "Session saved")
                    with pytest.raises(disnake.HTTPException) as refused:
                        await http.send_message(channel_id, "x" * 4001)
                finally:
                    await http.close()

            assert sent["content"] == "Session saved" and sent["author"]["bot"] is True
            assert refused.value.status == 400 and refused.value.code == 50035
            assert [v.where for v in double.violations] == [f"POST /channels/{channel_id}/messages"]
            assert "is too long" in double.violations[0].message
            double.violations.clear()

    run(scenario())


def test_only_integer_ids_that_name_an_uploaded_file_are_tolerated():
    hall = study_hall()

    async def post(double: DiscordDouble, http: aiohttp.ClientSession, index: int) -> int:
        form = aiohttp.FormData()
        form.add_field("files[0]", PNG, filename="chart.png")
        payload = f'{{"content": "chart", "attachments": [{{"id": {index}}}]}}'
        form.add_field("payload_json", payload)
        url = f"{double.rest_url}/channels/{hall.general['id']}/messages"
        headers = {"Authorization": f"Bot {double.token}"}
        async with http.post(url, data=form, headers=headers) as answer:
            return answer.status

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, aiohttp.ClientSession() as http:
            assert await post(double, http, 0) == 200
            assert double.violations == []
            sent = double.messages_in(hall.general["id"])[0]
            assert double.attachment_bytes(sent["attachments"][0]) == PNG

            assert await post(double, http, 1) == 400
            assert "attachments/0/id" in str(double.violations)
            double.violations.clear()

    run(scenario())


def test_a_wrong_token_on_the_gateway_is_closed_with_4004_and_recorded():
    hall = study_hall()

    async def scenario() -> None:
        async with DiscordDouble([hall.payload]) as double, aiohttp.ClientSession() as http:
            async with http.ws_connect(double.gateway_url + "?v=10&encoding=json") as ws:
                hello = await ws.receive_json()
                assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
                properties = {"os": "linux", "browser": "test", "device": "test"}
                identify = {"token": "wrong", "intents": 1, "properties": properties}
                await ws.send_json({"op": 2, "d": identify})
                closing = await ws.receive()
                assert closing.type is aiohttp.WSMsgType.CLOSE
                assert closing.data == 4004

            assert [v.kind for v in double.violations] == ["gateway"]
            double.violations.clear()

    run(scenario())

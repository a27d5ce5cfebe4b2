"""Slash commands end to end: what members see, what is stored, what is refused."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from hourglass.store import guilds, voice
from hourglass.store.records import Member, VoiceSession
from tests.e2e.harness import EPHEMERAL, answer, moved, run_with_bot, text_of


def scenario_with_bot(pg_db, tmp_path, body, hall=None):
    run_with_bot(pg_db, tmp_path, body, hall=hall)


def test_stats_reply_is_private_and_shows_todays_time(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await moved(bot, double, hall, hall.ada, hall.focus)
        clock.advance(minutes=45)
        await moved(bot, double, hall, hall.ada, None)
        await bot.writer.flush()

        reply = await answer(await double.invoke("stats", user_id=hall.ada))

        assert reply["flags"] & EPHEMERAL
        assert "Today" in text_of(reply) and "45m of 120m goal" in text_of(reply)

    scenario_with_bot(pg_db, tmp_path, body)


def test_a_task_title_cannot_ping_anyone_and_finishing_it_twice_pays_once(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        added = await answer(
            await double.invoke(
                "task",
                {"title": "@everyone finish **essay** ✍️"},
                subcommand="add",
                user_id=hall.ada,
            )
        )
        custom_id = added["components"][0]["components"][0]["custom_id"]

        first = await answer(await double.click(custom_id, user_id=hall.ada))
        second = await answer(await double.click(custom_id, user_id=hall.ada))
        points = await bot.pool.fetchval("SELECT sum(delta) FROM hourglass.point_events")

        assert added["allowed_mentions"]["parse"] == []
        assert "@\u200beveryone" in added["content"] and "\\*\\*essay\\*\\*" in added["content"]
        assert "+10 points" in first["content"]
        assert "already done" in second["content"]
        assert points == 10

    scenario_with_bot(pg_db, tmp_path, body)


def test_members_cannot_touch_each_others_tasks(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        added = await answer(
            await double.invoke(
                "task", {"title": "read chapter 3"}, subcommand="add", user_id=hall.ada
            )
        )
        task_id = int(added["content"].split("`#")[1].split("`")[0])

        stolen = await answer(
            await double.invoke("task", {"task_id": task_id}, subcommand="done", user_id=hall.ben)
        )
        listing = await answer(await double.invoke("task", {}, subcommand="list", user_id=hall.ben))

        assert f"You have no task #{task_id}" in stolen["content"]
        assert stolen["flags"] & EPHEMERAL
        assert "read chapter 3" not in text_of(listing)

    scenario_with_bot(pg_db, tmp_path, body)


def test_task_search_ranks_title_matches_first(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        for title, description in (
            ("Groceries", "buy algebra snacks"),
            ("Algebra homework", "exercises 1-10"),
            ("Write essay", "history"),
        ):
            await answer(
                await double.invoke(
                    "task",
                    {"title": title, "description": description},
                    subcommand="add",
                    user_id=hall.ada,
                )
            )

        found = text_of(
            await answer(
                await double.invoke(
                    "task", {"query": "algebra"}, subcommand="search", user_id=hall.ada
                )
            )
        )

        assert found.index("Algebra homework") < found.index("Groceries")
        assert "Write essay" not in found

    scenario_with_bot(pg_db, tmp_path, body)


def test_bad_options_get_a_clear_private_message(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        blank = await answer(
            await double.invoke(
                "task", {"title": "   \u200b\x07 "}, subcommand="add", user_id=hall.ada
            )
        )
        far = await answer(
            await double.invoke(
                "task", {"title": "x", "due": "2399-01-01"}, subcommand="add", user_id=hall.ada
            )
        )
        garbage = await answer(
            await double.invoke(
                "task", {"title": "x", "due": "tomorrow"}, subcommand="add", user_id=hall.ada
            )
        )
        zone = await answer(
            await double.invoke(
                "timezone", {"zone": "Mars/Olympus"}, subcommand="set", user_id=hall.ada
            )
        )

        for reply in (far, garbage, zone):
            assert reply["flags"] & EPHEMERAL
        assert "more than five years away" in far["content"]
        assert "is not a date" in garbage["content"]
        assert "not a time zone I know" in zone["content"]
        assert "cannot be empty" in blank["content"] or "Added" in blank["content"]

    scenario_with_bot(pg_db, tmp_path, body)


def test_time_zone_autocomplete_offers_matching_iana_names(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        result = await double.autocomplete(
            "timezone", "zone", {"zone": "kathm"}, subcommand="set", user_id=hall.ada
        )
        choices = (await result.callback()).choices

        assert [c["value"] for c in choices] == ["Asia/Kathmandu"]

    scenario_with_bot(pg_db, tmp_path, body)


def test_administrator_commands_refuse_members_on_the_bots_side(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        refused = await answer(
            await double.invoke(
                "config",
                {"daily_goal": 90, "daily_minimum": 20},
                subcommand="goals",
                user_id=hall.ada,
            )
        )
        accepted = await answer(
            await double.invoke(
                "config",
                {"daily_goal": 90, "daily_minimum": 20},
                subcommand="goals",
                user_id=hall.owner,
            )
        )
        goal = await bot.pool.fetchval("SELECT daily_goal_minutes FROM hourglass.guilds")

        assert "Manage Server" in refused["content"] and refused["flags"] & EPHEMERAL
        assert "Saved" in accepted["content"]
        assert goal == 90

    scenario_with_bot(pg_db, tmp_path, body)


def test_the_leaderboard_pages_with_buttons_and_shows_the_callers_rank(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await _seed_rivals(bot, int(hall.id), count=24, around=clock.now)
        await moved(bot, double, hall, hall.ada, hall.focus)
        clock.advance(minutes=3)
        await moved(bot, double, hall, hall.ada, None)
        await bot.writer.flush()

        first = await answer(
            await double.invoke("leaderboard", {"period": "day"}, user_id=hall.ada)
        )
        next_id = first["components"][0]["components"][1]["custom_id"]
        second = await answer(await double.click(next_id, user_id=hall.ada))

        assert "**1.** rival-23" in text_of(first) and "Page 1 of 3" in text_of(first)
        assert "You are #25 with 3m" in text_of(first)
        assert "**11.** rival-13" in text_of(second) and "Page 2 of 3" in text_of(second)

    scenario_with_bot(pg_db, tmp_path, body)


def test_privacy_export_sends_files_and_forget_removes_everything_rollups_included(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await moved(bot, double, hall, hall.ada, hall.focus)
        clock.advance(minutes=30)
        await moved(bot, double, hall, hall.ada, None)
        await answer(
            await double.invoke(
                "task", {"title": "secret plan"}, subcommand="add", user_id=hall.ada
            )
        )

        export = await answer(
            await double.invoke("privacy", {}, subcommand="export", user_id=hall.ada)
        )
        data = json.loads(export["_files"]["hourglass-data.json"])

        asking = await double.invoke("privacy", {}, subcommand="forget", user_id=hall.ada)
        question = await answer(asking)
        yes = question["components"][0]["components"][0]["custom_id"]
        await (await double.click(yes, user_id=hall.ada)).callback()
        await double.wait_until(lambda: asking.of_kind("edit"), 10, "the forget confirmation")

        left = await bot.pool.fetchrow(
            "SELECT (SELECT count(*) FROM hourglass.voice_sessions) AS sessions,"
            " (SELECT count(*) FROM hourglass.voice_seconds_15m) AS rollup,"
            " (SELECT count(*) FROM hourglass.voice_seconds_1d) AS daily,"
            " (SELECT count(*) FROM hourglass.tasks) AS tasks,"
            " (SELECT count(*) FROM hourglass.point_events) AS points,"
            " (SELECT count(*) FROM hourglass.user_actions WHERE member_id = $1) AS actions",
            int(hall.ada),
        )

        assert export["flags"] & EPHEMERAL
        assert len(data["voice_sessions"]) == 1 and data["tasks"][0]["title"] == "secret plan"
        assert "voice-sessions.csv" in export["_files"]
        assert dict(left) == {
            "sessions": 0,
            "rollup": 0,
            "daily": 0,
            "tasks": 0,
            "points": 0,
            "actions": 0,
        }

    scenario_with_bot(pg_db, tmp_path, body)


def test_history_lists_the_members_own_actions(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await answer(
            await double.invoke("task", {"title": "one"}, subcommand="add", user_id=hall.ada)
        )
        await answer(await double.invoke("streak", user_id=hall.ben))
        await bot.writer.flush()

        mine = text_of(await answer(await double.invoke("history", user_id=hall.ada)))

        assert "task.added" in mine and "command.task add" in mine
        assert "command.streak" not in mine

    scenario_with_bot(pg_db, tmp_path, body)


async def _seed_rivals(bot, guild_id: int, count: int, around) -> None:
    members = [Member(guild_id, 10_000 + i, f"rival-{i:02d}") for i in range(count)]
    await guilds.upsert_members(bot.pool, members)
    start = around - timedelta(hours=3)
    sessions = [
        VoiceSession(
            uuid.uuid4(), guild_id, m.member_id, 1, start, start + timedelta(minutes=10 + i)
        )
        for i, m in enumerate(members)
    ]
    async with bot.pool.acquire() as conn:
        await voice.write_sessions(conn, sessions)


def test_guildstats_without_a_chart_renderer_answers_in_text_and_says_why(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        reply = await answer(await double.invoke("guildstats", user_id=hall.ada))

        assert "charts are not configured" in reply["content"]
        assert reply["flags"] & EPHEMERAL

    scenario_with_bot(pg_db, tmp_path, body)

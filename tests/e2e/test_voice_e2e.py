"""Voice tracking end to end: Discord double -> real disnake client -> Hourglass -> database."""

from __future__ import annotations

import asyncio

from tests.discord_double import DiscordDouble
from tests.e2e.harness import Clock, hourglass, moved, rows, run_with_bot, study_hall, until

TIMEOUT = 60


def run(scenario) -> None:
    asyncio.run(asyncio.wait_for(scenario, TIMEOUT))


async def _seconds_by_member(bot) -> dict[int, int]:
    found = await rows(
        bot,
        "SELECT member_id, sum(seconds)::int AS s FROM hourglass.voice_activity GROUP BY member_id",
    )
    return {r["member_id"]: r["s"] for r in found}


def test_join_move_mute_stream_and_leave_make_one_session_with_exact_time(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await moved(bot, double, hall, hall.ada, hall.focus)
        clock.advance(minutes=20)
        await moved(bot, double, hall, hall.ada, hall.quiet)
        clock.advance(minutes=10)
        await moved(bot, double, hall, hall.ada, hall.quiet, self_mute=True, self_stream=True)
        clock.advance(minutes=15)
        await moved(bot, double, hall, hall.ada, None)
        return (
            await rows(bot, "SELECT * FROM hourglass.voice_sessions"),
            await rows(bot, "SELECT delta, reason FROM hourglass.point_events"),
            await rows(
                bot, "SELECT action FROM hourglass.user_actions ORDER BY occurred_at, action"
            ),
            await _seconds_by_member(bot),
            int(hall.ada),
        )

    sessions, points, actions, seconds, ada = run_with_bot(pg_db, tmp_path, body)

    assert len(sessions) == 1
    session = sessions[0]
    assert (session["ended_at"] - session["started_at"]).total_seconds() == 45 * 60
    assert (session["stream_seconds"], session["self_mute_seconds"]) == (900, 900)
    assert seconds == {ada: 45 * 60}
    assert points == [{"delta": 45, "reason": "voice"}]
    assert [a["action"] for a in actions] == ["voice.join", "voice.move", "voice.leave"]


def test_a_bot_joining_voice_earns_nothing_and_is_no_company(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await bot.pool.execute("UPDATE hourglass.guilds SET count_alone = false")
        await bot.get_cog("Voice").reconfigure(int(hall.id))
        await moved(bot, double, hall, hall.robot, hall.focus)
        await moved(bot, double, hall, hall.ada, hall.focus)
        clock.advance(minutes=30)
        await moved(bot, double, hall, hall.ada, None)
        await moved(bot, double, hall, hall.robot, None)
        sessions = await rows(bot, "SELECT member_id FROM hourglass.voice_sessions")
        return [s["member_id"] for s in sessions], await _seconds_by_member(bot), int(hall.ada)

    sessions, seconds, ada = run_with_bot(pg_db, tmp_path, body)

    assert sessions == [ada]
    assert seconds == {}


def test_two_members_joining_at_the_same_instant_each_get_their_time(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await asyncio.gather(
            double.voice_state_update(hall.id, hall.ada, hall.focus),
            double.voice_state_update(hall.id, hall.ben, hall.focus),
        )
        tracker = bot.get_cog("Voice").trackers[int(hall.id)]
        await until(lambda: len(tracker.presences) == 2, "two sessions")
        clock.advance(minutes=25)
        await moved(bot, double, hall, hall.ada, None)
        await moved(bot, double, hall, hall.ben, None)
        return await _seconds_by_member(bot), int(hall.ada), int(hall.ben)

    seconds, ada, ben = run_with_bot(pg_db, tmp_path, body)

    assert seconds == {ada: 1500, ben: 1500}


def test_a_dropped_gateway_resumes_and_the_missed_leave_closes_the_session_once(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await moved(bot, double, hall, hall.ada, hall.focus)
        clock.advance(minutes=12)
        double.drop_connection()
        await double.voice_state_update(hall.id, hall.ada, None)  # missed, then replayed
        await double.wait_until(lambda: double.resume_count == 1, 15, "a RESUME")
        tracker = bot.get_cog("Voice").trackers[int(hall.id)]
        await until(lambda: not tracker.presences, "the replayed leave")
        sessions = await rows(bot, "SELECT * FROM hourglass.voice_sessions")
        return double.identify_count, sessions, await _seconds_by_member(bot), int(hall.ada)

    identifies, sessions, seconds, ada = run_with_bot(pg_db, tmp_path, body)

    assert identifies == 1
    assert len(sessions) == 1
    assert seconds == {ada: 12 * 60}


def test_members_already_in_voice_at_start_get_sessions_and_a_restart_continues_them(
    pg_db, tmp_path
):
    hall, clock = study_hall(in_voice=[]), Clock()

    async def scenario():
        async with DiscordDouble([hall.payload]) as double:
            async with hourglass(pg_db, tmp_path / "spool", hall, clock, double) as bot:
                await moved(bot, double, hall, hall.ada, hall.focus)
                await moved(bot, double, hall, hall.ben, hall.focus)
                clock.advance(minutes=5)
                bot.submit(bot.get_cog("Voice").checkpoint_all())
                await bot.writer.flush()
                # Ben leaves while the bot is away; Ada stays.
            await double.voice_state_update(hall.id, hall.ben, None)
            clock.advance(minutes=3)
            async with hourglass(pg_db, tmp_path / "spool", hall, clock, double) as bot:
                tracker = bot.get_cog("Voice").trackers[int(hall.id)]
                assert set(tracker.presences) == {int(hall.ada)}
                clock.advance(minutes=2)
                await moved(bot, double, hall, hall.ada, None)

                sessions = await rows(
                    bot,
                    "SELECT member_id, started_at, ended_at, close_reason"
                    " FROM hourglass.voice_sessions ORDER BY member_id",
                )
                seconds = await _seconds_by_member(bot)

        by_member = {s["member_id"]: s for s in sessions}
        assert len(sessions) == 2
        assert by_member[int(hall.ada)]["close_reason"] == "left"
        assert seconds[int(hall.ada)] == 10 * 60
        # The bot closed its session at shutdown (a clean stop checkpoints first); a crash
        # is covered by the subprocess test.
        assert seconds[int(hall.ben)] == 5 * 60

    run(scenario())


def test_malformed_and_unknown_gateway_events_are_skipped_without_harm(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        await double.dispatch("HOURGLASS_FROM_THE_FUTURE", {"x": 1})
        await double.dispatch("VOICE_STATE_UPDATE", {"guild_id": hall.id, "oops": True})
        await double.dispatch("VOICE_STATE_UPDATE", {"guild_id": "not-a-number"})
        await moved(bot, double, hall, hall.ada, hall.focus)
        clock.advance(minutes=5)
        await moved(bot, double, hall, hall.ada, None)
        connections = (double.identify_count, double.resume_count)
        return await _seconds_by_member(bot), connections, int(hall.ada)

    seconds, connections, ada = run_with_bot(pg_db, tmp_path, body)

    assert seconds == {ada: 300}
    assert connections == (1, 0)  # skipped in place: no reconnect was needed


def test_reaching_the_daily_minimum_pays_a_streak_bonus_once_a_day(pg_db, tmp_path):
    async def body(bot, double, hall, clock):
        voice = bot.get_cog("Voice")
        await moved(bot, double, hall, hall.ada, hall.focus)
        clock.advance(minutes=20)
        bot.submit(voice.checkpoint_all())
        await bot.writer.flush()
        await voice._award_streaks()  # 20 minutes: below the 30-minute minimum
        before = await rows(bot, "SELECT reason FROM hourglass.point_events")
        clock.advance(minutes=15)
        bot.submit(voice.checkpoint_all())
        await bot.writer.flush()
        await voice._award_streaks()
        await voice._award_streaks()
        return before, await rows(bot, "SELECT delta, reason FROM hourglass.point_events")

    before, after = run_with_bot(pg_db, tmp_path, body)

    assert before == []
    assert after == [{"delta": 5, "reason": "streak"}]

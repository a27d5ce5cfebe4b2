"""Voice tracking rules, from voice-state changes to sessions, pieces and points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.tracking import RESUME_GRACE, GuildTracker, VoiceState
from hourglass.store.batch import Checkpoint, CloseSession, OpenSession
from hourglass.store.records import GuildConfig, PointEvent, VoicePiece

T0 = datetime(2026, 9, 1, 18, 0, tzinfo=UTC)
STUDY, LOUNGE, QUIET, AFK = 101, 102, 103, 199
ANA, BEN, ROBOT = 1, 2, 9


def tracker(**settings) -> GuildTracker:
    config = GuildConfig(guild_id=5, untracked_channel_ids=(LOUNGE,), **settings)
    return GuildTracker(5, config, afk_channel_id=AFK)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def of(ops, kind):
    return [op for op in ops if isinstance(op, kind)]


def counted(ops) -> int:
    return sum(int((p.ended_at - p.started_at).total_seconds()) for p in of(ops, VoicePiece))


def test_joining_and_leaving_a_tracked_channel_makes_one_session_with_its_time_and_points():
    t = tracker()
    ops = t.update(ANA, VoiceState(STUDY), at(0))
    ops += t.update(ANA, VoiceState(None), at(30))

    assert len(of(ops, OpenSession)) == 1
    (close,) = of(ops, CloseSession)
    assert (close.session.started_at, close.session.ended_at) == (at(0), at(30))
    assert counted(ops) == 30 * 60
    assert [(e.delta, e.idempotency_key) for e in of(ops, PointEvent)] == [
        (30, f"voice:{close.session.session_id}")
    ]


def test_moving_between_tracked_channels_keeps_one_continuous_session():
    t = tracker()
    ops = t.update(ANA, VoiceState(STUDY), at(0))
    ops += t.update(ANA, VoiceState(QUIET), at(20))
    ops += t.update(ANA, VoiceState(None), at(50))

    assert len(of(ops, OpenSession)) == len(of(ops, CloseSession)) == 1
    assert counted(ops) == 50 * 60
    assert {p.channel_id for p in of(ops, VoicePiece)} == {STUDY, QUIET}


def test_moving_to_an_untracked_or_afk_channel_closes_the_session():
    for channel in (LOUNGE, AFK):
        t = tracker()
        ops = t.update(ANA, VoiceState(STUDY), at(0))
        ops += t.update(ANA, VoiceState(channel), at(10))
        ops += t.update(ANA, VoiceState(None), at(40))

        (close,) = of(ops, CloseSession)
        assert close.session.close_reason == "untracked"
        assert counted(ops) == 10 * 60


def test_a_tracked_list_limits_tracking_to_those_channels():
    t = tracker(tracked_channel_ids=(QUIET,))

    assert t.update(ANA, VoiceState(STUDY), at(0)) == []
    assert len(of(t.update(ANA, VoiceState(QUIET), at(1)), OpenSession)) == 1


def test_bots_never_earn_time():
    t = tracker()
    ops = t.update(ROBOT, VoiceState(STUDY, is_bot=True), at(0))
    ops += t.update(ROBOT, VoiceState(None, is_bot=True), at(60))

    assert ops == []


def test_opted_out_members_are_not_tracked():
    t = tracker()
    t.opted_out.add(ANA)

    assert t.update(ANA, VoiceState(STUDY), at(0)) == []


def test_deafened_time_counts_only_where_the_guild_allows_it():
    for allowed, expected in ((False, 20 * 60), (True, 30 * 60)):
        t = tracker(count_deafened=allowed)
        ops = t.update(ANA, VoiceState(STUDY), at(0))
        ops += t.update(ANA, VoiceState(STUDY, self_deaf=True), at(10))
        ops += t.update(ANA, VoiceState(STUDY), at(20))
        ops += t.update(ANA, VoiceState(None), at(30))

        assert counted(ops) == expected
        assert of(ops, CloseSession)[0].session.self_deaf_seconds == 10 * 60


def test_time_alone_counts_only_where_the_guild_allows_it_and_bots_are_no_company():
    t = tracker(count_alone=False)
    ops = t.update(ANA, VoiceState(STUDY), at(0))
    ops += t.update(ROBOT, VoiceState(STUDY, is_bot=True), at(5))
    ops += t.update(BEN, VoiceState(STUDY), at(10))
    ops += t.update(BEN, VoiceState(None), at(25))
    ops += t.update(ANA, VoiceState(None), at(40))

    by_member = {}
    for piece in of(ops, VoicePiece):
        seconds = int((piece.ended_at - piece.started_at).total_seconds())
        by_member[piece.member_id] = by_member.get(piece.member_id, 0) + seconds
    assert by_member == {ANA: 15 * 60, BEN: 15 * 60}


def test_camera_stream_and_mute_time_are_recorded_separately():
    t = tracker()
    ops = t.update(ANA, VoiceState(STUDY, camera=True), at(0))
    ops += t.update(ANA, VoiceState(STUDY, stream=True, self_mute=True), at(10))
    ops += t.update(ANA, VoiceState(None), at(25))

    session = of(ops, CloseSession)[0].session
    assert (session.camera_seconds, session.stream_seconds, session.self_mute_seconds) == (
        600,
        900,
        900,
    )


def test_two_members_joining_at_the_same_instant_get_two_sessions():
    t = tracker()
    ops = t.update(ANA, VoiceState(STUDY), at(0)) + t.update(BEN, VoiceState(STUDY), at(0))

    assert {o.member_id for o in of(ops, OpenSession)} == {ANA, BEN}
    assert len({o.session_id for o in of(ops, OpenSession)}) == 2


def test_a_checkpoint_writes_time_so_far_with_a_checkpoint_at_its_end():
    t = tracker()
    t.update(ANA, VoiceState(STUDY), at(0))
    ops = t.checkpoint(at(1.5))

    assert counted(ops) == 90
    assert [c.checkpoint_at for c in of(ops, Checkpoint)] == [at(1.5)]
    assert of(ops, Checkpoint)[0].counted_seconds == 90


def test_after_a_restart_a_member_still_in_voice_continues_from_the_checkpoint():
    before = tracker()
    before.update(ANA, VoiceState(STUDY), at(0))
    before.checkpoint(at(10))
    stored = before.stored_rows()

    after = tracker()
    ops = after.reconcile(stored, {ANA: VoiceState(STUDY)}, at(12))
    ops += after.update(ANA, VoiceState(None), at(20))

    assert of(ops, OpenSession) == []
    (close,) = of(ops, CloseSession)
    assert close.session.session_id == stored[0].session_id
    assert close.session.ended_at == at(20)
    assert counted(ops) == 10 * 60
    assert of(ops, PointEvent)[0].delta == 20


def test_after_a_restart_a_member_who_left_is_closed_at_their_own_checkpoint():
    before = tracker()
    before.update(ANA, VoiceState(STUDY), at(0))
    before.update(BEN, VoiceState(STUDY), at(3))
    before.checkpoint(at(10))
    stored = before.stored_rows()

    after = tracker()
    ops = after.reconcile(stored, {BEN: VoiceState(STUDY)}, at(14))

    (close,) = of(ops, CloseSession)
    assert close.session.member_id == ANA
    assert close.session.ended_at == at(10)
    assert close.session.close_reason == "recovered"
    assert counted(ops) == 0


def test_after_a_long_outage_a_session_closes_at_its_checkpoint_and_a_new_one_opens():
    before = tracker()
    before.update(ANA, VoiceState(STUDY), at(0))
    before.checkpoint(at(10))

    after = tracker()
    later = at(10) + RESUME_GRACE + timedelta(minutes=1)
    ops = after.reconcile(before.stored_rows(), {ANA: VoiceState(STUDY)}, later)

    assert [c.session.ended_at for c in of(ops, CloseSession)] == [at(10)]
    assert [o.started_at for o in of(ops, OpenSession)] == [later]


def test_members_already_in_voice_when_the_bot_starts_get_new_sessions():
    t = tracker()
    ops = t.reconcile([], {ANA: VoiceState(STUDY), ROBOT: VoiceState(STUDY, is_bot=True)}, at(0))

    assert [o.member_id for o in of(ops, OpenSession)] == [ANA]


def test_untracking_a_channel_closes_the_sessions_in_it():
    t = tracker()
    t.update(ANA, VoiceState(QUIET), at(0))
    ops = t.reconfigure(GuildConfig(5, untracked_channel_ids=(QUIET,)), set(), at(5))

    assert [c.session.close_reason for c in of(ops, CloseSession)] == ["untracked"]
    assert counted(ops) == 5 * 60

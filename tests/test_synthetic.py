"""The synthetic community: deterministic, and shaped like a real study server."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta

from hourglass import synthetic

SPEC = synthetic.CommunitySpec(members=200, days=56, end=date(2026, 6, 1), seed=3)


def _sessions():
    return list(synthetic.sessions(SPEC))


def test_the_same_seed_gives_the_same_community_and_another_seed_does_not():
    again = list(synthetic.sessions(SPEC))
    other = list(
        synthetic.sessions(
            synthetic.CommunitySpec(members=200, days=56, end=date(2026, 6, 1), seed=4)
        )
    )

    assert again == _sessions()
    assert other != again


def test_sessions_stay_inside_the_period_and_never_overlap_for_one_member():
    by_member: dict[int, list] = {}
    for s in _sessions():
        assert SPEC.start_at <= s.started_at < s.ended_at <= SPEC.end_at
        assert s.started_at.microsecond == 0
        by_member.setdefault(s.member_id, []).append(s)

    for sessions in by_member.values():
        ordered = sorted(sessions, key=lambda s: s.started_at)
        assert all(a.ended_at <= b.started_at for a, b in itertools.pairwise(ordered))


def test_weekdays_see_more_study_than_saturdays():
    per_weekday = Counter(s.started_at.weekday() for s in _sessions())

    assert per_weekday[0] > 1.3 * per_weekday[5]


def test_members_study_mostly_in_their_local_afternoon_and_evening():
    zones = {m.member_id: m.time_zone or SPEC.guild_time_zone for m in synthetic.members(SPEC)}
    from zoneinfo import ZoneInfo

    hours = Counter(s.started_at.astimezone(ZoneInfo(zones[s.member_id])).hour for s in _sessions())
    evening = sum(hours[h] for h in range(13, 24))

    assert evening > 0.6 * sum(hours.values())
    assert hours[4] < hours[20] / 5


def test_some_members_join_late_and_some_drift_away():
    first_day = Counter()
    last_day = {}
    for s in _sessions():
        first_day.setdefault(s.member_id, s.started_at.date())
        last_day[s.member_id] = s.started_at.date()

    late = [m for m, d in first_day.items() if d > SPEC.end - timedelta(days=SPEC.days - 14)]
    gone = [m for m, d in last_day.items() if d < SPEC.end - timedelta(days=21)]
    assert len(late) >= 10
    assert len(gone) >= 5


def test_time_zones_include_the_quarter_hour_and_half_hour_offsets():
    zones = {m.time_zone for m in synthetic.members(SPEC)}

    assert {"Asia/Kathmandu", "Asia/Kolkata"} <= zones


def test_a_session_earns_a_point_per_whole_minute_with_a_stable_key():
    session = _sessions()[0]
    event = synthetic.points_for(session)

    minutes = int((session.ended_at - session.started_at).total_seconds() // 60)
    assert event.delta == minutes
    assert event.idempotency_key == f"voice:{session.session_id}"

"""Every chart draws, with its units and time zone, and bad input gets a clear answer."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from PIL import Image

from analytics import data, reports, study
from analytics.charts import theme
from analytics.dashboard import guild_figures, member_figures
from analytics.data import Warehouse
from analytics.errors import AnalyticsError
from hourglass.store.records import Guild, Member
from tests.analytics.conftest import LAST_DAY, SPEC, session, write_community
from tests.analytics.test_study import seconds_per_local_day

GUILD = 7001
KATHMANDU = 70011
BERLIN = 70012
SOLO = 7002


def _card_colour() -> tuple[int, int, int]:
    return tuple(int(theme.CARD[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_every_chart_of_the_demo_guild_renders_to_a_png_of_its_size(warehouse, renderer):
    figures, _ = guild_figures(warehouse, SPEC.guild_id, LAST_DAY)
    figures.update(member_figures(warehouse, SPEC.guild_id, SPEC.guild_id + 1003, LAST_DAY))

    for name, fig in figures.items():
        png = renderer.render_png(fig, width=900)
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG", name
        assert image.size == (900, fig.layout.height or theme.HEIGHT), name
        assert image.convert("RGB").getpixel((3, 3)) == _card_colour(), name
        assert not theme.is_empty(fig), name


def test_axes_carry_units_and_the_time_zone(warehouse):
    trend = reports.member_trend(warehouse, SPEC.guild_id, SPEC.guild_id + 1003, LAST_DAY)
    heat = reports.guild_heatmap(warehouse, SPEC.guild_id, None, LAST_DAY)
    zone = data.member_profile(warehouse, SPEC.guild_id, SPEC.guild_id + 1003).zone.name

    assert trend.layout.xaxis.title.text == f"Day ({zone})"
    assert trend.layout.yaxis.title.text == "Minutes per day"
    assert heat.layout.xaxis.title.text == f"Hour of day ({SPEC.guild_time_zone})"


def test_the_trend_chart_plots_the_daily_minutes_and_the_goal(warehouse):
    fig = reports.member_trend(warehouse, SPEC.guild_id, SPEC.guild_id + 1003, LAST_DAY, days=14)

    bars, average = fig.data[0], fig.data[1]
    assert len(bars.x) == 14 and bars.x[-1] == LAST_DAY
    assert fig.layout.shapes[0].y0 == 120
    assert max(bars.y) > 0 and len(average.y) == 14


def test_a_member_with_no_data_gets_the_empty_state(warehouse, renderer):
    fig = reports.member_heatmap(warehouse, SPEC.guild_id, 123, None, LAST_DAY, days=7)

    assert theme.is_empty(fig)
    assert fig.layout.meta["message"] == "No study time yet this week"
    assert Image.open(io.BytesIO(renderer.render_png(fig))).size == (theme.WIDTH, theme.HEIGHT)


def test_an_empty_range_says_so_for_every_guild_chart(warehouse):
    long_ago = date(2020, 1, 31)

    figures = [
        reports.leaderboard(warehouse, SPEC.guild_id, long_ago),
        reports.activity(warehouse, SPEC.guild_id, long_ago, days=30),
        reports.session_lengths(warehouse, SPEC.guild_id, long_ago),
        reports.retention(warehouse, SPEC.guild_id, long_ago),
        reports.guild_heatmap(warehouse, SPEC.guild_id, None, long_ago, days=1),
    ]

    assert all(theme.is_empty(fig) for fig in figures)
    assert figures[4].layout.meta["message"] == "No study time yet today"
    assert "No sessions yet" in figures[2].layout.meta["message"]


def test_a_period_of_no_days_is_refused(warehouse):
    with pytest.raises(AnalyticsError, match="at least one day"):
        reports.activity(warehouse, SPEC.guild_id, LAST_DAY, days=0)


@pytest.fixture(scope="module")
def edge_guild(community_url):
    """A Berlin guild: a Kathmandu member (+05:45) and a Berlin member across the DST change."""
    sessions = [
        # 23:30 to 00:30 in Kathmandu: 30 minutes on each local day.
        session(GUILD, KATHMANDU, datetime(2026, 3, 10, 17, 45, tzinfo=UTC), 60),
        # 01:30 CET to 03:30 CEST on 29 March: 2 hours of wall clock are 1 hour of time.
        session(GUILD, BERLIN, datetime(2026, 3, 29, 0, 30, tzinfo=UTC), 60),
        # 23:00 to 01:00 CEST on 31 March / 1 April.
        session(GUILD, BERLIN, datetime(2026, 3, 31, 21, tzinfo=UTC), 120),
    ]
    write_community(
        community_url,
        Guild(GUILD, "Edge cases", "Europe/Berlin"),
        [Member(GUILD, KATHMANDU, "Nima", "Asia/Kathmandu"), Member(GUILD, BERLIN, "Lena")],
        sessions,
    )
    return sessions


def test_a_plus_five_forty_five_member_has_exact_local_days(community_url, edge_guild):
    with Warehouse(community_url) as wh:
        fig = reports.member_trend(wh, GUILD, KATHMANDU, date(2026, 3, 12), days=3)

    minutes = dict(zip(fig.data[0].x, fig.data[0].y, strict=True))
    assert minutes == {date(2026, 3, 10): 30.0, date(2026, 3, 11): 30.0, date(2026, 3, 12): 0.0}


def test_a_range_across_the_dst_change_keeps_every_second(community_url, edge_guild):
    with Warehouse(community_url) as wh:
        lo, hi = datetime(2026, 3, 26, tzinfo=UTC), datetime(2026, 4, 4, tzinfo=UTC)
        slots = data.member_slots(wh, GUILD, BERLIN, lo, hi)
        cells = study.week_heatmap(
            slots, data.member_profile(wh, GUILD, BERLIN).zone, date(2026, 3, 27), date(2026, 4, 2)
        )
        trend = reports.member_trend(wh, GUILD, BERLIN, date(2026, 4, 2), days=7)

    by_hour = {(w, h): m for w, h, m in cells.rows() if m}
    assert by_hour == {(6, 1): 30.0, (6, 3): 30.0, (1, 23): 60.0, (2, 0): 60.0}
    expected = seconds_per_local_day(data_frame(edge_guild[1:]), data.Zone("Europe/Berlin"))
    assert {
        d: m * 60 for d, m in zip(trend.data[0].x, trend.data[0].y, strict=True) if m
    } == expected


def data_frame(sessions) -> pl.DataFrame:
    return pl.DataFrame(
        {"started_at": [s.started_at for s in sessions], "ended_at": [s.ended_at for s in sessions]}
    )


def test_a_guild_of_one_member_draws_every_chart(community_url, renderer):
    start = datetime(2026, 1, 5, 18, tzinfo=UTC)
    write_community(
        community_url,
        Guild(SOLO, "Solo", "Asia/Kathmandu"),
        [Member(SOLO, 1, "Only")],
        [session(SOLO, 1, start + timedelta(days=d), 50) for d in range(0, 30, 2)],
    )

    with Warehouse(community_url) as wh:
        figures, _ = guild_figures(wh, SOLO, date(2026, 2, 3))
        figures.update(member_figures(wh, SOLO, 1, date(2026, 2, 3)))
        board = reports.leaderboard(wh, SOLO, date(2026, 2, 3), days=30)

    assert list(board.data[0].y) == ["1. Only"]
    assert board.data[0].x[0] == pytest.approx(15 * 50 / 60)
    for name in ("leaderboard", "activity", "retention", "member_trend", "streak_calendar"):
        assert not theme.is_empty(figures[name]), name
        assert renderer.render_png(figures[name])[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_year_of_data_draws_the_activity_chart(community_url, renderer):
    guild, first = 7003, datetime(2025, 1, 1, 19, tzinfo=UTC)
    members = [Member(guild, m, f"M{m}") for m in range(1, 6)]
    sessions = [
        session(guild, m, first + timedelta(days=d, minutes=7 * m), 30 + m)
        for d in range(365)
        for m in range(1, 6)
        if (d + m) % 3
    ]
    write_community(community_url, Guild(guild, "Year", "America/Sao_Paulo"), members, sessions)

    with Warehouse(community_url) as wh:
        fig = reports.activity(wh, guild, date(2025, 12, 31), days=365)
        trend = reports.member_trend(wh, guild, 1, date(2025, 12, 31), days=365)

    assert len(fig.data[0].x) == 365
    assert max(fig.data[0].y) == 5  # monthly active members
    assert sum(trend.data[0].y) == pytest.approx(sum(31 for d in range(365) if (d + 1) % 3))
    assert Image.open(io.BytesIO(renderer.render_png(fig))).size == (theme.WIDTH, fig.layout.height)


def test_an_opted_out_member_is_not_drawn(community_url, edge_guild):
    from hourglass.database import connect

    with connect(community_url) as conn:
        conn.execute(
            "UPDATE hourglass.members SET opted_out = true WHERE member_id = %s", (BERLIN,)
        )
    with Warehouse(community_url) as wh:
        fig = reports.member_trend(wh, GUILD, BERLIN, date(2026, 4, 2))
        board = reports.leaderboard(wh, GUILD, date(2026, 4, 2), days=7)

    assert fig.layout.meta["message"] == "This member has opted out of tracking"
    assert theme.is_empty(board)

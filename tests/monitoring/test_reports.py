"""Report periods: which report is due when, in the guild's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hourglass.monitoring import reports


def test_the_weekly_report_falls_due_on_monday_morning_in_the_guilds_zone():
    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 05:00 in Kolkata

    kolkata = reports.weekly_due(1, "Asia/Kolkata", sunday_night_utc)
    later = reports.weekly_due(1, "Asia/Kolkata", datetime(2026, 11, 30, 4, 0, tzinfo=UTC))

    assert kolkata.period == "2026-W47"  # 09:00 local has not come: the previous report
    assert later.period == "2026-W48"
    assert later.due_at == datetime(2026, 11, 30, 3, 30, tzinfo=UTC)
    assert reports.week_of(later) == (date(2026, 11, 23), date(2026, 11, 29))


def test_a_weekly_report_across_a_dst_change_covers_the_right_week():
    due = reports.weekly_due(1, "Europe/Berlin", datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    assert due.due_at == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert reports.week_of(due) == (date(2026, 10, 26), date(2026, 11, 1))


def test_daily_and_monthly_reports_cover_the_day_and_month_before():
    now = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)

    assert reports.daily_due(now).period == "2026-11-29"  # 08:00 today has not come yet
    assert reports.daily_due(now.replace(hour=9)).period == "2026-11-30"
    assert reports.monthly_due(now).period == "2026-10"
    assert reports.monthly_due(now.replace(hour=9)).period == "2026-11"


def test_each_report_has_a_stable_subject_for_once_per_destination_delivery():
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    assert reports.daily_due(now).subject == reports.daily_due(now.replace(hour=23)).subject

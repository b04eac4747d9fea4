"""Working days against dates worked out by hand."""
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from processes.policy.calendar import WorkingCalendar

CAL = WorkingCalendar()


@pytest.mark.parametrize("received, days, expected", [
    # The domain note's own example: Christmas Day and Boxing Day are skipped.
    ("2025-12-19T10:00:00+00:00", 5, date(2025, 12, 30)),
    # New Year's Day 2026 is a Thursday.
    ("2025-12-19T10:00:00+00:00", 10, date(2026, 1, 7)),
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April (England only: needs subdiv ENG).
    ("2026-04-01T09:00:00+01:00", 2, date(2026, 4, 7)),
    # Early May bank holiday, Monday 4 May 2026.
    ("2026-04-30T09:00:00+01:00", 2, date(2026, 5, 5)),
    # Late May bank holiday, Monday 25 May 2026.
    ("2026-05-22T09:00:00+01:00", 1, date(2026, 5, 26)),
    # Summer bank holiday, Monday 31 August 2026 (also England only).
    ("2026-08-28T09:00:00+01:00", 1, date(2026, 9, 1)),
])
def test_add_working_days_skips_bank_holidays(received, days, expected):
    assert CAL.add_working_days(received, days) == expected


def test_received_after_close_of_business_on_friday_counts_from_monday():
    # 17:30 on Friday 6 November 2026 (GMT): day 0 is Monday 9 November, day 1 Tuesday 10.
    friday_evening = datetime(2026, 11, 6, 17, 30, tzinfo=timezone.utc)
    assert CAL.day_zero(friday_evening) == date(2026, 11, 9)
    assert CAL.add_working_days(friday_evening, 1) == date(2026, 11, 10)
    assert CAL.day_zero(datetime(2026, 11, 6, 16, 59, tzinfo=timezone.utc)) == date(2026, 11, 6)


def test_close_of_business_is_uk_time_across_the_clock_change():
    # 16:30 UTC on Friday 16 October 2026 is 17:30 BST: after close of business.
    assert CAL.day_zero(datetime(2026, 10, 16, 16, 30, tzinfo=timezone.utc)) == date(2026, 10, 19)
    # Received on Sunday 29 March 2026, the day the clocks go forward: day 0 is Monday 30.
    assert CAL.day_zero("2026-03-29T12:00:00+00:00") == date(2026, 3, 30)


def test_deadline_passes_at_midnight_uk_time():
    # Due Wednesday 7 January 2026 (GMT): passes at 00:00 on 8 January.
    assert CAL.deadline("2025-12-19T10:00:00+00:00", 10) == datetime(2026, 1, 8, tzinfo=timezone.utc)
    # In summer the same midnight is 23:00 UTC the day before.
    assert CAL.deadline("2026-06-01T09:00:00+01:00", 1) == datetime(2026, 6, 2, 23, tzinfo=timezone.utc)
    assert CAL.due_date(datetime(2026, 6, 2, 23, tzinfo=timezone.utc)) == date(2026, 6, 2)


def test_closure_days_are_not_working_days():
    closed = WorkingCalendar(closures=frozenset({date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31)}))
    # Day 4 is Friday 2 January (1 January is a bank holiday), day 5 Monday 5 January.
    assert closed.add_working_days("2025-12-19T10:00:00+00:00", 5) == date(2026, 1, 5)


def test_days_left_counts_working_days_and_overdue():
    due = CAL.deadline("2025-12-19T10:00:00+00:00", 10)  # Wed 7 Jan 2026
    assert CAL.days_left(due, datetime(2026, 1, 5, 9, tzinfo=timezone.utc)) == 2
    assert CAL.days_left(due, datetime(2026, 1, 7, 9, tzinfo=timezone.utc)) == 0
    assert CAL.days_left(due, datetime(2026, 1, 8, 9, tzinfo=timezone.utc)) == -1
    assert CAL.days_left(due, datetime(2026, 1, 12, 9, tzinfo=timezone.utc)) == -3
    assert CAL.working_days_between(date(2025, 12, 24), date(2025, 12, 29)) == 1


def test_years_from_a_leap_day():
    from processes.policy.calendar import add_years
    leap = datetime(2028, 2, 29, 12, tzinfo=timezone.utc)
    assert add_years(leap, -6) == datetime(2022, 2, 28, 12, tzinfo=timezone.utc)
    assert add_years(leap, 4) == datetime(2032, 2, 29, 12, tzinfo=timezone.utc)


def test_the_bank_holiday_rules_are_loaded_with_the_calendar_not_by_the_first_script_that_counts_days():
    """Loading the package's rules for England takes most of a second (more on a busy machine); charged to
    the first diagram script of a process that counts working days, it passed the sandbox's 1 s limit and the
    first comment sent after a start was refused with a 503."""
    import subprocess
    import sys
    probe = ("import sys, processes.policy.calendar; "
             "print('holidays.countries.united_kingdom' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parent.parent)
    assert found.stdout.strip() == "True"

"""The council's working-day calendar: bank holidays, closure days and close of business."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
# The package loads its countries' rules on first use, which takes most of a second (more on a busy machine).
# Loaded here, with the calendar, so that it is never charged to the first diagram script of a process that
# counts working days: the sandbox's 1 s limit refused it, and the first comment after a start with it.
holidays.country_holidays("GB", subdiv="ENG")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # Without subdiv="ENG" the package drops Easter Monday and the August bank holiday.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def clock_time(moment: datetime, seconds: bool = False) -> str:
    """2:30pm (UK time), as people read a time; with `seconds`, 2:30:15pm."""
    local = moment.astimezone(LONDON)
    return f"{local:%-I:%M{':%S' if seconds else ''}%p}".replace("AM", "am").replace("PM", "pm")


def long_date(day: date) -> str:
    """A date as a letter says it: "Friday 8 January 2027"."""
    return day.strftime("%A %-d %B %Y")


def as_utc(moment: datetime | str) -> datetime:
    """Parse an ISO string or datetime into an aware UTC datetime (naive means UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def add_years(moment: datetime, years: int) -> datetime:
    """The same day `years` later (or earlier); 29 February becomes 28 February in other years."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def one_calendar_month_after(day: date) -> date:
    """UK practice for a month's time limit (a subject access request): the same day next month, or the last
    day of next month when it has no such day (31 January gives 28 or 29 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days in England: weekdays that are neither bank holidays nor closure days."""

    closures: frozenset[date] = field(default_factory=frozenset)
    close_of_business: time = time(17, 0)
    tz: ZoneInfo = LONDON

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _bank_holidays(day.year) and day not in self.closures

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def day_zero(self, moment: datetime | str) -> date:
        """The working day a comment counts as received on (day 0)."""
        local = as_utc(moment).astimezone(self.tz)
        day = local.date()
        if self.is_working_day(day) and local.time() < self.close_of_business:
            return day
        return self.next_working_day(day)

    def add_working_days(self, moment: datetime | str, days: int) -> date:
        """The date that is `days` working days after the day of receipt."""
        day = self.day_zero(moment)
        for _ in range(days):
            day = self.next_working_day(day)
        return day

    def end_of_day(self, day: date) -> datetime:
        """The instant a deadline on `day` passes: midnight at the end of that day, UK time, in UTC."""
        return datetime.combine(day + timedelta(days=1), time(0), self.tz).astimezone(timezone.utc)

    def deadline(self, moment: datetime | str, days: int) -> datetime:
        return self.end_of_day(self.add_working_days(moment, days))

    def extend(self, due_at: datetime | str, days: int) -> datetime:
        """A deadline moved `days` working days later (an agreed extension)."""
        day = self.due_date(as_utc(due_at))
        for _ in range(days):
            day = self.next_working_day(day)
        return self.end_of_day(day)

    def working_days_before(self, due_at: datetime | str, days: int) -> datetime:
        """The start (midnight, UK time) of the working day `days` working days before a deadline's day."""
        day = self.due_date(as_utc(due_at))
        for _ in range(days):
            day = self.previous_working_day(day)
        return datetime.combine(day, time(0), self.tz).astimezone(timezone.utc)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is earlier."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def due_date(self, due_at: datetime) -> date:
        """The calendar date people read for a deadline instant."""
        return (as_utc(due_at) - timedelta(seconds=1)).astimezone(self.tz).date()

    def due_label(self, due_at: datetime) -> str:
        """A deadline as people read it: "Wed 7 Jan 2026"."""
        return self.due_date(due_at).strftime("%a %-d %b %Y")

    def days_left(self, due_at: datetime, now: datetime) -> int:
        """Working days from today until the due date: 0 is due today, negative is overdue."""
        today = as_utc(now).astimezone(self.tz).date()
        due = self.due_date(due_at)
        if as_utc(now) >= as_utc(due_at):
            return -max(1, self.working_days_between(due, today))
        return self.working_days_between(today, due)

"""The quarterly report, printable; the year and quarter arithmetic the annual report (annual.py) shares."""
from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from sqlalchemy import select

from models import ImprovementAction
from models.reporting import ACTION_SOURCES, ACTION_STATUSES
from processes.reporting.figures import Filters
from processes.typed import whole_number

from ..extensions import db
from .views import bp, figures, today

QUARTERS = {1: "April to June", 2: "July to September", 3: "October to December", 4: "January to March"}


def financial_year(day: date) -> int:
    """The council's year starts on 1 April: 2026 is April 2026 to March 2027."""
    return day.year if day.month >= 4 else day.year - 1


def quarter_period(year: int, quarter: int) -> tuple[date, date]:
    first_month = 4 + 3 * (quarter - 1)
    start = date(year + (first_month > 12), (first_month - 1) % 12 + 1, 1)
    end_month = start.month + 3
    end = date(start.year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def _int_arg(name: str, default: int, allowed: range) -> int:
    value = request.args.get(name, "")
    if not value:
        return default
    number = whole_number(value)
    if number is None or number not in allowed:
        abort(404)
    return number


def learning(start: date, end: date) -> list[ImprovementAction]:
    """The learning from comments: actions raised in the period, whatever their state."""
    lower, upper = Filters(start, end).bounds
    return list(db.session.scalars(select(ImprovementAction).where(
        ImprovementAction.created_at >= lower, ImprovementAction.created_at <
        upper).order_by(ImprovementAction.id)))


def _report(template: str, title: str, start: date, end: date, **extra):
    return render_template(template, title=title, start=start, end=end, today=today(),
                           tables=figures(Filters(start, end), ahead=False)[0], learning=learning(start, end),
                           sources=ACTION_SOURCES, statuses=ACTION_STATUSES, **extra)


@bp.get("/quarterly")
def quarterly():
    current = financial_year(today())
    year = _int_arg("year", current, range(2000, current + 1))
    quarter = _int_arg("quarter", (today().month - 4) % 12 // 3 + 1, range(1, 5))
    start, end = quarter_period(year, quarter)
    return _report("reports/quarterly.html", f"Quarterly report: {QUARTERS[quarter]} {start.year}", start,
                   end, year=year, quarter=quarter, quarters=QUARTERS)

"""Management information for the CRO, service managers and the director: the dashboard and CSV exports."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from models.case import CHANNELS, COMMENT_TYPES
from processes.diagrams.categories import current_categories
from processes.diagrams.forms import service_areas
from processes.policy.calendar import LONDON
from processes.reporting.figures import Filters, Table, dashboard
from processes.reporting.snapshot import WORKED_OUT_EVERY, stored_dashboard
from processes.typed import sensible_date

from ..csv_files import csv_response
from ..extensions import db
from ..guard import guard, may

bp = Blueprint("reports", __name__, url_prefix="/reports")
guard(bp, "read_reports")


def today() -> date:
    return datetime.now(timezone.utc).astimezone(LONDON).date()


def _date(name: str, default: date, errors: dict[str, str], label: str) -> date:
    text = (request.args.get(name) or "").strip()
    if not text:
        return default
    day = sensible_date(text)
    if day is None:
        errors[name] = f"{label} must be a real date, for example 2026-04-01"
        return default
    return day


def twelve_months_to(end: date) -> date:
    """The first day of the month eleven months before `end`'s: twelve whole months of figures."""
    months = end.year * 12 + end.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1)


def last_whole_month_end(day: date) -> date:
    """The last day of the month before `day`'s: the end of the last whole month."""
    return day.replace(day=1) - timedelta(days=1)


def read_filters() -> tuple[Filters, dict[str, str]]:
    """The filters in the query string; a bad date is reported and the default used meanwhile. The default is
    the last twelve whole months (the month under way is not yet whole, so it is left out)."""
    errors: dict[str, str] = {}
    default = default_filters(today())
    end = _date("to", default.end, errors, "The end of the period")
    start = _date("from", twelve_months_to(end), errors, "The start of the period")
    if not errors and start > end:
        errors["to"] = "The end of the period must be the same as or after the start"
        start, end = end, start
    def pick(name: str, names) -> str | None:
        return request.args.get(name) if request.args.get(name) in names else None
    return Filters(start, end, pick("service_area", area_names()), pick("comment_type", COMMENT_TYPES),
                   pick("channel", CHANNELS), pick("category", category_names())), errors


def default_filters(day: date) -> Filters:
    """The last twelve whole months on `day`, unfiltered: the dashboard people open."""
    end = last_whole_month_end(day)
    return Filters(twelve_months_to(end), end)


def area_names() -> dict[str, str]:
    """The council's service areas as the public form names them."""
    return dict(service_areas(current_app.extensions["forms"]))


def category_names() -> dict[str, str]:
    """Every category of the list in force, retired ones too ("housing/repairs": "Housing: Repairs")."""
    areas = area_names()
    return {f"{area}/{c['key']}": f"{areas.get(area, area)}: {c['name']}"
            for area, entries in current_categories(db.session).items() for c in entries}


def category_pairs() -> dict[tuple[str, str], str]:
    """Each category's name by (area, key), as the figures name them."""
    return {tuple(value.split("/", 1)): name for value, name in category_names().items()}


def figures(filters: Filters, ahead: bool = True) -> tuple[list[Table], datetime | None]:
    """The dashboard's tables, and when they were worked out if the timer worker did it ahead (the default
    period, unfiltered: processes.reporting.snapshot) and `ahead` allows it; None when worked out now."""
    stored = stored_dashboard(db.session, filters, today(), datetime.now(timezone.utc)) if ahead else None
    if stored is not None:
        return stored
    return dashboard(db.session, filters, today(), area_names(), category_pairs()), None


@bp.app_context_processor
def _overdue_actions():
    """Overdue improvement actions for the signed-in person: their own, or all of them for the CRO."""
    def overdue_for_me():
        from processes.reporting.improvement import overdue_actions
        if not current_user.is_authenticated:
            return []
        mine = None if may("change_improvement") else current_user
        return overdue_actions(db.session, today(), mine)
    return {"overdue_actions_for_me": overdue_for_me}


@bp.get("/")
def index():
    filters, errors = read_filters()
    tables, worked_out_at = figures(filters)
    return render_template("reports/dashboard.html", title="Comments dashboard", filters=filters,
                           form_errors=errors, tables=tables, worked_out_at=worked_out_at,
                           WORKED_OUT_MINUTES=WORKED_OUT_EVERY.seconds // 60, args=request.args,
                           choices={k: options(v) for k, v in (("service_area", area_names()),
                                                               ("comment_type", COMMENT_TYPES),
                                                               ("channel", CHANNELS),
                                                               ("category", category_names()))})


def options(names: dict[str, str]) -> list[dict[str, str]]:
    return [{"value": k, "text": v} for k, v in names.items()]


@bp.get("/<key>.csv")
def export(key: str):
    filters, _ = read_filters()
    table = next((t for t in figures(filters)[0] if t.key == key), None)
    if table is None:
        abort(404)
    return csv_response(table.headers, table.rows, f"{key}-{filters.start}-to-{filters.end}.csv")
from . import annual, learning, periodic  # noqa: E402,F401  (their routes join this blueprint)

"""Dates as people read them, and the red/amber/green of deadlines."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, current_app, g, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from models import POINT_OUTCOMES
from models.case import CHANNELS, COMMENT_TYPES
from models.user import ROLES
from processes.diagrams.forms import service_areas
from processes.policy.calendar import LONDON, WorkingCalendar, clock_time
from processes.policy.settings import load_calendar, ombudsman_details


def calendar() -> WorkingCalendar:
    """The council's calendar with its closure days, read once per request."""
    if not has_request_context():
        return WorkingCalendar()
    if "calendar" not in g:
        from .extensions import db
        g.calendar = load_calendar(db.session)
    return g.calendar


def ombudsman() -> dict[str, str]:
    """The Ombudsman's details (policy data), read once per request; none when the database cannot say."""
    if not has_request_context():
        return {}
    if "ombudsman" not in g:
        from .extensions import db
        try:
            g.ombudsman = ombudsman_details(db.session)
        except SQLAlchemyError:  # the error page of a database that fails still renders (without them)
            g.ombudsman = {}
    return g.ombudsman


def uk_date(moment: datetime | None) -> str:
    """Wed 7 Jan 2027."""
    return moment.astimezone(LONDON).strftime("%a %-d %b %Y") if moment else ""


def uk_datetime(moment: datetime | None) -> str:
    """27 March 2026 at 2:30pm (UK time)."""
    if not moment:
        return ""
    local = moment.astimezone(LONDON)
    return f"{local:%-d %B %Y} at {clock_time(local)}"


def due_date(due_at: datetime | None) -> str:
    return calendar().due_label(due_at) if due_at else ""


def deadline_status(due_at: datetime | None, now: datetime | None = None) -> dict | None:
    """Working days left or overdue, with a GOV.UK tag colour: red overdue, amber 2 or fewer, green."""
    if due_at is None:
        return None
    left = calendar().days_left(due_at, now or datetime.now(timezone.utc))
    if left < 0:
        days = -left
        return {"text": f"{days} working day{'s' if days != 1 else ''} overdue", "colour": "red",
                "left": left}
    if left == 0:
        return {"text": "Due today", "colour": "orange", "left": 0}
    return {"text": f"{left} working day{'s' if left != 1 else ''} left",
            "colour": "orange" if left <= 2 else "green", "left": left}


def working_days(days: int | None) -> str:
    """1 working day, 15 working days."""
    return f"{days} working day{'s' if days != 1 else ''}"


def service_label(value: str | None) -> str:
    """The readable name of a service area, from the public form's options."""
    return dict(service_areas(current_app.extensions["forms"])).get(value, value or "Not known")


REP_FIELDS = ("rep_name", "rep_relation", "rep_relation_other", "rep_email", "rep_phone", "rep_address",
              "consent_how", "consent_date", "consent_covers")


def form_list(values, name: str) -> list[str]:
    """A field's several values, from request.form (getlist) or from a dict of lists."""
    getlist = getattr(values, "getlist", None)
    return list(getlist(name)) if getlist else list(values.get(name) or [])


def rep_relation_items() -> list[dict]:
    from models.representative import RELATIONSHIPS
    return [{"value": key, "text": label} for key, label in RELATIONSHIPS.items()]


def consent_way_items() -> list[dict]:
    from models.representative import CONSENT_WAYS
    return [{"value": key, "text": label} for key, label in CONSENT_WAYS.items()]


def consent_cover_items() -> list[dict]:
    from models.representative import CONSENT_COVERS
    return [{"value": key, "text": label} for key, label in CONSENT_COVERS.items()]


def ending_items() -> list[dict]:
    from models.representative import ENDINGS
    hints = {"consent_withdrawn": "The customer no longer wants them to act for them.",
             "stopped_acting": "The representative told us they no longer act for the customer."}
    return [{"value": key, "text": label, "hint": {"text": hints[key]}} for key, label in ENDINGS.items()]


def file_size(size: int | None) -> str:
    """A file's size as people read it: "850 bytes", "34 KB", "2.4 MB"."""
    size = size or 0
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def link_rows(case) -> list[dict]:
    """The case summary's rows of the cases linked to it ("Duplicate of", "Repeated by"), each a link."""
    from flask import url_for
    from markupsafe import escape
    from sqlalchemy.orm import object_session

    from processes.cases.triage import links_of
    by_words: dict[str, list[str]] = {}
    for words, other in links_of(object_session(case), case):
        href = url_for("cases.show", reference=other.reference)
        link = f'<a class="govuk-link" data-linked-case href="{escape(href)}">{escape(other.reference)}'
        by_words.setdefault(words, []).append(link + "</a>")
    return [{"key": {"text": words}, "value": {"html": ", ".join(links)}}
            for words, links in by_words.items()]


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(uk_date=uk_date, uk_datetime=uk_datetime, due_date=due_date,
                                 working_days=working_days, file_size=file_size)
    from .form_view import error_list, field_params, summary_rows
    app.jinja_env.globals.update(deadline_status=deadline_status, COMMENT_TYPES=COMMENT_TYPES,
                                 CHANNELS=CHANNELS, ROLES=ROLES, service_label=service_label,
                                 field_params=field_params, error_list=error_list, summary_rows=summary_rows)
    from processes.cases.categories import case_category, choice_value, offered_for
    app.jinja_env.globals.update(case_category=case_category, category_value=choice_value,
                                 categories_for=offered_for)
    from processes.cases.points import MAX_POINTS, NEW_AT_REVIEW, point_outcome_items, point_rows, point_step
    app.jinja_env.globals.update(point_step=point_step, point_outcome_items=point_outcome_items,
                                 max_points=MAX_POINTS, new_at_review=NEW_AT_REVIEW, point_rows=point_rows,
                                 POINT_OUTCOMES=POINT_OUTCOMES, link_rows=link_rows)
    from processes.cases.remedy_actions import MAX_ACTIONS, promised_at, today
    from processes.policy.calendar import long_date
    app.jinja_env.globals.update(promised_at=promised_at, max_remedy_actions=MAX_ACTIONS, remedy_today=today)
    app.jinja_env.filters.update(long_date=long_date)
    from models.representative import CONSENT_COVERS, CONSENT_EVENTS, CONSENT_WAYS, ENDINGS, RELATIONSHIPS
    from processes.messaging.addresses import customer_recipients
    app.jinja_env.globals.update(CONSENT_EVENTS=CONSENT_EVENTS, ENDINGS=ENDINGS,
                                 customer_recipients=customer_recipients, ending_items=ending_items)
    app.jinja_env.globals.update(RELATIONSHIPS=RELATIONSHIPS, CONSENT_WAYS=CONSENT_WAYS,
                                 CONSENT_COVERS=CONSENT_COVERS, REP_FIELDS=REP_FIELDS, form_list=form_list,
                                 rep_relation_items=rep_relation_items, consent_way_items=consent_way_items,
                                 consent_cover_items=consent_cover_items)
    app.jinja_env.globals.update(ombudsman=ombudsman)  # the footer's and the customer pages' (policy data)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

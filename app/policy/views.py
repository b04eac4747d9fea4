"""The process owner's policy page: closure days, timescale profiles, and the functions diagrams can use."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import PROFILES, ClosureDay, Timescale
from processes.errors import InvalidInput
from processes.policy import settings as policy
from processes.typed import date_from_parts, sensible_date, whole_number

from ..extensions import db
from ..guard import guard

bp = Blueprint("policy", __name__, url_prefix="/policy")
guard(bp, "change_policy")
ORDER = ["stage1_ack", "stage1_response", "stage1_extension", "stage2_ack", "stage2_response",
         "stage2_extension", "escalated_response", "escalation_window", "reminder_before", "query_ack",
         "query_response", "suggestion_ack", "suggestion_response", "compliment_ack", "compliment_response"]


def _page(errors=None, values=None, status=200):
    timescales = db.session.scalars(select(Timescale).order_by(Timescale.profile, Timescale.key)).all()
    by_key: dict[str, dict] = {}
    for row in sorted(timescales, key=lambda r: ORDER.index(r.key) if r.key in ORDER else len(ORDER)):
        by_key.setdefault(row.key, {"label": row.label})[row.profile] = row
    return render_template("policy/index.html", title="Calendar and timescales", profiles=PROFILES,
                           active=policy.active_profile(db.session), timescales=by_key,
                           closures=db.session.scalars(select(ClosureDay).order_by(ClosureDay.day)).all(),
                           close_of_business=policy.setting(db.session, "close_of_business", "17:00"),
                           ombudsman_fields=policy.OMBUDSMAN_FIELDS,
                           errors=errors or {}, form_errors=errors, values=values or {}), status


def _save(operation, success: str):
    """Run one policy change: its errors beside the fields of the page (400), or say it is saved."""
    try:
        operation()
    except InvalidInput as exc:
        return _page(exc.errors, request.form, 400)
    flash(success, "success")
    return redirect(url_for(".index"))


@bp.get("/")
def index():
    return _page()


@bp.post("/profile")
def choose_profile():
    policy.choose_profile(db.session, current_user, request.form.get("profile", ""))
    flash(f"New cases now follow: {PROFILES[request.form['profile']]}", "success")
    return redirect(url_for(".index"))


@bp.post("/close-of-business")
def close_of_business():
    return _save(lambda: policy.set_close_of_business(db.session, current_user,
                                                      request.form.get("close_of_business", "")),
                 "Close of business saved")


@bp.post("/ombudsman")
def ombudsman():
    values = {k: request.form.get(f"ombudsman_{k}", "") for k in policy.OMBUDSMAN_FIELDS}
    return _save(lambda: policy.set_ombudsman_details(db.session, current_user, values),
                 "The Ombudsman's details are saved: pages and messages written from now on give them")


@bp.post("/timescales/<profile>")
def save_timescales(profile: str):
    errors = {}
    for key in request.form:
        if key == "csrf_token":
            continue
        raw = request.form[key].strip()
        days = whole_number(raw)
        if days is None:
            errors[f"{profile}-{key}"] = "Enter a whole number of working days, like 10"
            continue
        try:
            policy.set_timescale(db.session, current_user, profile, key, days)
        except InvalidInput as exc:
            errors.update({f"{profile}-{k}": v for k, v in exc.errors.items()})
    if errors:
        return _page(errors, request.form, 400)
    flash(f"Timescales of “{PROFILES.get(profile, profile)}” saved: cases that start from now on use them",
          "success")
    return redirect(url_for(".index"))


@bp.post("/closures")
def add_closure():
    day = date_from_parts(*(request.form.get(f"day-{part}") for part in ("year", "month", "day")))
    if day is None:
        return _page({"day": "Enter a real date, like 29 12 2026"}, request.form, 400)
    return _save(lambda: policy.add_closure_day(db.session, current_user, day,
                                                request.form.get("reason", "")),
                 f"{day:%A %-d %B %Y} is now a closure day: deadlines worked out from now on skip it")


@bp.post("/closures/<day>/remove")
def remove_closure(day: str):
    when = sensible_date(day)
    if when is None:
        abort(404)
    policy.remove_closure_day(db.session, current_user, when)
    flash(f"{when:%A %-d %B %Y} is a working day again", "success")
    return redirect(url_for(".index"))


@bp.get("/functions")
def functions():
    return render_template("policy/functions.html", title="Functions for diagrams")

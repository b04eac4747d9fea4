"""Cases: staff record comments, the CRO's overview of every open case, a case's record and history."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from models import Case
from processes import queries
from processes.calendar import as_utc
from processes.errors import ProcedureError
from processes.forms import validate_form
from processes.procedure import submit_comment

from ..extensions import db

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.before_request
@login_required
def _signed_in():
    """Every case page is for signed-in staff."""


def _require(*roles: str) -> None:
    if not current_user.has_role(*roles):
        abort(403)


@bp.get("/")
def overview():
    _require("customer_relations_officer", "administrator")
    return render_template("cases/overview.html", title="All open cases", cases=queries.open_cases(db.session))


@bp.route("/new", methods=["GET", "POST"])
def record():
    definition = current_app.extensions["forms"]["staff_record"]
    values, errors = {}, {}
    if request.method == "POST":
        result = validate_form(definition, request.form)
        values, errors = result.values, result.errors
        received = as_utc(values["received_at"]) if "received_at" in values and not errors else None
        if received and received > datetime.now(timezone.utc):
            errors = {"received_at": "The date and time received must be in the past"}
        if not errors:
            try:
                case = submit_comment(db.session, current_user, values, values["channel"], received)
            except ProcedureError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(f"{case.reference} recorded", "success")
                return redirect(url_for(".show", reference=case.reference))
    return render_template("cases/record.html", title="Record a comment", definition=definition, values=values,
                           errors=errors, form_errors=errors), (400 if errors else 200)


def _load(reference: str) -> Case:
    case = db.session.scalar(select(Case).filter_by(reference=reference))
    if case is None:
        abort(404)
    if not queries.can_view_case(db.session, current_user, case):
        abort(403)
    return case


@bp.get("/<reference>")
def show(reference: str):
    case = _load(reference)
    return render_template("cases/show.html", title=f"{case.reference}", case=case)


@bp.get("/<reference>/diagram.bpmn")
def diagram(reference: str):
    case = _load(reference)
    return Response(case.process_version.bpmn_xml, mimetype="application/xml")


@bp.get("/notifications")
def notifications():
    return render_template("cases/notifications.html", title="Notifications",
                           notifications=queries.notifications_for(db.session, current_user))

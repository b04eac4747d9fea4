"""Subject access requests for those who export records: log one, list the open ones, mark one answered."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from models import SubjectAccessRequest
from processes.errors import InvalidInput
from processes.policy.calendar import LONDON
from processes.records import subject_access as sar

from ..extensions import db
from ..unit_of_work import on_refusal
from .views import bp


def _today():
    return datetime.now(timezone.utc).astimezone(LONDON).date()


@bp.get("/subject-access-requests")
def requests_list():
    return render_template("records/requests.html", title="Subject access requests",
                           requests=sar.open_requests(db.session), today=_today())


def _log_page(errors=None, values=None):
    return render_template("records/request_new.html", title="Log a subject access request",
                           errors=errors or {}, form_errors=errors, values=values or {})


@bp.route("/subject-access-requests/new", methods=["GET", "POST"])
def log_request():
    if request.method == "GET":
        return _log_page()
    try:
        logged = sar.log_request(db.session, current_user, request.form, _today())
    except InvalidInput as exc:
        return _log_page(exc.errors, exc.values), 400
    flash(f"Subject access request {logged.id} logged: due by {logged.due_on:%-d %B %Y}", "success")
    return redirect(url_for(".requests_list"))


@bp.post("/subject-access-requests/<int:request_id>/close")
def close_request(request_id: int):
    on_refusal(url_for(".requests_list"))
    found = db.session.get(SubjectAccessRequest, request_id)
    if found is None:
        abort(404)
    closed = sar.close_request(db.session, current_user, found, request.form.get("status", ""),
                               datetime.now(timezone.utc))
    flash(f"Subject access request {closed.id} marked {closed.status_label.lower()}", "success")
    return redirect(url_for(".requests_list"))

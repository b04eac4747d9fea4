"""The CRO's actions on a case page: assign a task, record what the customer said by phone or letter,
reopen, accept a late stage 2 request, reclassify. Routes of the cases blueprint, kept apart from views.py."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from processes.cases.assignment import assign_task, assignable_officers
from processes.cases.customer import REVIEWABLE_CLOSED, TAKEN_BY
from processes.cases.recorded_requests import REQUESTS, can_record_request, record_customer_request
from processes.cases.late_review import accept_late_review, can_accept_late_review
from processes.cases.reclassify import move_service_area, rerecord_as
from processes.cases.reopening import reopen_case
from processes.diagrams.forms import service_areas
from processes.errors import Conflict, InvalidInput
from processes.typed import whole_number

from ..extensions import db, writes
from ..guard import forbid_unless
from ..unit_of_work import on_refusal
from .views import _load, bp, seen, show


@bp.context_processor
def _case_actions():
    """What the case page's CRO forms offer (asked only where the page shows them)."""
    return {"assignable": lambda task: assignable_officers(db.session, task), "TAKEN_BY": TAKEN_BY,
            "CUSTOMER_REQUESTS": REQUESTS, "REVIEWABLE_CLOSED": REVIEWABLE_CLOSED,
            "can_accept_late_review": can_accept_late_review, "can_record_request": can_record_request,
            "service_areas": lambda: service_areas(current_app.extensions["forms"])}


@bp.post("/<reference>/tasks/<int:task_id>/assign")
def assign(reference: str, task_id: int):
    case = _load(reference)
    forbid_unless("act_on_cases")
    back = url_for(".show", reference=reference) + "#assign"
    on_refusal(back)
    seen = request.form.get("seen_assignee", "")
    try:
        task = assign_task(db.session, current_user, case, task_id, whole_number(request.form.get("officer")),
                           whole_number(seen) if seen else None)
    except InvalidInput as exc:  # beside the select of this task
        return show(reference, {f"officer-{task_id}": exc.errors["officer"]}, request.form, 400)
    flash(f"“{task.name}” assigned to {task.assigned_to.name}: they have been emailed", "success")
    return redirect(back)


@bp.route("/<reference>/customer-request", methods=["GET", "POST"])
@writes  # audits the view
def customer_request(reference: str):
    case = _load(reference)
    forbid_unless("act_on_cases")
    seen(case, "Viewed the case to record a customer's request")
    on_refusal(url_for(".show", reference=reference))
    if not can_record_request(case):
        raise Conflict("This case is closed: the customer can no longer withdraw it or ask for stage 2")
    errors = {}
    if request.method == "POST":
        try:
            done = record_customer_request(db.session, current_user, case, request.form)
        except InvalidInput as exc:  # beside each field, with what was typed kept
            errors = exc.errors
        else:
            flash(done, "success")
            return redirect(url_for(".show", reference=reference))
    return render_template("cases/customer_request.html", title="Record what the customer asked",
                           case=case, errors=errors, values=request.form, form_errors=errors), \
        (400 if errors else 200)


@bp.post("/<reference>/reopen")
def reopen(reference: str):
    case = _load(reference)
    forbid_unless("act_on_cases")
    on_refusal(url_for(".show", reference=reference) + "#reopen")
    try:
        name = reopen_case(db.session, current_user, case, request.form.get("reopen_reason", ""))
    except InvalidInput as exc:
        return show(reference, exc.errors, request.form, 400)
    flash(f"Case reopened: “{name}” is waiting again", "success")
    return redirect(url_for(".show", reference=reference))


@bp.post("/<reference>/late-review")
def late_review(reference: str):
    case = _load(reference)
    forbid_unless("act_on_cases")
    on_refusal(url_for(".show", reference=reference) + "#late-review")
    try:
        accept_late_review(db.session, current_user, case, request.form.get("late_reason", ""))
    except InvalidInput as exc:
        return show(reference, exc.errors, request.form, 400)
    flash("Late stage 2 request accepted: stage 2 has started, its deadlines counted from today", "success")
    return redirect(url_for(".show", reference=reference))


@bp.post("/<reference>/service-area")
def service_area(reference: str):
    case = _load(reference)
    forbid_unless("act_on_cases")
    on_refusal(url_for(".show", reference=reference) + "#reclassify")
    areas = dict(service_areas(current_app.extensions["forms"]))
    try:
        move_service_area(db.session, current_user, case, request.form.get("new_area"), areas)
    except InvalidInput as exc:
        return show(reference, exc.errors, request.form, 400)
    flash(f"Case moved to {areas[case.service_area]}: its officers can see it now", "success")
    return redirect(url_for(".show", reference=reference))


@bp.post("/<reference>/type")
def comment_type(reference: str):
    case = _load(reference)
    forbid_unless("act_on_cases")
    on_refusal(url_for(".show", reference=reference) + "#reclassify")
    try:
        new = rerecord_as(db.session, current_user, case, request.form.get("new_type"))
    except InvalidInput as exc:
        return show(reference, exc.errors, request.form, 400)
    flash(f"Re-recorded as {new.reference}: this case is closed", "success")
    return redirect(url_for(".show", reference=new.reference))

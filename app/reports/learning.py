"""Improvement actions and Ombudsman enquiries: the CRO changes them, owners update their actions, readers
see."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import ImprovementAction, OmbudsmanEnquiry
from models.reporting import ACTION_SOURCES, ACTION_STATUSES, OMBUDSMAN_DECISIONS
from processes.errors import InvalidInput
from processes.reporting import improvement

from ..extensions import db
from ..guard import may
from ..unit_of_work import on_refusal
from .views import bp, today

SHOW = {"open": "Open", "overdue": "Overdue", "all": "All"}


def _attempt(operation, success: str, then: str, page):
    """Run one operation: bad input re-renders the page with its errors, a refusal goes back to the page the
    person came from, saying why."""
    on_refusal(then, referrer=True)
    try:
        operation()
    except InvalidInput as exc:
        return page(exc.errors, exc.values), 400
    flash(success, "success")
    return redirect(then)


def _actions(show: str) -> list[ImprovementAction]:
    query = select(ImprovementAction).order_by(ImprovementAction.due_on, ImprovementAction.id)
    if show == "overdue":
        return improvement.overdue_actions(db.session, today())
    if show == "open":
        query = query.where(ImprovementAction.status == "open")
    return list(db.session.scalars(query))


def _actions_page(errors=None, values=None):
    show = request.args.get("show") if request.args.get("show") in SHOW else "open"
    return render_template("reports/actions.html", title="Improvement actions", actions=_actions(show),
                           show=show, shows=SHOW, sources=ACTION_SOURCES, statuses=ACTION_STATUSES,
                           today=today(), owners=improvement.eligible_owners(db.session), errors=errors or {},
                           values=values or {}, form_errors=errors, can_change=may("change_improvement"))


@bp.get("/actions")
def actions():
    return _actions_page()


@bp.post("/actions")
def raise_action():
    return _attempt(lambda: improvement.raise_action(db.session, current_user, request.form),
                    "Improvement action raised", url_for(".actions"), _actions_page)


def _action(action_id: int) -> ImprovementAction:
    return db.session.get(ImprovementAction, action_id) or abort(404)


def _action_page(action, errors=None, values=None):
    return render_template("reports/action.html", title=f"Improvement action {action.id}", action=action,
                           sources=ACTION_SOURCES, statuses=ACTION_STATUSES, errors=errors or {},
                           form_errors=errors, values=values or {}, today=today(),
                           can_update=action.owner_id == current_user.id
                           or may("change_improvement"))


@bp.get("/actions/<int:action_id>")
def action(action_id: int):
    return _action_page(_action(action_id))


@bp.post("/actions/<int:action_id>")
def update_action(action_id: int):
    found = _action(action_id)
    return _attempt(lambda: improvement.update_action(db.session, current_user, found, request.form, today()),
                    "Improvement action updated", url_for(".action", action_id=found.id),
                    lambda e, v: _action_page(found, e, v))


def _ombudsman_page(errors=None, values=None):
    newest_first = select(OmbudsmanEnquiry).order_by(OmbudsmanEnquiry.received_on.desc())
    enquiries = db.session.scalars(newest_first).all()
    return render_template("reports/ombudsman.html", title="Ombudsman enquiries", enquiries=enquiries,
                           decisions=OMBUDSMAN_DECISIONS, errors=errors or {}, form_errors=errors,
                           values=values or {}, can_change=may("change_improvement"))


@bp.get("/ombudsman")
def ombudsman():
    return _ombudsman_page()


@bp.post("/ombudsman")
def record_enquiry():
    return _attempt(lambda: improvement.record_ombudsman_enquiry(db.session, current_user, request.form),
                    "Ombudsman enquiry recorded", url_for(".ombudsman"), _ombudsman_page)


def _enquiry(enquiry_id: int) -> OmbudsmanEnquiry:
    return db.session.get(OmbudsmanEnquiry, enquiry_id) or abort(404)


def _enquiry_page(enquiry, errors=None, values=None):
    return render_template("reports/enquiry.html", title=f"Ombudsman enquiry {enquiry.lgsco_reference}",
                           enquiry=enquiry, decisions=OMBUDSMAN_DECISIONS, statuses=ACTION_STATUSES,
                           owners=improvement.eligible_owners(db.session), errors=errors or {},
                           form_errors=errors, values=values or {}, today=today(),
                           can_change=may("change_improvement"))


@bp.get("/ombudsman/<int:enquiry_id>")
def enquiry(enquiry_id: int):
    return _enquiry_page(_enquiry(enquiry_id))


@bp.post("/ombudsman/<int:enquiry_id>/decision")
def decide(enquiry_id: int):
    found = _enquiry(enquiry_id)
    return _attempt(lambda: improvement.record_ombudsman_decision(db.session, current_user, found,
                                                                  request.form),
                    "Decision recorded", url_for(".enquiry", enquiry_id=found.id),
                    lambda e, v: _enquiry_page(found, e, v))


@bp.post("/ombudsman/<int:enquiry_id>/recommendations")
def recommend(enquiry_id: int):
    found = _enquiry(enquiry_id)
    return _attempt(lambda: improvement.raise_action(db.session, current_user, request.form, enquiry=found),
                    "Recommendation recorded", url_for(".enquiry", enquiry_id=found.id),
                    lambda e, v: _enquiry_page(found, e, v))

"""The customer's status page: a secret link, or the reference with the code we sent them."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from models.reporting import OUTCOMES
from processes.cases.customer import (REVIEWABLE_CLOSED, case_by_reference, case_by_token, request_review,
                                      withdraw_case)
from processes.cases.promises import (Promise, final_response, next_promise, promises_made, review_until,
                                      stage_of)
from processes.messaging.outbox import customer_messages
from processes.records.audit import audit
from processes.throttle import TooManyTries

from ..extensions import db, writes
from ..formatting import calendar, due_date
from ..limits import client_address, retry_after, status_caps
from ..unit_of_work import keep_even_if_refused, on_refusal

bp = Blueprint("status", __name__, url_prefix="/status")


LINK_NOT_RIGHT = "This link has expired or is not right: enter your reference and code"


class _NoCase(Exception):
    """A wrong, unknown or expired link: the same answer for each."""


@bp.errorhandler(_NoCase)
def _to_the_form(_exc):
    flash(LINK_NOT_RIGHT, "error")
    return redirect(url_for(".find"))


def _case(token: str):
    case = case_by_token(db.session, token, current_app.config["RETENTION_YEARS"])
    if case is None:
        raise _NoCase()
    return case


@bp.route("/", methods=["GET", "POST"])
def find():
    errors, code, headers = {}, 200, {}
    if request.method == "POST":
        keep_even_if_refused()  # wrong codes are counted and audited although the answer is an error
        try:
            case = case_by_reference(db.session, request.form.get("reference", ""),
                                     request.form.get("code", ""), current_app.config["RETENTION_YEARS"],
                                     client_address(), status_caps())
        except TooManyTries as stopped:
            errors["reference"], code = str(stopped), 429
            headers["Retry-After"] = retry_after(stopped.retry_at)
        else:
            if case is not None:
                return redirect(url_for(".show", token=case.status_token))
            errors["reference"], code = ("We could not find a comment with that reference and code. "
                                         "Check both and try again"), 400
    return render_template("status/find.html", title="Check the progress of your comment", errors=errors,
                           form_errors=errors, values=request.form), code, headers


@bp.get("/<token>")
@writes  # audits the view
def show(token: str):
    case = _case(token)
    audit(db.session, "customer (status page)", "view", "The customer viewed their status page",
          case.reference)
    promise = next_promise(case)
    return render_template("status/show.html", title=f"Your {case.comment_type} {case.reference}", case=case,
                           messages=customer_messages(db.session, case.id), token=token,
                           reviewable_closed=REVIEWABLE_CLOSED, promise=promise, then=_then(case, promise),
                           review_until=review_until(case, calendar()), final=final_response(case),
                           stage1=stage_of(case, "stage1"),
                           outcomes=OUTCOMES, now=datetime.now(timezone.utc))


def _then(case, promise: Promise | None) -> Promise | None:
    """While an acknowledgement is awaited, the response promised after it (as the confirmation page gave
    it)."""
    return promises_made(case)[1] if promise is not None and promise.action == "acknowledge" else None


@bp.post("/<token>/review")
def review(token: str):
    case = _case(token)
    on_refusal(url_for(".show", token=token))  # bad reasons say their first problem there
    started = request_review(db.session, case, request.form.get("reasons", ""))
    flash(_review_started(case) if started else "We have passed your request for a review to our Customer "
          "Relations Officer, who will contact you", "success")
    return redirect(url_for(".show", token=token))


def _review_started(case) -> str:
    """What we now promise: the acknowledgement date of the stage 2 the request started (its stage row)."""
    db.session.expire(case, ["stages", "ready_tasks"])  # written by the request: read again
    promise = next_promise(case)
    acknowledging = promise is not None and promise.action == "acknowledge" and promise.due_at is not None
    when = f" by {due_date(promise.due_at)}" if acknowledging else " as soon as we can"
    return f"A more senior officer will review your complaint. We will acknowledge your request{when}"


@bp.post("/<token>/withdraw")
def withdraw(token: str):
    case = _case(token)
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm that you want to withdraw", "error")
        return redirect(url_for(".show", token=token) + "#withdraw")
    on_refusal(url_for(".show", token=token))
    withdraw_case(db.session, case)
    flash("You have withdrawn your comment. We have closed it", "success")
    return redirect(url_for(".show", token=token))

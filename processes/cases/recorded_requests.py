"""The CRO recording a withdrawal or a stage 2 request the customer made by phone or letter: the same
operations as the customer's own from their status page (processes.cases.customer), with who took it."""
from __future__ import annotations

from datetime import datetime
from typing import Mapping

from sqlalchemy.orm import Session

from models import Case, User
from processes.access import require
from processes.cases.customer import REVIEWABLE_CLOSED, TAKEN_BY, Taken, request_review, withdraw_case
from processes.errors import InvalidInput
from processes.policy.calendar import LONDON
from processes.typed import date_from_parts

REQUESTS = {"withdraw": "To withdraw their comment", "stage2": "A stage 2 review of their complaint"}


def can_record_request(case: Case) -> bool:
    """Whether the customer could still make either request: the case is open, or a complaint closed before
    its stage 2."""
    return case.status == "open" or (case.comment_type == "complaint" and case.outcome in REVIEWABLE_CLOSED)


def read_taken(actor: User, case: Case, form: Mapping[str, str]) -> tuple[str, Taken]:
    """What the customer asked, how and when, as the form sent it; every problem beside its field at once."""
    errors, what, how = {}, form.get("taken_request", ""), form.get("taken_how", "")
    if what not in REQUESTS or (what == "stage2" and case.comment_type != "complaint"):
        errors["taken_request"] = "Select what the customer asked for"
    if how not in TAKEN_BY:
        errors["taken_how"] = "Select how the customer asked"
    received = date_from_parts(*(form.get(f"taken_on-{part}") for part in ("year", "month", "day")))
    if received is None:
        errors["taken_on"] = "Enter the date it was received as a real date, like 27 3 2026"
    elif received > datetime.now(LONDON).date():
        errors["taken_on"] = "The date it was received must be today or in the past"
    elif received < case.received_at.astimezone(LONDON).date():
        errors["taken_on"] = "The date it was received must be on or after the day the comment was received"
    if len(form.get("taken_reasons", "")) > 5000:
        errors["taken_reasons"] = "The reasons must be 5,000 characters or fewer"
    if errors:
        raise InvalidInput(errors, dict(form))
    return what, Taken(actor, how, received)


def record_customer_request(session: Session, actor: User, case: Case, form: Mapping[str, str]) -> str:
    """Record the request and act on it as the status page would; what happened, for the officer."""
    require(actor, "act_on_cases", "Only the Customer Relations Officer can record a customer's request")
    what, taken = read_taken(actor, case, form)
    if what == "withdraw":
        withdraw_case(session, case, taken=taken)
        return "Withdrawal recorded: the case is closed"
    if request_review(session, case, form.get("taken_reasons", ""), taken=taken):
        return "Stage 2 request recorded: stage 2 has started"
    return ("Stage 2 request recorded. It came after the escalation window closed: accept it below if "
            "there is no good reason to refuse it")

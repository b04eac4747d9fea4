"""The facts the management figures need, recorded as the procedure runs (same transaction, no workflow
reads).

The shipped forms say what a step means: an acknowledgement form acknowledges, a response form answers
and carries the outcome and remedies. A task's `stage` property names the complaint stage; queries,
suggestions and compliments have one stage, "response".
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterable, Mapping

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, sessionmaker

from models import Case, CaseRemedy, CaseStage, ReadyTask
from processes.policy.calendar import WorkingCalendar, as_utc
from processes.reporting.annual import reasons_not_taken

ACK_FORMS = ("first_contact", "acknowledgement")
RESPONSE_FORMS = ("stage1_response", "stage2_response", "query_answer", "suggestion_decision",
                  "compliment_pass_on")
# What ends stage 1 at first contact, as the outcome is stored: a request for service (recorded and counted,
# as the Code asks), a complaint not for this procedure, a duplicate of another case.
FIRST_CONTACT_OUTCOMES = {"resolved": "resolved", "signpost": "signposted",
                          "service_request": "service_request", "duplicate": "duplicate"}
# Of those, the outcomes that found the comment was no complaint to handle: not counted in how complaints
# were acknowledged (the service request and the signposted case are counted on their own).
NOT_HANDLED_AS_COMPLAINTS = ("signposted", "service_request", "duplicate")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def stage_row(session: Session, case: Case, stage: str | None, new_case: bool = False) -> CaseStage:
    """The case's row for a stage, made when the stage starts (stage 2 starts when it is asked for).
    A case made in this transaction has no row to look up: `new_case` makes it without asking the database."""
    stage = stage or "response"
    known = session.info.setdefault("stage_rows", {})  # this transaction's: found or made, flushed or not
    row = known.get((case, stage))  # by the case itself: a new one has no id until it is flushed
    if row is None and not new_case:
        if "stages" in case.__dict__:  # loaded with the case (processes.procedure.load_step)
            row = next((r for r in case.stages if r.stage == stage), None)
        if row is None:  # not loaded, or begun since (a stage 2 asked for earlier in this transaction)
            row = session.scalar(select(CaseStage).filter_by(case_id=case.id, stage=stage))
    if row is None:
        started = case.received_at if stage != "stage2" else _now()
        row = CaseStage(case=case, stage=stage, started_at=started, extension_days=0,
                        received_at=case.received_at, comment_type=case.comment_type, channel=case.channel,
                        service_area=case.service_area, category=case.category)
        session.add(row)
    known[(case, stage)] = row
    return row


def listen_on(sessions: sessionmaker) -> None:
    """Each transaction of the factory's sessions starts with no stage rows remembered."""
    event.listen(sessions, "after_transaction_end", _forget_stage_rows)


def _forget_stage_rows(session: Session, _transaction) -> None:
    session.info.pop("stage_rows", None)


def record_tasks_ready(session: Session, case: Case, tasks: Iterable[ReadyTask],
                       new_case: bool = False) -> None:
    """A new task's due time is the stage's acknowledgement or response deadline (moved by extensions)."""
    for task in tasks:
        if task.form_name not in ACK_FORMS + RESPONSE_FORMS:
            continue
        row = stage_row(session, case, task.stage, new_case)  # one row per stage: stage_row remembers it
        if task.form_name in ACK_FORMS and row.acknowledged_at is None:
            row.ack_due_at = task.due_at
        elif task.form_name in RESPONSE_FORMS and task.due_at is not None:
            row.response_due_at = row.promised_response_at = task.due_at


def record_promised_dues(session: Session, case: Case, dues: Iterable[tuple[Mapping[str, str], datetime]],
                         stages: set[str], new_case: bool = False) -> None:
    """The response date of each stage a ready task is at, from the workflow's data, for the customer."""
    for props, due_at in dues:
        stage = props.get("stage") or "response"
        if props.get("form") in RESPONSE_FORMS and stage in stages:
            row = stage_row(session, case, stage, new_case)
            if row.responded_at is None:
                row.promised_response_at = due_at


def record_task_done(session: Session, case: Case, form_name: str | None, stage: str | None,
                     values: Mapping[str, Any], calendar: WorkingCalendar) -> None:
    """What a completed task tells the figures: acknowledged, answered, outcome and remedies."""
    if form_name == "acknowledgement":
        _acknowledge(stage_row(session, case, stage), _now())
    elif form_name == "first_contact":
        row = stage_row(session, case, stage)
        _first_contact(row, values, calendar)
        if values.get("first_contact_outcome") == "signpost":
            row.not_taken_reason = _reason_key(case, values.get("signpost_reason"))
    elif form_name in RESPONSE_FORMS:
        row = stage_row(session, case, stage)
        _respond(row, _outcome(form_name, values), calendar)
        if row.stage != "response":
            _remedies(session, case, row.stage, values)


def _first_contact(row: CaseStage, values: Mapping[str, Any], calendar: WorkingCalendar) -> None:
    """A resolution the customer is satisfied with ends the stage; one they are not goes on to formal
    handling, which acknowledges and answers the stage later. Forms of older versions never asked."""
    outcome = values.get("first_contact_outcome")
    if outcome == "resolved":
        row.first_contact = "dissatisfied" if values.get("first_contact_satisfied") == "no" else "satisfied"
        if row.first_contact == "dissatisfied":
            return
    if outcome in FIRST_CONTACT_OUTCOMES:
        _acknowledge(row, _now())
        _respond(row, FIRST_CONTACT_OUTCOMES[outcome], calendar)


def _reason_key(case: Case, reason: Any) -> str | None:
    """A reason from the list of the case's form; an older form's free text is no reason to count by."""
    form = (case.process_version.forms or {}).get("first_contact", {})
    return reason if reason in {r["key"] for r in reasons_not_taken(form)} else None


def _outcome(form_name: str, values: Mapping[str, Any]) -> str:
    return {"query_answer": "answered", "compliment_pass_on": "passed_on",
            "suggestion_decision": values.get("suggestion_decision")}.get(
        form_name, values.get(form_name.replace("_response", "_outcome")))


def _acknowledge(row: CaseStage, at: datetime) -> None:
    if row.acknowledged_at is None:
        row.acknowledged_at = at
        row.ack_in_time = None if row.ack_due_at is None else at < as_utc(row.ack_due_at)


def _respond(row: CaseStage, outcome: str | None, calendar: WorkingCalendar) -> None:
    at = _now()
    row.responded_at, row.outcome = at, outcome
    row.response_in_time = None if row.response_due_at is None else at < as_utc(row.response_due_at)
    # Day 0 is the day the stage started (the next working day if after close of business).
    responded_on = at.astimezone(calendar.tz).date()
    row.working_days_to_respond = calendar.working_days_between(calendar.day_zero(row.started_at),
                                                                responded_on)


def _remedies(session: Session, case: Case, stage: str, values: Mapping[str, Any]) -> None:
    amount = values.get(f"{stage}_financial_amount")
    for remedy in values.get(f"{stage}_remedies") or ():
        money = Decimal(str(amount)) if remedy == "financial" and amount is not None else None
        session.add(CaseRemedy(case_id=case.id, stage=stage, remedy=remedy, amount=money))


def record_extension(session: Session, case: Case, stage: str | None, working_days: int) -> None:
    row = stage_row(session, case, stage)
    row.extension_days = (row.extension_days or 0) + working_days


def forget_response(session: Session, case: Case, form_name: str | None, stage: str | None) -> None:
    """A response undone (the case reopened at its response task): its figures wait for the new answer, so a
    response given twice counts once, with the remedies of the second."""
    if form_name not in RESPONSE_FORMS and form_name != "first_contact":
        return
    row = stage_row(session, case, stage)
    row.responded_at = row.outcome = row.response_in_time = row.working_days_to_respond = None
    session.execute(delete(CaseRemedy).where(CaseRemedy.case_id == case.id,
                                             CaseRemedy.stage == (stage or "response")))

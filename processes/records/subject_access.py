"""Subject access requests: logged with their one-calendar-month due date, answered or withdrawn, watched by
the timer worker (a reminder 5 working days before the due date, a notification on it), and the requester's
details erased once a closed request's retention has passed. History and audit lines name the request by its
number, never the person."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage, User, UserRole
from models.subject_access import SubjectAccessRequest
from processes.access import CRO, require
from processes.errors import InvalidInput
from processes.policy.calendar import LONDON, WorkingCalendar, add_years, one_calendar_month_after
from processes.policy.settings import load_calendar
from processes.records.audit import audit
from processes.records.exports import find_customer_cases
from processes.typed import date_from_parts, is_email_address

REMINDER_WORKING_DAYS = 5
_WHO = "Only those who export records log and answer subject access requests"


def _text(errors: dict, values: Mapping, name: str, limit: int, message: str | None = None) -> str:
    text = str(values.get(name) or "").strip()
    if message and not text:
        errors[name] = message
    elif len(text) > limit:
        errors[name] = f"This must be {limit:,} characters or fewer"
    return text


def log_request(session: Session, actor: User, values: Mapping, today: date) -> SubjectAccessRequest:
    """Log a request received on a given day; it is due one calendar month later."""
    require(actor, "export_records", _WHO)
    errors: dict[str, str] = {}
    name = _text(errors, values, "requester_name", 200, "Enter the full name of the person asking")
    contact = _text(errors, values, "requester_contact", 500, "Enter how to reach the person asking")
    email = _text(errors, values, "search_email", 320)
    phone = _text(errors, values, "search_phone", 40)
    if email and not is_email_address(email):
        errors["search_email"] = "Enter an email address in the correct format, like name@example.com"
    received = date_from_parts(values.get("received_on-year"), values.get("received_on-month"),
                               values.get("received_on-day"))
    if received is None:
        errors["received_on"] = "Enter the date the request was received as a real date, like 27 3 2026"
    elif received > today:
        errors["received_on"] = "The date the request was received must be today or in the past"
    if errors:
        raise InvalidInput(errors, dict(values))
    request = SubjectAccessRequest(requester_name=name, requester_contact=contact, search_name=name,
                                   search_email=email or None, search_phone=phone or None,
                                   received_on=received, due_on=one_calendar_month_after(received),
                                   logged_by_id=actor.id)
    session.add(request)
    session.flush()
    audit(session, actor, "subject access request",
          f"Subject access request {request.id} logged: received {received:%-d %B %Y}, "
          f"due {request.due_on:%-d %B %Y}")
    return request


def open_requests(session: Session) -> list[SubjectAccessRequest]:
    """Open requests, the earliest due (so the overdue ones) first."""
    return list(session.scalars(select(SubjectAccessRequest).filter_by(status="open")
                                .order_by(SubjectAccessRequest.due_on, SubjectAccessRequest.id)))


def search_terms(request: SubjectAccessRequest) -> dict[str, str]:
    """The search the request was logged with, as the subject access page's fields take it."""
    return {"email": request.search_email or "", "name": request.search_name or "",
            "phone": request.search_phone or ""}


def close_request(session: Session, actor: User, request: SubjectAccessRequest, status: str,
                  now: datetime) -> SubjectAccessRequest:
    """Mark an open request answered (recording how many cases its search finds: the export given) or
    withdrawn."""
    require(actor, "export_records", _WHO)
    if status not in ("answered", "withdrawn"):
        raise InvalidInput({"status": "Select whether the request was answered or withdrawn"})
    if request.status != "open":
        raise InvalidInput({"status": f"This request is already {request.status_label.lower()}"})
    request.status, request.closed_at = status, now
    if status == "answered":
        request.answered_at, request.answered_by_id = now, actor.id
        terms = search_terms(request)
        request.cases_exported = len(find_customer_cases(session, actor, **terms)) if any(
            terms.values()) else 0
    session.flush()
    done = (f"answered, with the export of {request.cases_exported} cases" if status == "answered"
            else "withdrawn")
    audit(session, actor, "subject access request", f"Subject access request {request.id} {done}")
    return request


def _start_of(calendar: WorkingCalendar, day: date) -> datetime:
    return datetime.combine(day, time(0), calendar.tz).astimezone(timezone.utc)


def reminder_due_at(calendar: WorkingCalendar, request: SubjectAccessRequest) -> datetime:
    """The start of the working day 5 working days before the due date."""
    return calendar.working_days_before(calendar.end_of_day(request.due_on), REMINDER_WORKING_DAYS)


def _email(session: Session, to_name: str | None, to_address: str, subject: str, body: str,
           now: datetime) -> None:
    session.add(OutboxMessage(audience="staff", channel="email", template="staff_subject_access",
                              to_name=to_name, to_address=to_address, subject=subject, body=body,
                              status="pending", next_attempt_at=now))


def _cros(session: Session) -> list[User]:
    return list(session.scalars(select(User).join(UserRole).where(UserRole.role == CRO,
                                                                 User.active.is_(True))))


def _tell(session: Session, request: SubjectAccessRequest, people: list[User], extra: str | None,
          subject: str, url: str, now: datetime) -> None:
    body = (f"{subject}.\n\nReceived: {request.received_on:%-d %B %Y}\nDue by: {request.due_on:%-d %B %Y}\n\n"
            f"The open requests: {url}/records/subject-access-requests")
    seen: set[str] = set()
    for person in people:
        if person.active and person.email and person.email.lower() not in seen:
            seen.add(person.email.lower())
            _email(session, person.name, person.email, subject, body, now)
    if extra and extra.lower() not in seen:
        _email(session, "Data protection officer", extra, subject, body, now)


def watch_requests(session: Session, now: datetime, url: str,
                   dpo_email: str | None = None) -> tuple[int, int]:
    """Send each open request's reminder (to its logger and the CRO) and its due-date notification (to the
    CRO, and to the data protection officer if one is set), each once: (reminders, due notices) sent."""
    today = now.astimezone(LONDON).date()
    # 5 working days before the due date is at most three weeks before it, closures over Christmas included.
    soon = today + timedelta(days=21)
    candidates = session.scalars(select(SubjectAccessRequest).where(
        SubjectAccessRequest.status == "open", SubjectAccessRequest.due_on <= soon,
        (SubjectAccessRequest.reminded_at.is_(None)) | (SubjectAccessRequest.overdue_notified_at.is_(None)))
        .order_by(SubjectAccessRequest.due_on).with_for_update(skip_locked=True))
    reminded = overdue = 0
    calendar = None  # read only when a request is near its date: the worker asks every second
    for request in candidates:
        calendar = calendar or load_calendar(session)
        if request.overdue_notified_at is None and now >= _start_of(calendar, request.due_on):
            _tell(session, request, _cros(session), dpo_email,
                  f"Subject access request {request.id} is due today and not answered", url, now)
            request.overdue_notified_at = now
            request.reminded_at = request.reminded_at or now  # a reminder after the due date helps no one
            overdue += 1
            audit(session, "timer", "subject access request",
                  f"Subject access request {request.id}: due today and not answered, the CRO told")
        elif request.reminded_at is None and now >= reminder_due_at(calendar, request):
            _tell(session, request, [request.logged_by, *_cros(session)], None,
                  f"Subject access request {request.id} is due in {REMINDER_WORKING_DAYS} working days", url,
                  now)
            request.reminded_at = now
            reminded += 1
            audit(session, "timer", "subject access request",
                  f"Subject access request {request.id}: reminder sent, due {request.due_on:%-d %B %Y}")
    session.flush()
    return reminded, overdue


def erase_closed_requests(session: Session, now: datetime, years: int) -> int:
    """Erase the requester's details from requests closed more than `years` ago; how many were erased."""
    closed = session.scalars(select(SubjectAccessRequest).where(
        SubjectAccessRequest.closed_at <= add_years(now, -years),
        SubjectAccessRequest.requester_erased_at.is_(None)))
    erased = 0
    for request in closed:
        request.requester_name = request.requester_contact = None
        request.search_email = request.search_name = request.search_phone = None
        request.requester_erased_at = now
        erased += 1
    if erased:
        session.flush()
        audit(session, "retention", "subject access request",
              f"Details of the person asking erased from {erased} closed subject access request(s)")
    return erased

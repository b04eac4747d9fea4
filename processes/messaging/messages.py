"""Messages to customers and staff: templates (data the process owner edits), rendering, the outbox."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from jinja2 import ChainableUndefined, TemplateError
from sqlalchemy import Integer, bindparam, cast, insert, literal, select
from sqlalchemy.orm import Session

from models import POINT_OUTCOMES, Case, OutboxMessage, User, UserRole
from processes.access import sees_area_by_role
from processes.datafiles import load_folder
from processes.engine.sandbox_limits import LimitExceeded
from processes.errors import ProcedureError
from processes.messaging.addresses import customer_recipients
from processes.messaging.template_bounds import BoundedEnvironment, render_bounded
from processes.policy.calendar import LONDON, as_utc, long_date
from processes.policy.settings import ombudsman_details

SHIPPED_MESSAGES = Path(__file__).resolve().parents[2] / "messages"
OUTCOMES = {"upheld": "Upheld", "partly_upheld": "Partly upheld", "not_upheld": "Not upheld"}
REMEDIES = {"apology": "an apology", "explanation": "an explanation", "action": "action to put things right",
            "changed_decision": "a changed decision", "corrected_record": "a corrected record",
            "financial": "a financial remedy", "changed_policy": "a change to our policy or procedure"}


# Messages the app sends to customers outside any diagram (a promised remedy done): from the shipped folder.
APP_MESSAGES = frozenset({"remedy_done"})
SITE_KEY = "site"  # in session.info: see processes.sessions


@dataclass(frozen=True)
class Site:
    """Where one app's messages link to and whose name they sign with (its BASE_URL and COUNCIL_NAME)."""
    url: str
    council: str

    def __post_init__(self):
        object.__setattr__(self, "url", self.url.rstrip("/"))


def site_of(session: Session) -> Site:
    """The site of the app that opened `session`."""
    try:
        return session.info[SITE_KEY]
    except KeyError:
        raise LookupError("this session has no site: open it with "
                          "processes.sessions.session_factory") from None


class MessageTemplateError(ProcedureError):
    """A message template could not be rendered."""


def load_templates(directory: Path = SHIPPED_MESSAGES) -> dict[str, dict[str, str]]:
    """Every `*.json` template (subject and body, Jinja text) in a folder, checked, keyed by file stem."""
    return load_folder(directory, check_template)


def check_template(name: str, template: Mapping[str, Any]) -> None:
    if not isinstance(template.get("subject"), str) or not isinstance(template.get("body"), str):
        raise MessageTemplateError(f"message template {name} needs a subject and a body")
    try:
        _ENV.parse(template["subject"])
        _ENV.parse(template["body"])
        render(template, {})  # a trial: a template that loops for ever or writes gigabytes is refused now
    except (TemplateError, MessageTemplateError) as exc:
        raise MessageTemplateError(f"message template {name}: {exc}") from exc


def _due_date(value: str | None) -> str:
    if not value:
        return "the date we have given you"
    return (as_utc(value) - timedelta(seconds=1)).astimezone(LONDON).strftime("%A %-d %B %Y")


def _when(value: str | None) -> str:
    if not value:
        return ""
    local = as_utc(value).astimezone(LONDON)
    return f"{local:%-d %B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def _is_past(value: str | None) -> bool:
    """`{% if stage1_response_due is past %}`: the moment has come by the time the message is written."""
    return bool(value) and as_utc(value) <= datetime.now(timezone.utc)


# The process owner writes templates, so they are rendered in Jinja's sandbox (no attribute tricks), with the
# scripts' bounds on size, steps, time and memory.
_ENV = BoundedEnvironment(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=False)
_ENV.filters.update(due_date=_due_date, when=_when)
_ENV.tests.update(past=_is_past)
_ENV.globals.update(outcome_label=lambda v: OUTCOMES.get(v, v or ""),
                    remedy_labels=lambda vs: ", ".join(REMEDIES.get(v, v) for v in vs or []))


@lru_cache(maxsize=512)
def _compiled(source: str):
    """Templates are immutable text stored with their version: compile each once per process."""
    return _ENV.from_string(source)


def render(template: Mapping[str, str], context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and body of a message; names a template uses but the case lacks read as empty."""
    try:
        subject = render_bounded(_compiled(template["subject"]), context).strip()
        body = render_bounded(_compiled(template["body"]), context).strip()
    except (TemplateError, TypeError, ValueError, AttributeError, LimitExceeded) as exc:  # a non-date, say
        reason = str(exc).replace("the script", "the template")  # the bounds are the scripts' own
        raise MessageTemplateError(f"a message could not be written: {reason}") from exc
    return subject, body


def issue_status_access(case: Case) -> None:
    """A secret link for the customer's status page, and a short code to use with the reference."""
    case.status_token = secrets.token_urlsafe(24)
    case.access_code = f"{secrets.randbelow(10**6):06d}"


def status_url(site: Site, case: Case) -> str:
    return f"{site.url}/status/{case.status_token}" if case.status_token else f"{site.url}/status"


def queue_customer_message(session: Session, case: Case, template_name: str, data: Mapping[str, Any],
                           officer: str | None, holder: str | None = None) -> OutboxMessage:
    """Write one message to the customer into the outbox: an email, a letter to post, or a note that
    the customer left no way to reach them. `officer` did the step; `holder` has the case now ("a senior
    officer": the step may have ended in an escalation)."""
    templates = case.process_version.messages or {}
    if template_name not in templates and template_name in APP_MESSAGES:
        templates = _shipped_templates()
    if template_name not in templates:
        raise MessageTemplateError(f"there is no message template called {template_name!r}")
    site = site_of(session)
    context = {**data, "reference": case.reference, "customer_name": case.customer_name, "officer": officer,
               "council": site.council, "status_url": status_url(site, case),
               "status_page": f"{site.url}/status", "access_code": case.access_code, "holder": holder,
               "points": points_for_message(case)}
    template = templates[template_name]
    if "ombudsman" in template["subject"] + template["body"]:  # read only for the messages that name them
        context["ombudsman"] = ombudsman_details(session)
    if "remedy_actions" in template["body"]:  # loaded only for the responses that list them
        context["remedy_actions"] = remedy_actions_for_message(case)
    subject, body = render(template, context)
    representative, copied_to = customer_recipients(case)
    if representative is not None:  # the consent covers replies: they go to the representative
        message = _queue(session, case, template_name, subject, on_behalf(representative, case) + body,
                         representative.name, *_way_to(representative.email, representative.address, None))
    else:
        message = _queue(session, case, template_name, subject, body, case.customer_name,
                         *_way_to(case.customer_email, case.customer_address, case.preferred_contact))
        for copied in copied_to:
            _queue(session, case, template_name, f"Copy: {subject}", on_behalf(copied, case) + body,
                   copied.name, *_way_to(copied.email, copied.address, None))
    return message


def points_for_message(case: Case) -> list[dict[str, Any]]:
    """The points of the complaint's latest stage that has any (processes.cases.points records them), as
    templates read them: `{% for p in points %}{{ p.number }}. {{ p.text }}: {{ p.outcome_label }}`."""
    if not case.points:
        return []
    latest = max(p.stage for p in case.points)
    return [{"number": p.number, "text": p.text or "", "outcome": p.outcome or "",
             "outcome_label": POINT_OUTCOMES.get(p.outcome or "", ""), "reasons": p.reasons or ""}
            for p in sorted(case.points, key=lambda p: p.number) if p.stage == latest]


def remedy_actions_for_message(case: Case) -> list[dict[str, Any]]:
    """The remedies promised and not yet done (processes.cases.remedy_actions), soonest first, as templates
    read them: `{% for a in remedy_actions %}We will {{ a.what }} by {{ a.due_label }}.{% endfor %}`; each
    response lists its own stage's (`a.stage`)."""
    return [{"stage": a.stage, "what": a.what or "", "due_on": a.due_on.isoformat(),
             "due_label": long_date(a.due_on)}
            for a in sorted(case.remedy_actions, key=lambda a: (a.due_on, a.stage, a.number))
            if a.state == "open"]


def on_behalf(representative, case: Case) -> str:
    return (f"You are receiving this message on behalf of {case.customer_name or 'the customer'}, "
            f"who has given their consent.\n\n")


def _way_to(email: str | None, address: str | None, preferred: str | None) -> tuple[str, str | None, str]:
    if email and preferred in (None, "email"):
        return "email", email, "pending"
    if address:
        return "letter", address, "to_post"
    if email:
        return "email", email, "pending"
    return "none", None, "no_contact"


def _queue(session: Session, case: Case, template_name: str, subject: str, body: str, to_name: str | None,
           channel: str, address: str | None, status: str) -> OutboxMessage:
    message = OutboxMessage(case=case, audience="customer", channel=channel, template=template_name,
                            to_name=to_name, to_address=address, subject=subject[:300], body=body,
                            status=status,
                            next_attempt_at=datetime.now(timezone.utc) if status == "pending" else None)
    session.add(message)
    return message


@lru_cache(maxsize=1)
def _shipped_templates() -> Mapping[str, Mapping[str, str]]:
    """The shipped folder's templates, read once per process (the staff messages are not process data)."""
    return MappingProxyType({name: MappingProxyType(template) for name, template in load_templates().items()})


def staff_template(name: str) -> Mapping[str, str]:
    return _shipped_templates()[name]


# Built once (every new task and notification asks): an email to each active member of a role, and of those to
# the ones whose roles show them a case in a given area (processes.access: sees_area_by_role), written by one
# INSERT ... SELECT (no round trip to read the members first, no ORM objects).
_MEMBERS = (select(User.name, User.email).join(UserRole)
            .where(UserRole.role == bindparam("role"), User.active.is_(True)))
_MEMBERS_FOR_CASE = _MEMBERS.where(sees_area_by_role(User.id, bindparam("area")))


def _staff_emails(members):
    outbox = OutboxMessage.__table__
    columns = ["case_id", "audience", "channel", "template", "to_name", "to_address", "subject", "body",
               "status", "attempts", "next_attempt_at", "created_at"]
    values = [cast(bindparam("case_id"), Integer), literal("staff"), literal("email"), literal("staff"),
              User.name, User.email, cast(bindparam("subject"), outbox.c.subject.type),
              cast(bindparam("body"), outbox.c.body.type), literal("pending"), literal(0),
              bindparam("now", type_=outbox.c.next_attempt_at.type),
              bindparam("now", type_=outbox.c.created_at.type)]
    return insert(outbox).from_select(columns, members.with_only_columns(*values), include_defaults=False)


_STAFF_EMAILS, _STAFF_EMAILS_FOR_CASE = _staff_emails(_MEMBERS), _staff_emails(_MEMBERS_FOR_CASE)


def queue_staff_message(session: Session, role: str, template_name: str, context: Mapping[str, Any],
                        case: Case | None = None) -> int:
    """An email to every active member of a role who may see the case (see processes.access.visible_cases);
    how many were queued."""
    url = site_of(session).url
    links = {"case_url": f"{url}/cases/{case.reference}" if case else url,
             "reference": case.reference if case else ""}
    subject, body = render(staff_template(template_name), {**links, **context})
    params = {"role": role, "subject": subject, "body": body, "now": datetime.now(timezone.utc),
              "case_id": case.id if case else None}
    if case is None:
        return session.execute(_STAFF_EMAILS, params).rowcount
    return session.execute(_STAFF_EMAILS_FOR_CASE, {**params, "area": case.service_area}).rowcount


def queue_officer_email(session: Session, user: User, template_name: str, context: Mapping[str, Any],
                        case: Case) -> OutboxMessage:
    """An email to one named officer about a case (a task assigned to them, a promised remedy overdue)."""
    url = site_of(session).url
    subject, body = render(staff_template(template_name), {"case_url": f"{url}/cases/{case.reference}",
                                                           "reference": case.reference, **context})
    message = OutboxMessage(case=case, audience="staff", channel="email", template="staff", to_name=user.name,
                            to_address=user.email, subject=subject[:300], body=body, status="pending",
                            next_attempt_at=datetime.now(timezone.utc))
    session.add(message)
    return message


def queue_new_task_emails(session: Session, case: Case, role: str, task_name: str, task_id: int,
                          due: str) -> int:
    return queue_staff_message(session, role, "staff_new_task", {
        "task": task_name, "due": due, "task_url": f"{site_of(session).url}/tasks/{task_id}"}, case)

"""Delivering the outbox over SMTP: retried with backoff, never sent twice, failures shown to the CRO."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import OutboxMessage, User
from processes.access import can_view_case, require, visible_cases
from processes.errors import Conflict, NotAllowed, NotFound
from processes.messaging.addresses import is_header_safe

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
STUCK_AFTER = timedelta(minutes=10)


class UnsafeHeader(ValueError):
    """A header value with CR or LF in it, which could add headers (`Bcc: ...`): never sent, never retried."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None
    port: int = 25
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = None
    sender: str = "customer.comments@example.org"
    timeout: float = 10
    ca_file: str | None = None  # a council's own certificate authority, if its mail server uses one


# Headers are not folded below the standard's hard limit of 998 characters. Python's folding of a subject
# of over 78 (as "Subject:" then the whole subject on the next line) reaches mail readers as a subject that
# starts with a space; our subjects are one line of a template, well within the limit.
POLICY = SMTP.clone(max_line_length=998)


def build_email(message: OutboxMessage, settings: SmtpSettings) -> EmailMessage:
    headers = {"From": settings.sender, "To": message.to_address or "", "Subject": message.subject}
    for name, value in headers.items():  # the forms refuse such addresses; this is the second defence
        if not is_header_safe(value):
            raise UnsafeHeader(f"the {name} header has a line break in it")
    email = EmailMessage(policy=POLICY)
    for name, value in headers.items():
        email[name] = value
    # A stable Message-ID: should a message ever be handed over twice, mail systems see one message.
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain=settings.sender.split("@")[-1])
    email.set_content(message.body)
    return email


def send_email(email: EmailMessage, settings: SmtpSettings) -> None:
    """Hand one email to the SMTP server; raises on any failure."""
    if not settings.host:
        raise ConnectionError("no mail server is configured (MAIL_HOST)")
    context = ssl.create_default_context(cafile=settings.ca_file)
    if settings.security == "tls":
        server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with server:
        if settings.security == "starttls":
            server.starttls(context=context)
        if settings.username:
            server.login(settings.username, settings.password or "")
        server.send_message(email)


def due_messages(session: Session, now: datetime, limit: int = 50) -> list[int]:
    query = (select(OutboxMessage.id).where(OutboxMessage.status == "pending",
                                            OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    return list(session.scalars(query))


def claim_message(session: Session, message_id: int, now: datetime) -> OutboxMessage | None:
    """Mark a message as being sent (committed by the caller before it goes), so no one sends it again."""
    query = select(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    message = session.scalar(query)
    if message is None:
        return None
    message.status, message.attempts = "sending", message.attempts + 1
    message.next_attempt_at = now + STUCK_AFTER
    session.flush()
    return message


def record_result(session: Session, message: OutboxMessage, error: Exception | None, now: datetime) -> None:
    """Sent, or back in the queue after a wait that doubles each time, or failed for good."""
    if error is None:
        message.status, message.sent_at, message.last_error = "sent", now, None
    elif message.attempts >= MAX_ATTEMPTS or isinstance(error, UnsafeHeader):
        message.status, message.last_error = "failed", f"{type(error).__name__}: {error}"
    else:
        wait = min(FIRST_RETRY * 2 ** (message.attempts - 1), LONGEST_WAIT)
        message.status, message.next_attempt_at = "pending", now + wait
        message.last_error = f"{type(error).__name__}: {error}"
    session.flush()


def give_up_stuck(session: Session, now: datetime) -> int:
    """A message left 'sending' by a worker that died may or may not have gone: never resend it blindly."""
    stuck = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sending",
                                                        OutboxMessage.next_attempt_at <= now)).all()
    for message in stuck:
        message.status = "failed"
        message.last_error = "The worker stopped while sending it: it may have gone. Check before resending."
    session.flush()
    return len(stuck)


def deliver_outbox(session: Session, settings: SmtpSettings, now: datetime, commit) -> tuple[int, int]:
    """Send what is due, one message per transaction; returns (sent, failed attempts)."""
    sent = failed = 0
    give_up_stuck(session, now)
    commit()
    for message_id in due_messages(session, now):
        message = claim_message(session, message_id, now)
        commit()  # from here on, no other worker will pick it up
        if message is None:
            continue
        try:
            send_email(build_email(message, settings), settings)
            error = None
            sent += 1
        except (OSError, smtplib.SMTPException, UnsafeHeader) as exc:
            error = exc
            failed += 1
        record_result(session, message, error, datetime.now(timezone.utc))
        commit()
    return sent, failed


def failed_messages(session: Session, user: User) -> list[OutboxMessage]:
    """The messages that could not be sent, about the cases this user may see (or about none)."""
    return list(session.scalars(select(OutboxMessage).outerjoin(OutboxMessage.case)
                                .where(OutboxMessage.status == "failed",
                                       or_(OutboxMessage.case_id.is_(None), visible_cases(user)))
                                .order_by(OutboxMessage.id)))


def resend_message(session: Session, actor: User, message_id: int) -> OutboxMessage:
    require(actor, "resend_messages", "Only the Customer Relations Officer can resend a message")
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("There is no such message")
    if message.case is not None and not can_view_case(session, actor, message.case):
        raise NotAllowed("This message is about a case you cannot see")
    if message.status != "failed":
        raise Conflict("This message is not one that failed")
    message.status, message.attempts, message.next_attempt_at = "pending", 0, datetime.now(timezone.utc)
    session.flush()
    return message


def mark_posted(session: Session, actor: User, message_id: int) -> OutboxMessage:
    require(actor, "post_letters", "Only front line officers and the CRO post letters")
    message = session.get(OutboxMessage, message_id)
    if message is None or message.channel != "letter":
        raise NotFound("There is no such letter")
    if message.case is not None and not can_view_case(session, actor, message.case):
        raise NotAllowed("This letter is for a case outside your service areas")
    if message.status != "to_post":
        raise Conflict("This letter has already been posted")
    message.status, message.sent_at = "posted", datetime.now(timezone.utc)
    session.flush()
    return message


def customer_messages(session: Session, case_id: int) -> list[OutboxMessage]:
    """What the customer has been sent (or posted), for their status page."""
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case_id, OutboxMessage.audience == "customer",
        OutboxMessage.status.in_(("sent", "posted"))).order_by(OutboxMessage.id)))

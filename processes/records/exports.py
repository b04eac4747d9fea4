"""Everything held about one case (for the Ombudsman) or one customer (a subject access request), as a zip."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import (Attachment, AuditEntry, Case, CaseEvent, CaseLink, ComplaintPoint, ConsentRecord,
                    Notification, OutboxMessage, RemedyAction, Representative, User)
from processes.access import can_view_case, require, visible_cases
from processes.errors import InvalidInput, NotAllowed
from processes.records import filestore
from processes.records.audit import audit

CASE_COLUMNS = [c.name for c in Case.__table__.columns
                if c.name not in ("workflow_state", "access_code", "status_token")]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _rows(session: Session, model, *where, order=None) -> list[dict[str, Any]]:
    columns = [c for c in model.__table__.columns]
    result = session.execute(select(*columns).where(*where).order_by(order if order is not None
                                                                     else model.id))
    return [{k: _plain(v) for k, v in row._asdict().items()} for row in result]


def case_record(session: Session, case: Case) -> dict[str, Any]:
    """The case's details, history, messages, notifications and audit entries as plain data."""
    names = dict(session.execute(select(User.id, User.name)).all())
    events = _rows(session, CaseEvent, CaseEvent.case_id == case.id)
    for event in events:
        event["actor"] = names.get(event.pop("actor_id"), "customer or system")
    return {
        "case": {name: _plain(getattr(case, name)) for name in CASE_COLUMNS},
        "process": {"key": case.process_version.process_key, "version": case.process_version.number,
                    "content_hash": case.process_version.content_hash},
        "current_tasks": [{"task": t.name, "role": t.role, "due_at": _plain(t.due_at),
                           "assigned_to": t.assigned_to.name if t.assigned_to else None}
                          for t in case.ready_tasks],
        "representatives": _rows(session, Representative, Representative.case_id == case.id),
        "linked_cases": linked_cases(session, case),
        "consent_history": _rows(session, ConsentRecord, ConsentRecord.representative_id.in_(
            select(Representative.id).where(Representative.case_id == case.id))),
        "points": _rows(session, ComplaintPoint, ComplaintPoint.case_id == case.id),
        "remedy_actions": _rows(session, RemedyAction, RemedyAction.case_id == case.id),
        "attachments": _rows(session, Attachment, Attachment.case_id == case.id),
        "history": events,
        "messages": _rows(session, OutboxMessage, OutboxMessage.case_id == case.id),
        "notifications": _rows(session, Notification, Notification.case_id == case.id),
        "audit": _rows(session, AuditEntry, AuditEntry.case_reference == case.reference),
    }


def linked_cases(session: Session, case: Case) -> list[dict[str, Any]]:
    """The cases linked to this one, as its page shows them: a duplicate's, a re-recorded comment's."""
    def stored(where) -> list[CaseLink]:
        return list(session.scalars(select(CaseLink).where(where).order_by(CaseLink.id)))
    links = [("duplicate of", link.linked_case, link.created_at)
             for link in stored(CaseLink.case_id == case.id)]
    links += [("repeated by", link.case, link.created_at)
              for link in stored(CaseLink.linked_case_id == case.id)]
    links += [("re-recorded from", case.rerecorded_from, None)] if case.rerecorded_from else []
    links += [("re-recorded as", other, None) for other in case.rerecorded_as]
    return [{"link": link, "reference": other.reference, "comment_type": other.comment_type,
             "linked_at": _plain(at)} for link, other, at in links]


def _zip(files: dict[str, str | bytes], stored: dict[str, Path] | None = None) -> bytes:
    """The zip of `files` (name: content) and `stored` (name: a file on disk, copied in chunks)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, path in (stored or {}).items():
            archive.write(path, name)
    return buffer.getvalue()


def _attachment_files(prefix: str, attachments: list[dict[str, Any]], directory: Path | None) -> dict:
    """The case's attachments checked for viruses, under names made safe for a zip (never a path)."""
    if directory is None:
        return {}
    return {f"{prefix}attachments/{number:02d}-{re.sub(r'[^A-Za-z0-9._ -]', '_', a['original_name'])[-100:]}":
            filestore.path_of(directory, a["sha256"])
            for number, a in enumerate(attachments, 1) if a["scan_state"] == "clean"}


def _message_files(prefix: str, messages: list[dict[str, Any]]) -> dict[str, str]:
    files = {}
    for number, m in enumerate(messages, 1):
        slug = re.sub(r"[^a-z0-9]+", "-", m["subject"].lower()).strip("-")[:40]
        files[f"{prefix}messages/{number:02d}-{m['channel']}-{slug}.txt"] = (
            f"To: {m['to_name'] or ''} {m['to_address'] or ''}\nSubject: {m['subject']}\nStatus: "
            f"{m['status']}\n"
            f"Written: {m['created_at']}\nSent: {m['sent_at'] or 'not sent'}\n\n{m['body']}\n")
    return files


def export_case_file(session: Session, actor: User, case: Case, readable: str,
                     attachments_dir: Path | None = None) -> bytes:
    """The Ombudsman's case file: readable summary, data, every message, the diagram of the case's version and
    the attachments checked for viruses (from `attachments_dir`)."""
    require(actor, "export_records", "Only the Customer Relations Officer exports case files")
    if not can_view_case(session, actor, case):
        raise NotAllowed("You cannot see this case")
    record = case_record(session, case)
    files = {"case-file.html": readable, "case.json": json.dumps(record, indent=2, ensure_ascii=False),
             f"diagram-{case.process_version.process_key}-v{case.process_version.number}.bpmn":
             case.process_version.bpmn_xml, **_message_files("", record["messages"])}
    audit(session, actor, "case file exported", "Exported the whole case file (for the Ombudsman)",
          case.reference)
    return _zip(files, _attachment_files("", record["attachments"], attachments_dir))


def find_customer_cases(session: Session, actor: User, email: str, name: str, phone: str) -> list[Case]:
    """Cases whose customer matches any of the details given (email and name ignore case; phone ignores
    spaces)."""
    require(actor, "export_records", "Only the Customer Relations Officer answers subject access requests")
    email, name, phone = email.strip().lower(), " ".join(name.split()).lower(), re.sub(r"\D", "", phone)
    if not (email or name or phone):
        raise InvalidInput({"email": "Enter the customer's email address, name or phone number"})
    digits = func.replace(func.replace(Case.customer_phone, " ", ""), "-", "")
    matches = [func.lower(Case.customer_email) == email if email else None,
               func.lower(Case.customer_name) == name if name else None,
               digits == phone if phone else None]
    # A representative is a person too: their own details find the cases they acted on.
    rep_digits = func.replace(func.replace(Representative.phone, " ", ""), "-", "")
    rep_matches = [func.lower(Representative.email) == email if email else None,
                   func.lower(Representative.name) == name if name else None,
                   rep_digits == phone if phone else None]
    matches.append(Case.representatives.any(or_(*[m for m in rep_matches if m is not None])))
    query = (select(Case).where(or_(*[m for m in matches if m is not None]), visible_cases(actor))
             .order_by(Case.received_at))
    return list(session.scalars(query))


def export_subject_access(session: Session, actor: User, cases: list[Case],
                          asked: Mapping[str, str], attachments_dir: Path | None = None) -> bytes:
    """Everything held about one customer across their cases, for a subject access request, with the
    attachments checked for viruses (from `attachments_dir`). `asked`: what the CRO searched by ("email",
    "name", "phone") and the value typed."""
    asked = {field: value.strip() for field, value in asked.items() if value.strip()}
    asked_for = ", ".join(asked.values())
    require(actor, "export_records", "Only the Customer Relations Officer answers subject access requests")
    files: dict[str, str | bytes] = {
        "README.txt": (f"Subject access export for: {asked_for}\nCases found: {len(cases)}\n\n"
                       "Each folder holds one case: case.json (details, history, messages, audit entries) "
                       "and the "
                       "messages sent. Review for third-party data and exemptions before disclosure.\n")}
    stored: dict[str, Path] = {}
    for case in cases:
        record = case_record(session, case)
        files[f"{case.reference}/case.json"] = json.dumps(record, indent=2, ensure_ascii=False)
        files.update(_message_files(f"{case.reference}/", record["messages"]))
        stored.update(_attachment_files(f"{case.reference}/", record["attachments"], attachments_dir))
    audit(session, actor, "subject access export",
          f"Exported {len(cases)} cases for a subject access request, found by {', '.join(asked)}: "
          + (", ".join(case.reference for case in cases) or "none"))  # the cases, not the person
    return _zip(files, stored)

"""Writing and checking the audit trail: who saw and changed what, when, in a hash chain."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry, AuditHead, User

GENESIS = "0" * 64


def _digest(prev_hash: str, at: datetime, actor_id, actor: str, action: str, reference, detail: str) -> str:
    fields = [prev_hash, at.astimezone(timezone.utc).isoformat(), str(actor_id or ""), actor, action,
              reference or "", detail]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def actor_label(actor: User | str | None) -> tuple[int | None, str]:
    if isinstance(actor, User):
        return actor.id, f"{actor.name} <{actor.email}>"
    return None, actor or "system"


def audit(session: Session, actor: User | str | None, action: str, detail: str,
          case_reference: str | None = None) -> AuditEntry:
    """Append one entry; the head row is locked so concurrent writers extend the chain one at a time."""
    head = session.get(AuditHead, 1, with_for_update=True)
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
    actor_id, label = actor_label(actor)
    at = datetime.now(timezone.utc)
    entry = AuditEntry(at=at, actor_id=actor_id, actor=label, action=action, case_reference=case_reference,
                       detail=detail, prev_hash=head.last_hash,
                       hash=_digest(head.last_hash, at, actor_id, label, action, case_reference, detail))
    session.add(entry)
    head.last_hash = entry.hash
    session.flush()
    return entry


def verify_chain(session: Session) -> tuple[int, AuditEntry | None]:
    """How many entries check out, and the first that does not (edited, removed or reordered), if any."""
    expected, checked = GENESIS, 0
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(populate_existing=True)
    for entry in session.scalars(query).yield_per(1000):
        recomputed = _digest(entry.prev_hash, entry.at, entry.actor_id, entry.actor, entry.action,
                             entry.case_reference, entry.detail)
        if entry.prev_hash != expected or entry.hash != recomputed:
            return checked, entry
        expected, checked = entry.hash, checked + 1
    head = session.get(AuditHead, 1)
    if head is not None and checked and head.last_hash != expected:
        return checked, None if head.last_hash == GENESIS else _missing_tail(session)
    return checked, None


def _missing_tail(session: Session) -> AuditEntry:
    """The newest entry stands in for entries cut off the end of the chain."""
    return session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


def search_audit(session: Session, text: str = "", action: str = "", reference: str = "",
                 limit: int = 500) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if text:
        query = query.where(AuditEntry.detail.ilike(f"%{text}%") | AuditEntry.actor.ilike(f"%{text}%"))
    if action:
        query = query.where(AuditEntry.action == action)
    if reference:
        query = query.where(AuditEntry.case_reference == reference.strip().upper())
    return list(session.scalars(query))

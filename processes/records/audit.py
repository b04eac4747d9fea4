"""Writing and checking the audit trail: who saw and changed what, when, in a hash chain."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from models import AuditCheckpoint, AuditEntry, AuditHead, User
from processes.paging import PAGE_SIZE, Page

GENESIS = "0" * 64


def _digest(prev_hash: str, at: datetime, actor_id, actor: str, action: str, case_reference,
            detail: str) -> str:
    fields = [prev_hash, at.astimezone(timezone.utc).isoformat(), str(actor_id or ""), actor, action,
              case_reference or "", detail]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def actor_label(actor: User | str | None) -> tuple[int | None, str]:
    if isinstance(actor, User):
        return actor.id, f"{actor.name} <{actor.email}>"
    return None, actor or "system"


def audit(session: Session, actor: User | str | None, action: str, detail: str,
          case_reference: str | None = None) -> None:
    """Note one entry; it joins the chain when the transaction commits (see `_chain_pending`)."""
    if not session.info.get(CHAINS):  # an entry noted on a session that never chains it would be lost
        raise LookupError("this session does not chain audit entries: open it with "
                          "processes.sessions.session_factory")
    actor_id, label = actor_label(actor)
    session.info.setdefault("audit_pending", []).append(
        dict(at=datetime.now(timezone.utc), actor_id=actor_id, actor=label, action=action,
             case_reference=case_reference, detail=detail))


CHAINS = "chains_audit"  # in session.info: the session's factory listens (listen_on)


def listen_on(sessions: sessionmaker) -> None:
    """The factory's sessions chain their noted entries as they commit and forget them as they roll back."""
    event.listen(sessions, "before_commit", _chain_pending)
    event.listen(sessions, "after_soft_rollback", _forget_pending)
    sessions.configure(info={**sessions.kw.get("info", {}), CHAINS: True})


def _chain_pending(session: Session) -> None:
    """Write the transaction's entries last, under the head row's lock, so the chain never forks.

    Taking that lock at the very end means every transaction locks its case rows before the audit
    head, never the other way round, so a timer worker and a request cannot deadlock.
    """
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    # Plain statements on the tables, not ORM objects or ORM bulk statements: this runs at every commit
    # that audits something, and on SQLite inside the one write lock.
    session.flush()
    connection = session.connection()
    last = connection.scalar(_HEAD)
    first = last is None
    rows, last = [], last or GENESIS
    for fields in pending:
        digest = _digest(last, **fields)
        rows.append({**fields, "prev_hash": last, "hash": digest})
        last = digest
    # one round trip: entries in with the head's move
    if not first and connection.dialect.name == "postgresql":
        connection.execute(_APPEND_AND_MOVE_HEAD,
                           {**{column: [row[column] for row in rows] for column in _COLUMNS},
                                                   "last_hash": last})
    else:
        connection.execute(_APPEND, rows)
        connection.execute(_START_HEAD if first else _MOVE_HEAD, {"last_hash": last})


_HEAD = select(AuditHead.__table__.c.last_hash).where(AuditHead.__table__.c.id == 1).with_for_update()
_APPEND = insert(AuditEntry.__table__)
_START_HEAD = insert(AuditHead.__table__).values(id=1)
_MOVE_HEAD = update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1)
# PostgreSQL: the entries as one array per column, unnested into rows. Plain SQL: SQLAlchemy's own form of
# this (a multi-row INSERT in a CTE of the UPDATE) costs more to compile each time than a round trip saves.
_COLUMNS = {"at": "timestamptz", "actor_id": "integer", "actor": "varchar", "action": "varchar",
            "case_reference": "varchar", "detail": "text", "prev_hash": "varchar", "hash": "varchar"}
_APPEND_AND_MOVE_HEAD = text(
    f"WITH appended AS (INSERT INTO audit_entry ({', '.join(_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"CAST(:{column} AS {kind}[])" for column, kind in _COLUMNS.items())
    + ")) UPDATE audit_head SET last_hash = :last_hash WHERE id = 1")


def _forget_pending(session: Session, previous_transaction) -> None:
    session.info.pop("audit_pending", None)


def verify_chain(session: Session) -> tuple[int, AuditEntry | None]:
    """How many entries check out, and the first that does not (edited, removed or reordered), if any: the
    whole chain, from the first entry, writing nothing."""
    checked, broken, _ = _walk(session, GENESIS, 0, 0)
    return checked, broken


@dataclass
class ChainCheck:
    checked: int
    broken: AuditEntry | None
    full_at: datetime | None  # when the whole chain was last checked from its first entry
    full: bool = False
    last: AuditEntry | None = None  # the last intact entry read


def check_chain(session: Session, now: datetime, full: bool = False) -> ChainCheck:
    """Check the entries written since the checkpoint (all of them when `full`, or from the chain's start)
    and move the checkpoint to the last intact one: walk_chain, then save_checkpoint. An entry before the
    checkpoint changed by someone who can bypass the database's append-only rule is found by the next full
    check, which moves the checkpoint back before it, so that every check after that finds it too."""
    chain = walk_chain(session, now, full)
    save_checkpoint(session, chain, now)
    return chain


def walk_chain(session: Session, now: datetime, full: bool = False) -> ChainCheck:
    """The check, reading only (so that a long full check need not hold SQLite's write lock)."""
    point = session.get(AuditCheckpoint, 1)
    full = full or point is None or point.entry_id == 0
    checked, broken, last = _walk(session, *((GENESIS, 0, 0) if full else (point.hash, point.count,
                                                                            point.entry_id)))
    full_at = now if full else point.full_at
    return ChainCheck(checked, broken, full_at if broken is None else None, full, last)


def save_checkpoint(session: Session, chain: ChainCheck, now: datetime) -> None:
    """Move the checkpoint to the last intact entry the check read: on, or back before a break found (to the
    start if a full check found the first entry broken), so that every check after this one finds it too."""
    point = session.get(AuditCheckpoint, 1)  # made by the migration: never two first checks inserting it
    if point is None:
        point = AuditCheckpoint(id=1, entry_id=0, hash=GENESIS, count=0, checked_at=now)
        session.add(point)
    if chain.last is not None:
        point.entry_id, point.hash, point.count = chain.last.id, chain.last.hash, chain.checked
    elif chain.broken is not None and chain.full:
        point.entry_id, point.hash, point.count = 0, GENESIS, 0
    point.checked_at = now
    if chain.broken is None:
        point.full_at = chain.full_at


def _walk(session: Session, expected: str, checked: int, after: int):
    """Entries after id `after` checked against the chain from `expected`: (entries intact in all, the first
    broken one, the last intact one read). The head is read first, so an entry appended while the walk runs
    is not taken for a cut-off tail: the walk must reach the head as it was, and may go past it."""
    head = session.get(AuditHead, 1, populate_existing=True)
    head_hash = head.last_hash if head is not None else None
    reached = expected == head_hash
    query = (select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id)
             .execution_options(populate_existing=True))
    last = None
    for entry in session.scalars(query).yield_per(1000):
        recomputed = _digest(entry.prev_hash, at=entry.at, actor_id=entry.actor_id, actor=entry.actor,
                             action=entry.action, case_reference=entry.case_reference, detail=entry.detail)
        if entry.prev_hash != expected or entry.hash != recomputed:
            return checked, entry, last
        expected, checked, last = entry.hash, checked + 1, entry
        reached = reached or expected == head_hash
    if head_hash is not None and checked and not reached:
        return checked, (None if head_hash == GENESIS else _missing_tail(session)), last
    return checked, None, last


def _missing_tail(session: Session) -> AuditEntry:
    """The newest entry stands in for entries cut off the end of the chain."""
    return session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


def _matching(text: str, action: str, reference: str) -> list:
    """The search's conditions on the entries: words in the detail or the actor, an exact action, a case."""
    where = []
    if text:
        where.append(AuditEntry.detail.ilike(f"%{text}%") | AuditEntry.actor.ilike(f"%{text}%"))
    if action:
        where.append(AuditEntry.action == action)
    if reference:
        where.append(AuditEntry.case_reference == reference.strip().upper())
    return where


def search_audit(session: Session, text: str = "", action: str = "", reference: str = "",
                 limit: int = 500) -> list[AuditEntry]:
    query = select(AuditEntry).where(*_matching(text, action, reference)).order_by(AuditEntry.id.desc())
    return list(session.scalars(query.limit(limit)))


def audit_page(session: Session, number: int, text: str = "", action: str = "", reference: str = "") -> Page:
    """One page of the matching entries, newest first; a page past the last is the last."""
    where = _matching(text, action, reference)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    number = min(max(1, number), max(1, -(-total // PAGE_SIZE)))
    query = (select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
             .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return Page(list(session.scalars(query)), total, number)

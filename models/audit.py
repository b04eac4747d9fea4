"""The audit trail: append-only, each entry carrying a hash of the one before (tamper-evident)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(254))  # a name, "customer" or "system": kept as written
    action: Mapped[str] = mapped_column(String(40), index=True)
    case_reference: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest entry's hash, one row, locked while appending so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """How far the chain was last found intact, one row: the audit page checks only the entries after it (a
    whole chain of a million entries takes about 20 s to check), and a full check (the timer worker's daily
    run, `flask audit verify`) starts from the first entry again and says when it did."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(Integer)  # the last entry found intact
    hash: Mapped[str] = mapped_column(String(64))   # its hash, where the next check starts
    count: Mapped[int] = mapped_column(Integer)     # entries up to it
    checked_at: Mapped[datetime]
    full_at: Mapped[Optional[datetime]]             # the last check from the first entry

"""The outbox: every message to a customer or to staff, written in the transaction that caused it."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

STATUSES = ("pending", "sending", "sent", "failed", "to_post", "posted", "no_contact")


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="known_status"),
        CheckConstraint("channel IN ('email', 'letter', 'none')", name="known_channel"),
        CheckConstraint("audience IN ('customer', 'staff')", name="known_audience"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"),
                                                   index=True)
    audience: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    template: Mapped[str] = mapped_column(String(80))
    to_name: Mapped[Optional[str]] = mapped_column(String(200))
    to_address: Mapped[Optional[str]] = mapped_column(Text)  # an email address, or a postal address
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[Optional[datetime]]
    case: Mapped[Optional["Case"]] = relationship()  # noqa: F821

"""A subject access request: who asked, when it came, when it is due, and whether it was answered."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

SAR_STATUSES = {"open": "Open", "answered": "Answered", "withdrawn": "Withdrawn"}


class SubjectAccessRequest(Base):
    __tablename__ = "subject_access_request"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in SAR_STATUSES)})", name="known_status"),
        # The timer worker's question: open requests by due date.
        Index("ix_subject_access_request_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Personal: erased when the request is closed and its retention has passed (requester_erased_at).
    requester_name: Mapped[Optional[str]] = mapped_column(String(200))
    requester_contact: Mapped[Optional[str]] = mapped_column(Text)
    # What the search was made with (email, name, phone), for the link to it: personal as well.
    search_email: Mapped[Optional[str]] = mapped_column(String(320))
    search_name: Mapped[Optional[str]] = mapped_column(String(200))
    search_phone: Mapped[Optional[str]] = mapped_column(String(40))
    received_on: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="open")
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    logged_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[Optional[datetime]]
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    cases_exported: Mapped[Optional[int]]  # how many cases the export given held
    closed_at: Mapped[Optional[datetime]]  # answered or withdrawn: retention counts from here
    reminded_at: Mapped[Optional[datetime]]  # 5 working days before the due date, once
    overdue_notified_at: Mapped[Optional[datetime]]  # on the due date, once
    requester_erased_at: Mapped[Optional[datetime]]

    logged_by: Mapped["User"] = relationship(foreign_keys=[logged_by_id])  # noqa: F821
    answered_by: Mapped[Optional["User"]] = relationship(foreign_keys=[answered_by_id])  # noqa: F821

    @property
    def status_label(self) -> str:
        return SAR_STATUSES.get(self.status, self.status)

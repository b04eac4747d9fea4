"""A remedy that needs doing later: something the response promised the customer, with a due date, tracked
until it is done and the customer is told."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

REMEDY_ACTION_STATES = {"open": "Not done yet", "done": "Done"}


class RemedyAction(Base):
    __tablename__ = "remedy_action"
    __table_args__ = (
        UniqueConstraint("case_id", "stage", "number"),
        CheckConstraint("state IN ('open', 'done')", name="known_state"),
        # A row is done with when and by whom, or open without them: never half of it.
        CheckConstraint("(state = 'done') = (done_at IS NOT NULL)", name="done_when_done"),
        Index("ix_remedy_action_state_due_on", "state", "due_on"),  # the open ones, overdue first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    number: Mapped[int]
    what: Mapped[Optional[str]] = mapped_column(Text)  # the officer's words: None once anonymised
    due_on: Mapped[date]
    responsible_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="open")
    done_at: Mapped[Optional[datetime]]
    done_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    done_note: Mapped[Optional[str]] = mapped_column(Text)  # what was done: None once anonymised
    # The message that told the customer it was done (its body is erased with the case's messages).
    message_id: Mapped[Optional[int]] = mapped_column(ForeignKey("outbox_message.id", ondelete="SET NULL"))
    overdue_notified_at: Mapped[Optional[datetime]]  # the one notice that it passed its due date

    case: Mapped["Case"] = relationship(back_populates="remedy_actions")  # noqa: F821
    responsible: Mapped[Optional["User"]] = relationship(foreign_keys=[responsible_id])  # noqa: F821
    done_by: Mapped[Optional["User"]] = relationship(foreign_keys=[done_by_id])  # noqa: F821

    @property
    def state_label(self) -> str:
        return REMEDY_ACTION_STATES[self.state]

"""A comment's case: the record, its workflow state and its history."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

COMMENT_TYPES = {"complaint": "Complaint", "compliment": "Compliment", "query": "Query", "suggestion": "Suggestion"}
STAGE_LABELS = {"stage1": "Stage 1", "stage2": "Stage 2"}  # a task's stage key, as the case shows it
CHANNELS = {"web": "Online form", "phone": "Phone", "email": "Email", "letter": "Letter", "in_person": "In person"}
STATUSES = ("open", "closed")
# Event kinds left out of the history officers read (the audit trail and the case file keep them): steps the
# engine ran by itself, like "Work out the escalation window". Timers that fired ("timer") are shown.
MACHINE_KINDS = ("step",)


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class ReferenceCounter(Base):
    """The last reference number given out in each year (CC-2026-000123)."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Case(Base):
    __tablename__ = "comment_case"
    __table_args__ = (
        CheckConstraint(f"comment_type IN ({_in(COMMENT_TYPES)})", name="known_type"),
        CheckConstraint(f"channel IN ({_in(CHANNELS)})", name="known_channel"),
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    comment_type: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    service_area: Mapped[Optional[str]] = mapped_column(String(80), index=True)
    comment: Mapped[str] = mapped_column(Text)
    customer_name: Mapped[Optional[str]] = mapped_column(String(200))
    customer_email: Mapped[Optional[str]] = mapped_column(String(254))
    customer_phone: Mapped[Optional[str]] = mapped_column(String(40))
    customer_address: Mapped[Optional[str]] = mapped_column(Text)
    preferred_contact: Mapped[Optional[str]] = mapped_column(String(20))
    reasonable_adjustments: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    stage: Mapped[Optional[str]] = mapped_column(String(40))
    outcome: Mapped[Optional[str]] = mapped_column(String(200))
    closed_at: Mapped[Optional[datetime]]
    legal_hold: Mapped[bool] = mapped_column(default=False)  # never anonymised while set
    anonymised_at: Mapped[Optional[datetime]]
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    # Deferred: lists never load the serialized workflow; operations load it when they run the engine.
    workflow_state: Mapped[str] = mapped_column(Text, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(10))
    # The timescales in force when the case started: later policy changes do not move its deadlines.
    timescales: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # Messages the workflow waits for (e.g. "extension_agreed"), so pages need not load the workflow.
    awaiting_messages: Mapped[str] = mapped_column(String(400), default="")
    row_version: Mapped[int] = mapped_column(default=1)
    # The customer's way to their status page: a secret link, or the reference with a short code.
    status_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    access_code: Mapped[Optional[str]] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    process_version: Mapped["ProcessVersion"] = relationship()  # noqa: F821
    recorded_by: Mapped[Optional["User"]] = relationship()  # noqa: F821
    ready_tasks: Mapped[list["ReadyTask"]] = relationship(  # noqa: F821
        back_populates="case", cascade="all, delete-orphan", order_by="ReadyTask.id")
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id")
    # Read only: the reporting rows (processes.facts writes them), loaded with a task being completed.
    stages: Mapped[list["CaseStage"]] = relationship(viewonly=True, order_by="CaseStage.id")  # noqa: F821

    # Optimistic locking: an UPDATE that finds another writer got there first raises StaleDataError.
    __mapper_args__ = {"version_id_col": row_version}

    def officer_history(self) -> list["CaseEvent"]:
        """The history officers read: what people did and what happened to the case, not the engine's own steps."""
        return [event for event in self.events if event.kind not in MACHINE_KINDS]


class CaseEvent(Base):
    """One line of a case's history: who did what, when."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # The task (ready_task.id, its link /tasks/<id>) the event was about: the task row goes when it is done, and
    # this is how its link still tells what became of it. No foreign key for that reason.
    task_id: Mapped[Optional[int]] = mapped_column(index=True)
    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[Optional["User"]] = relationship()  # noqa: F821

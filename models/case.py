"""A comment's case: the record, its workflow state and its history."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, ColumnElement, ForeignKey, Index, String, Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.functions import FunctionElement

from .base import Base, utcnow

COMMENT_TYPES = {"complaint": "Complaint", "compliment": "Compliment", "query": "Query",
                 "suggestion": "Suggestion"}
# Stages as stored (keys) and shown (labels). Cases, tasks and reporting rows hold the keys: a case is
# "closed" at the end; a reporting row of a comment answered without stages (a compliment, a query) is its
# "response".
STAGES = {"stage1": "Stage 1", "stage2": "Stage 2", "response": "Response", "closed": "Closed"}
CHANNELS = {"web": "Online form", "phone": "Phone", "email": "Email", "letter": "Letter",
            "in_person": "In person"}
STATUSES = ("open", "closed")
# Event kinds left out of the history officers read (the audit trail and the case file keep them): steps the
# engine ran by itself, like "Work out the escalation window". Timers that fired ("timer") are shown.
MACHINE_KINDS = ("step",)


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class json_list_has(FunctionElement):  # noqa: N801 (an SQL function, named as SQL names them)
    """SQL: whether a JSON list holds a string as one of its items (not a string that merely contains it)."""

    type = Boolean()
    inherit_cache = True
    name = "json_list_has"


@compiles(json_list_has, "sqlite")
def _json_list_has_sqlite(element, compiler, **kw) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    # instr first: rows that do not name it at all are passed over without parsing their JSON
    return (f"(instr({column}, {value}) > 0"
            f" AND EXISTS (SELECT 1 FROM json_each({column}) WHERE value = {value}))")


@compiles(json_list_has, "postgresql")
def _json_list_has_postgresql(element, compiler, **kw) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({column} AS JSONB) ? {value})"  # ? finds a string among a JSON list's items


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
        CheckConstraint(f"stage IN ({_in(STAGES)})", name="known_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    comment_type: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    service_area: Mapped[Optional[str]] = mapped_column(String(80), index=True)
    # The key of one of its service area's categories in its process version (ProcessVersion.categories)
    category: Mapped[Optional[str]] = mapped_column(String(80))
    comment: Mapped[str] = mapped_column(Text)
    customer_name: Mapped[Optional[str]] = mapped_column(String(200))
    customer_email: Mapped[Optional[str]] = mapped_column(String(254))
    customer_phone: Mapped[Optional[str]] = mapped_column(String(40))
    customer_address: Mapped[Optional[str]] = mapped_column(Text)
    preferred_contact: Mapped[Optional[str]] = mapped_column(String(20))
    reasonable_adjustments: Mapped[Optional[str]] = mapped_column(Text)
    # what the customer would like us to do, in their words (personal: erased at anonymisation)
    outcome_wanted: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    stage: Mapped[Optional[str]] = mapped_column(String(40))  # a key of STAGES; None before a staged task
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
    # Names of the messages the workflow waits for (["extension_agreed"]), so pages need not load the
    # workflow.
    awaiting_messages: Mapped[list[str]] = mapped_column(JSON, default=list)
    row_version: Mapped[int] = mapped_column(default=1)
    # The customer's way to their status page: a secret link, or the reference with a short code.
    status_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    access_code: Mapped[Optional[str]] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The case this one was re-recorded from as another type (the CRO's reclassification); that one is closed.
    rerecorded_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("comment_case.id"), index=True)

    process_version: Mapped["ProcessVersion"] = relationship()  # noqa: F821
    recorded_by: Mapped[Optional["User"]] = relationship()  # noqa: F821
    ready_tasks: Mapped[list["ReadyTask"]] = relationship(  # noqa: F821
        back_populates="case", cascade="all, delete-orphan", order_by="ReadyTask.id")
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id")
    # Read only: the reporting rows (processes.facts writes them), loaded with a task being completed.
    stages: Mapped[list["CaseStage"]] = relationship(viewonly=True, order_by="CaseStage.id")  # noqa: F821
    representatives: Mapped[list["Representative"]] = relationship(  # noqa: F821
        back_populates="case", cascade="all, delete-orphan", order_by="Representative.id")
    points: Mapped[list["ComplaintPoint"]] = relationship(  # noqa: F821
        back_populates="case", cascade="all, delete-orphan",
        order_by="(ComplaintPoint.stage, ComplaintPoint.number)")
    attachments: Mapped[list["Attachment"]] = relationship(  # noqa: F821
        back_populates="case", cascade="all, delete-orphan", order_by="Attachment.id")
    remedy_actions: Mapped[list["RemedyAction"]] = relationship(  # noqa: F821
        back_populates="case", cascade="all, delete-orphan",
        order_by="(RemedyAction.stage, RemedyAction.number)")

    rerecorded_from: Mapped[Optional["Case"]] = relationship(
        remote_side="Case.id", foreign_keys=[rerecorded_from_id], back_populates="rerecorded_as")
    rerecorded_as: Mapped[list["Case"]] = relationship(back_populates="rerecorded_from",
                                                       foreign_keys=[rerecorded_from_id])

    # Optimistic locking: an UPDATE that finds another writer got there first raises StaleDataError.
    __mapper_args__ = {"version_id_col": row_version}

    @property
    def stage_label(self) -> str | None:
        """Where the case is, as people read it: "Stage 2"."""
        return STAGES.get(self.stage, self.stage) if self.stage else None

    @hybrid_method
    def awaits(self, message: str) -> bool:
        """Whether the workflow waits for `message` (a customer's stage 2 request, an agreed extension)."""
        return message in self.awaiting_messages

    @awaits.inplace.expression
    @classmethod
    def _awaits_in_sql(cls, message: str) -> ColumnElement[bool]:
        return json_list_has(cls.awaiting_messages, message)

    def officer_history(self) -> list["CaseEvent"]:
        """The history officers read: what people did and what happened to the case, not the engine's own
        steps."""
        return [event for event in self.events if event.kind not in MACHINE_KINDS]


class CaseEvent(Base):
    """One line of a case's history: who did what, when."""

    __tablename__ = "case_event"
    # Who sees a case because they took or completed its work (processes.access.visible_cases): the cases an
    # officer handled, read from the index alone (a search by an officer of one area scanned every event).
    __table_args__ = (Index("ix_case_event_actor_kind", "actor_id", "kind", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # The task (ready_task.id, its link /tasks/<id>) the event was about: the task row goes when it is done,
    # and this is how its link still tells what became of it. No foreign key for that reason.
    task_id: Mapped[Optional[int]] = mapped_column(index=True)
    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[Optional["User"]] = relationship()  # noqa: F821

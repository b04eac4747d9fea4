"""Management information: per-stage facts, remedies, Ombudsman enquiries, improvement actions,
self-assessment.

The figures on the dashboard and in the reports come from these rows, written by the procedure's
operations in the same transaction as the step they record; nothing here is read from workflows.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .case import STAGES

ROW_STAGES = [key for key in STAGES if key != "closed"]  # a stage a case goes through, each one row
OUTCOMES = {"upheld": "Upheld", "partly_upheld": "Partly upheld", "not_upheld": "Not upheld",
            "resolved": "Resolved at first contact", "signposted": "Signposted", "answered": "Answered",
            "service_request": "Passed to the service as a request", "duplicate": "Duplicate",
            "adopted": "Adopted", "not_adopted": "Not adopted", "later": "Considered later",
            "passed_on": "Passed on"}
REMEDIES = {"apology": "Apology", "explanation": "Explanation", "action": "Action taken",
            "changed_decision": "Changed decision", "corrected_record": "Corrected record",
            "financial": "Financial remedy", "changed_policy": "Changed policy"}
ACTION_SOURCES = {"complaint": "Upheld complaint", "suggestion": "Adopted suggestion",
                  "ombudsman": "Ombudsman recommendation", "other": "Other learning"}
ACTION_STATUSES = {"open": "Open", "done": "Done", "cancelled": "Cancelled"}
OMBUDSMAN_DECISIONS = {
    "upheld_injustice": "Upheld: fault and injustice", "upheld_no_injustice": "Upheld: fault, no injustice",
    "not_upheld": "Not upheld: no fault", "closed_after_initial_enquiries": "Closed after initial enquiries",
    "referred_back": "Referred back for local resolution", "withdrawn": "Withdrawn or incomplete"}
ANSWERS = {"yes": "Meets", "partly": "Partly meets", "no": "Does not meet"}
# A resolution offered at first contact, by what the customer said of it: closed, or on to formal handling.
FIRST_CONTACT = {"satisfied": "Customer satisfied: case closed",
                 "dissatisfied": "Customer not satisfied: formal handling at stage 1"}


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class CaseStage(Base):
    """One stage of one case: its deadlines, when it was acknowledged and answered, extensions, outcome."""

    __tablename__ = "case_stage"
    __table_args__ = (UniqueConstraint("case_id", "stage"),
                      CheckConstraint(f"stage IN ({_in(ROW_STAGES)})", name="known_stage"),
                      CheckConstraint(f"first_contact IN ({_in(FIRST_CONTACT)})", name="known_first_contact"),
                      # Covering: the dashboard's one pass over the stages reads this index and not the table.
                      # Every column stage_groups reads (category and first_contact were missing, and a
                      # million cases' dashboard read the table: 3.8 s).
                      Index("ix_case_stage_reporting", "received_at", "stage", "comment_type", "channel",
                            "service_area", "category", "outcome", "first_contact", "extension_days",
                            "ack_in_time", "response_in_time", "working_days_to_respond"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    # The case's filter columns, copied when the row is made, so the dashboard reads one table.
    received_at: Mapped[datetime]
    comment_type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    service_area: Mapped[Optional[str]] = mapped_column(String(80))
    category: Mapped[Optional[str]] = mapped_column(String(80))  # copied, and corrected with the case's
    started_at: Mapped[datetime]
    ack_due_at: Mapped[Optional[datetime]]
    acknowledged_at: Mapped[Optional[datetime]]
    ack_in_time: Mapped[Optional[bool]]
    response_due_at: Mapped[Optional[datetime]]
    # What the customer is told: the response deadline as the workflow's data gives it, known from the stage's
    # start (before its response task is ready) and moved with it. The figures read response_due_at.
    promised_response_at: Mapped[Optional[datetime]]
    responded_at: Mapped[Optional[datetime]]
    response_in_time: Mapped[Optional[bool]]
    # Counted with the council's calendar at the moment of the response, like the deadlines.
    working_days_to_respond: Mapped[Optional[int]]
    extension_days: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[Optional[str]] = mapped_column(String(30))
    # Stage 1 only: what the customer said of a resolution offered at first contact (FIRST_CONTACT), if any.
    first_contact: Mapped[Optional[str]] = mapped_column(String(20))
    # A complaint not taken at first contact: the key of the reason chosen from the first contact form's list.
    not_taken_reason: Mapped[Optional[str]] = mapped_column(String(60))

    case: Mapped["Case"] = relationship()  # noqa: F821


class CaseRemedy(Base):
    """A remedy given at a stage (an apology, a financial remedy with its amount, ...)."""

    __tablename__ = "case_remedy"
    __table_args__ = (UniqueConstraint("case_id", "stage", "remedy"),
                      CheckConstraint(f"remedy IN ({_in(REMEDIES)})", name="known_remedy"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    remedy: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Optional[Decimal]] = mapped_column(Numeric(12, 2))


class OmbudsmanEnquiry(Base):
    """The Local Government and Social Care Ombudsman looking at a case; its recommendations are actions."""

    __tablename__ = "ombudsman_enquiry"
    __table_args__ = (CheckConstraint(f"decision IN ({_in(OMBUDSMAN_DECISIONS)})", name="known_decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[date] = mapped_column(index=True)
    lgsco_reference: Mapped[str] = mapped_column(String(40))
    decision: Mapped[Optional[str]] = mapped_column(String(40))
    decided_on: Mapped[Optional[date]]
    case: Mapped["Case"] = relationship()  # noqa: F821
    recommendations: Mapped[list["ImprovementAction"]] = relationship(
        back_populates="ombudsman_enquiry", order_by="ImprovementAction.due_on")


class ImprovementAction(Base):
    """Something the council will change, raised from a complaint, a suggestion or the Ombudsman."""

    __tablename__ = "improvement_action"
    __table_args__ = (CheckConstraint(f"source IN ({_in(ACTION_SOURCES)})", name="known_source"),
                      CheckConstraint(f"status IN ({_in(ACTION_STATUSES)})", name="known_status"),
                      Index("ix_improvement_action_status_due_on", "status", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("comment_case.id", ondelete="SET NULL"),
                                                   index=True)
    ombudsman_enquiry_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ombudsman_enquiry.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    service_area: Mapped[Optional[str]] = mapped_column(String(80))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="open")
    completed_on: Mapped[Optional[date]]
    evidence: Mapped[Optional[str]] = mapped_column(Text)  # what was done: evidence of compliance
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    owner: Mapped["User"] = relationship()  # noqa: F821
    case: Mapped[Optional["Case"]] = relationship()  # noqa: F821
    ombudsman_enquiry: Mapped[Optional[OmbudsmanEnquiry]] = relationship(back_populates="recommendations")


class SelfAssessment(Base):
    """The council's answer for one year against one provision of the Complaint Handling Code (its numbers
    and sections are data: processes/reporting/code_provisions.json)."""

    __tablename__ = "self_assessment"
    __table_args__ = (UniqueConstraint("year", "provision"),
                      CheckConstraint(f"answer IN ({_in(ANSWERS)})", name="known_answer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    section: Mapped[str] = mapped_column(String(40))
    provision: Mapped[str] = mapped_column(String(10))  # "6.3"
    answer: Mapped[str] = mapped_column(String(10))
    evidence: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))


class AnnualReport(Base):
    """What one year's annual report adds to its figures: the governing body's response and the Ombudsman's
    annual letter (a file in the attachments' store, scanned by clamd like any attachment)."""

    __tablename__ = "annual_report"
    __table_args__ = (CheckConstraint("letter_scan_state IN ('clean', 'pending')",
                                      name="known_scan_state"),)

    # The council's year: 2026 is April 2026 to March 2027.
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    governance_response: Mapped[Optional[str]] = mapped_column(Text)
    governance_body: Mapped[Optional[str]] = mapped_column(String(200))  # who responded: a committee, say
    governance_responded_on: Mapped[Optional[date]]
    governance_entered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    letter_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    letter_name: Mapped[Optional[str]] = mapped_column(String(255))
    letter_kind: Mapped[Optional[str]] = mapped_column(String(40))
    letter_mime: Mapped[Optional[str]] = mapped_column(String(100))
    letter_size: Mapped[Optional[int]]
    letter_scan_state: Mapped[Optional[str]] = mapped_column(String(10))
    letter_uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    letter_uploaded_at: Mapped[Optional[datetime]]
    governance_entered_by: Mapped[Optional["User"]] = relationship(  # noqa: F821
        foreign_keys=[governance_entered_by_id])


def _reporting_indexes() -> None:
    """The dashboard filters cases by period, type, channel, service area and category, and counts them by
    those: one covering index for it (without category, a million cases' volumes read the table: 4 s)."""
    from .case import Case
    Index("ix_comment_case_reporting", Case.received_at, Case.comment_type, Case.channel, Case.service_area,
          Case.category)


_reporting_indexes()


class ReportSnapshot(Base):
    """The default dashboard worked out ahead by the timer worker (processes.reporting.snapshot): its tables
    as plain data, and when they were worked out. One row a period; replaced, never edited by people."""

    __tablename__ = "report_snapshot"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    computed_at: Mapped[datetime]
    tables: Mapped[list] = mapped_column(JSON)

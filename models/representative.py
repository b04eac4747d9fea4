"""Someone who makes or follows a comment for the customer (an MP, a councillor, a relative), with the
customer's consent: how it was given, when, and what it covers."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

RELATIONSHIPS = {"mp": "MP", "councillor": "Councillor", "advocate": "Advocate", "relative": "Relative",
                 "solicitor": "Solicitor", "friend": "Friend", "other": "Other"}
CONSENT_WAYS = {"writing": "In writing", "email": "By email", "phone": "By phone",
                "signed_form": "A signed form"}
# What the consent covers, as stored (the column names) and as people read it.
CONSENT_COVERS = {"consent_to_act": "To act for them on this comment",
                  "consent_to_replies": "To receive replies",
                  "consent_to_personal": "To see personal details"}
ELECTED = ("mp", "councillor")  # the enquiries the reports count
# How a representative stopped acting for the customer, as stored and as people read it.
ENDINGS = {"consent_withdrawn": "Consent withdrawn", "stopped_acting": "Stopped acting"}
# The lines of a consent's history (representative_consent.kind).
CONSENT_EVENTS = {"given": "Consent given", "changed": "Consent changed", **ENDINGS}


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Representative(Base):
    __tablename__ = "case_representative"
    __table_args__ = (
        CheckConstraint(f"relation IN ({_in(RELATIONSHIPS)})", name="known_relation"),
        CheckConstraint(f"consent_how IN ({_in(CONSENT_WAYS)})", name="known_consent_how"),
        CheckConstraint(f"ended IN ({_in(ENDINGS)})", name="known_ending"),
        CheckConstraint(f"ended_how IN ({_in(CONSENT_WAYS)})", name="known_ended_how"),
        CheckConstraint("(ended IS NULL) = (ended_on IS NULL)", name="ended_with_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    name: Mapped[Optional[str]] = mapped_column(String(200))  # None once anonymised
    relation: Mapped[str] = mapped_column(String(20), index=True)
    relation_other: Mapped[Optional[str]] = mapped_column(String(100))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    address: Mapped[Optional[str]] = mapped_column(Text)
    consent_how: Mapped[str] = mapped_column(String(20))
    consent_date: Mapped[date]
    consent_to_act: Mapped[bool] = mapped_column(default=False)
    consent_to_replies: Mapped[bool] = mapped_column(default=False)
    consent_to_personal: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the consent was withdrawn or the representative stopped acting: the row stays, for the
    # record and the exports, but no message goes to them any more.
    ended: Mapped[Optional[str]] = mapped_column(String(20))
    ended_on: Mapped[Optional[date]]
    ended_how: Mapped[Optional[str]] = mapped_column(String(20))
    row_version: Mapped[int] = mapped_column(default=1)

    case: Mapped["Case"] = relationship(back_populates="representatives")  # noqa: F821
    consent_history: Mapped[list["ConsentRecord"]] = relationship(
        back_populates="representative", cascade="all, delete-orphan", order_by="ConsentRecord.id")

    # Two officers changing the same representative: the second one's UPDATE finds the version moved on.
    __mapper_args__ = {"version_id_col": row_version}

    @property
    def acting(self) -> bool:
        """Whether they still act for the customer (their consent was not withdrawn, they did not stop)."""
        return self.ended is None

    @property
    def relation_label(self) -> str:
        if self.relation == "other" and self.relation_other:
            return self.relation_other
        return RELATIONSHIPS.get(self.relation, self.relation)

    @property
    def consent_covers(self) -> list[str]:
        return [label for field, label in CONSENT_COVERS.items() if getattr(self, field)]


class ConsentRecord(Base):
    """One line of a consent's history: given, changed (how, when, what it covers), withdrawn, or the
    representative stopped acting. Keys and dates only: nothing here identifies anyone."""

    __tablename__ = "representative_consent"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(CONSENT_EVENTS)})", name="known_kind"),
        CheckConstraint(f"how IN ({_in(CONSENT_WAYS)})", name="known_how"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("case_representative.id", ondelete="CASCADE"),
                                                   index=True)
    kind: Mapped[str] = mapped_column(String(20))
    how: Mapped[str] = mapped_column(String(20))
    dated: Mapped[date]  # the date the customer gave, changed or withdrew it (or we were told they stopped)
    to_act: Mapped[bool] = mapped_column(default=False)
    to_replies: Mapped[bool] = mapped_column(default=False)
    to_personal: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    representative: Mapped[Representative] = relationship(back_populates="consent_history")
    recorded_by: Mapped[Optional["User"]] = relationship()  # noqa: F821

    @property
    def covers(self) -> list[str]:
        """What the consent covered from then on, as people read it."""
        return [label for field, label in CONSENT_COVERS.items()
                if getattr(self, field.removeprefix("consent_"))]

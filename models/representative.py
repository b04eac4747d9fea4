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


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Representative(Base):
    __tablename__ = "case_representative"
    __table_args__ = (
        CheckConstraint(f"relation IN ({_in(RELATIONSHIPS)})", name="known_relation"),
        CheckConstraint(f"consent_how IN ({_in(CONSENT_WAYS)})", name="known_consent_how"),
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

    case: Mapped["Case"] = relationship(back_populates="representatives")  # noqa: F821

    @property
    def relation_label(self) -> str:
        if self.relation == "other" and self.relation_other:
            return self.relation_other
        return RELATIONSHIPS.get(self.relation, self.relation)

    @property
    def consent_covers(self) -> list[str]:
        return [label for field, label in CONSENT_COVERS.items() if getattr(self, field)]

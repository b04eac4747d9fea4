"""A point of a complaint (the Code's "complaint definition"): what the officer understood the customer to
complain about, recorded at acknowledgement, and the outcome and reasons the response gave it."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

POINT_OUTCOMES = {"upheld": "Upheld", "partly_upheld": "Partly upheld", "not_upheld": "Not upheld"}


class ComplaintPoint(Base):
    __tablename__ = "complaint_point"
    __table_args__ = (
        UniqueConstraint("case_id", "stage", "number"),
        CheckConstraint("outcome IS NULL OR outcome IN ('upheld', 'partly_upheld', 'not_upheld')",
                        name="known_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    number: Mapped[int]
    text: Mapped[Optional[str]] = mapped_column(Text)  # the customer's words: None once anonymised
    outcome: Mapped[Optional[str]] = mapped_column(String(20), index=True)  # None until the response
    reasons: Mapped[Optional[str]] = mapped_column(Text)  # None until the response, and once anonymised
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped["Case"] = relationship(back_populates="points")  # noqa: F821

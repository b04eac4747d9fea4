"""A file attached to a case: its bytes lie in the content-addressed store (processes/records/filestore.py)
under its sha256; this row says which case, what it was called, what it is and whether it has been scanned.
An infected file is refused and never stored, so the state is clean or pending (waiting for clamd)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

SCAN_STATES = {"clean": "Checked for viruses", "pending": "Being checked for viruses"}


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("scan_state IN ('clean', 'pending')", name="known_scan_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))  # the customer's words: erased at anonymisation
    kind: Mapped[str] = mapped_column(String(40))  # what people call it (judged from the content)
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    scan_state: Mapped[str] = mapped_column(String(10), index=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))  # None: the customer
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped["Case"] = relationship(back_populates="attachments")  # noqa: F821

    @property
    def state_label(self) -> str:
        return SCAN_STATES.get(self.scan_state, self.scan_state)

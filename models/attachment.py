"""A file attached to a case: its bytes lie in the content-addressed store (processes/records/filestore.py)
under its sha256; this row says which case, what it was called, what it is, whether it has been scanned and
what it came with. An infected file is refused and never stored, so the state is clean or pending (waiting
for clamd)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .case import STAGES

SCAN_STATES = {"clean": "Checked for viruses", "pending": "Being checked for viruses"}
# What a file came with: the comment (the public or the staff record form), a task's form, or the case page
# later (a letter that came by post, say).
CAME_WITH = {"comment": "The comment", "task": "A task", "case": "Added to the case"}


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (CheckConstraint("scan_state IN ('clean', 'pending')", name="known_scan_state"),
                      CheckConstraint("came_with IN ('comment', 'task', 'case')", name="known_came_with"))

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
    came_with: Mapped[str] = mapped_column(String(10), default="comment", server_default="comment")
    # The task it came with: its id is its link (/tasks/<id>), which says who completed it once it is done,
    # so no foreign key (a done task's index row is gone); its name and stage (a key of STAGES) as then.
    task_id: Mapped[Optional[int]]
    task_name: Mapped[Optional[str]] = mapped_column(String(255))
    stage: Mapped[Optional[str]] = mapped_column(String(40))

    case: Mapped["Case"] = relationship(back_populates="attachments")  # noqa: F821
    uploaded_by: Mapped[Optional["User"]] = relationship()  # noqa: F821

    @property
    def state_label(self) -> str:
        return SCAN_STATES.get(self.scan_state, self.scan_state)

    @property
    def came_with_label(self) -> str:
        """Where the file came from, as people read it: “The task “Investigate and respond” (Stage 1)”."""
        if self.came_with != "task":
            return CAME_WITH.get(self.came_with, self.came_with)
        stage = f" ({STAGES.get(self.stage, self.stage)})" if self.stage else ""
        return f"The task “{self.task_name}”{stage}"

"""A link from one case to another: a duplicate of the case it repeats, say, shown on both case pages."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

# Each kind as stored and as each of the two case pages names the other case. Other kinds (a comment
# re-recorded as another type, say) are added here and in the check constraint's migration.
LINK_KINDS = {"duplicate_of": ("Duplicate of", "Repeated by")}


class CaseLink(Base):
    """`case` is `kind` `linked_case`: CC-2026-000012 is a duplicate of CC-2026-000007."""

    __tablename__ = "case_link"
    __table_args__ = (UniqueConstraint("case_id", "linked_case_id", "kind"),
                      CheckConstraint("kind IN ('duplicate_of')", name="known_kind"),
                      CheckConstraint("case_id <> linked_case_id", name="not_itself"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    linked_case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped["Case"] = relationship(foreign_keys=[case_id])  # noqa: F821
    linked_case: Mapped["Case"] = relationship(foreign_keys=[linked_case_id])  # noqa: F821

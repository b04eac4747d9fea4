"""Deployed process versions: immutable, stored by content hash, with the forms they use."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class ProcessVersion(Base):
    __tablename__ = "process_version"
    # A content hash may repeat: a rollback deploys an older version's content again as a new number.
    __table_args__ = (UniqueConstraint("process_key", "number"),
                      Index("ix_process_version_key_hash", "process_key", "content_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(80), index=True)  # the BPMN process id
    name: Mapped[str] = mapped_column(String(200))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the BPMN and the forms snapshot
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the message templates its send tasks name
    messages: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # Each service area's categories: {area: [{"key", "name", "retired"}]}, kept like the forms: a case
    # keeps the list of its version, and a change to the list deploys a new version.
    categories: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text)
    deployed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[Optional["User"]] = relationship()  # noqa: F821

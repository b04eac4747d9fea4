"""Indexes kept in step with the engine: ready user tasks and waiting timers."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

_UNTAKEN = text("assigned_to_id IS NULL")


class ReadyTask(Base):
    __tablename__ = "ready_task"
    # Task lists walk these in due order, a page at a time (processes/queries.py: _task_page). Team lists
    # (tasks no one has taken) use partial indexes: PostgreSQL does not walk an index in order past an
    # "IS NULL" column, and a team's count comes from the area index alone, without the cases.
    # AUTOINCREMENT on SQLite: a task's id is its link in emails (/tasks/4), so an id is never handed out
    # twice (without it SQLite reuses the newest row's id once that row is deleted; PostgreSQL's sequences
    # never do).
    __table_args__ = (UniqueConstraint("case_id", "task_uuid"),
                      Index("ix_ready_task_assignee_due", "assigned_to_id", "due_at", "id"),
                      Index("ix_ready_task_team_due", "role", "due_at", "id", postgresql_where=_UNTAKEN,
                            sqlite_where=_UNTAKEN),
                      Index("ix_ready_task_team_area", "role", "service_area", "due_at",
                            postgresql_where=_UNTAKEN, sqlite_where=_UNTAKEN),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    form_name: Mapped[Optional[str]] = mapped_column(String(120))
    stage: Mapped[Optional[str]] = mapped_column(String(40))
    independent_of: Mapped[Optional[str]] = mapped_column(String(40))
    # The case's service area, copied (it never changes) so team lists filter without joining the cases.
    service_area: Mapped[Optional[str]] = mapped_column(String(80))
    due_at: Mapped[Optional[datetime]]
    assigned_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    case: Mapped["Case"] = relationship(back_populates="ready_tasks")  # noqa: F821
    assigned_to: Mapped[Optional["User"]] = relationship()  # noqa: F821


class WaitingTimer(Base):
    __tablename__ = "waiting_timer"
    __table_args__ = (UniqueConstraint("case_id", "task_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("comment_case.id", ondelete="CASCADE"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(index=True)

    case: Mapped["Case"] = relationship()  # noqa: F821

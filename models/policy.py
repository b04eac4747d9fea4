"""Policy the process owner edits: council closure days, timescale profiles and settings."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

PROFILES = {"council": "Council document (default)", "code2024": "Complaint Handling Code 2024"}


class ClosureDay(Base):
    """A day the council is closed (for example between Christmas and New Year): not a working day."""

    __tablename__ = "closure_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    added_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Timescale(Base):
    """One timescale of one profile: a number of working days, or where a count starts from."""

    __tablename__ = "timescale"
    __table_args__ = (CheckConstraint("profile IN ('council', 'code2024')", name="known_profile"),)

    profile: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    working_days: Mapped[Optional[int]]
    counts_from: Mapped[Optional[str]] = mapped_column(String(20))  # receipt | acknowledgement


class PolicySetting(Base):
    """Small named settings: the active timescale profile, close of business."""

    __tablename__ = "policy_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))

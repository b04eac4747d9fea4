"""Staff accounts and their roles."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Base

# Role ids are the lane names of the diagrams in snake case ("Senior officer" -> senior_officer).
ROLES = {
    "front_line_officer": "Front line officer",
    "investigating_officer": "Investigating officer",
    "senior_officer": "Senior officer",
    "customer_relations_officer": "Customer Relations Officer",
    "service_manager": "Service manager",
    "process_owner": "Process owner",
    "administrator": "Administrator",
    "reports_reader": "Reports reader (read only)",
    "director": "Director",  # told when overdue work taken over by a senior officer is late again
}
# Who has a case, by the role of its task, in the words a letter uses.
ROLE_IN_LETTERS = {
    "front_line_officer": "our customer services team",
    "investigating_officer": "an investigating officer",
    "senior_officer": "a senior officer",
    "customer_relations_officer": "our Customer Relations Officer",
    "service_manager": "the manager of the service",
}
_ROLE_LIST = ", ".join(f"'{r}'" for r in ROLES)
# Seniority: a grade from 1 to 10, higher is more senior. An account without one has the highest of its
# roles' grades here, so a stage 2 review (which needs someone above whoever handled stage 1) works before an
# administrator records grades.
GRADES = range(1, 11)
ROLE_GRADES = {"front_line_officer": 1, "investigating_officer": 2, "senior_officer": 3,
               "customer_relations_officer": 3, "service_manager": 4, "director": 5}


def role_for_lane(lane: str | None) -> str | None:
    slug = (lane or "").strip().lower().replace(" ", "_").replace("-", "_")
    return slug if slug in ROLES else None


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("grade BETWEEN 1 AND 10", name="known_grade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    grade: Mapped[Optional[int]]  # see GRADES
    # Wrong passwords in a row, and when the next attempt may be checked (processes.accounts.sign_in).
    failed_logins: Mapped[int] = mapped_column(default=0)
    wait_until: Mapped[Optional[datetime]]
    # Changed at sign-out: part of the session stamp, so a cookie copied before it no longer signs anyone in.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The newest notification this person has seen on their notifications page: the header counts those after
    # it.
    notifications_seen_id: Mapped[int] = mapped_column(default=0, server_default="0")
    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")
    service_areas: Mapped[list["UserServiceArea"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names & set(roles))

    @property
    def seniority(self) -> int:
        """The recorded grade, or the highest grade of the account's roles (0: roles that handle no case)."""
        return self.grade or max((ROLE_GRADES.get(r, 0) for r in self.role_names), default=0)

    @property
    def service_area_names(self) -> set[str]:
        return {a.service_area for a in self.service_areas}

    # Flask-Login protocol, kept here so models need not import Flask.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    is_anonymous = False

    def get_id(self) -> str:
        """The id with a stamp of the password hash, status and session version: a password change,
        deactivation or sign-out ends every session signed in before it (the loader refuses an id whose stamp
        no longer matches)."""
        return f"{self.id}:{self.session_stamp()}"

    def session_stamp(self) -> str:
        stamp = f"{self.password_hash}|{self.active}|{self.session_version}"
        return hashlib.sha256(stamp.encode()).hexdigest()[:16]


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="known_role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)
    user: Mapped[User] = relationship(back_populates="roles")


class UserServiceArea(Base):
    """The service areas whose cases an officer sees (besides the cases assigned to them)."""
    __tablename__ = "user_service_area"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    service_area: Mapped[str] = mapped_column(String(80), primary_key=True)
    user: Mapped[User] = relationship(back_populates="service_areas")

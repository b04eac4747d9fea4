"""Signing in: passwords checked against their hash, repeated failures slowed down and locked out."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ROLES, User, UserRole, UserServiceArea
from processes.access import require, roles_may
from processes.errors import InvalidInput, NotAllowed, NotFound
from processes.policy.calendar import LONDON
from processes.records.audit import audit

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
WRONG = "The email address or password is not right"


def sign_in(session: Session, email: str, password: str, now: datetime) -> User:
    """The user whose password this is; NotAllowed (the same words whether or not the account exists)
    otherwise, and after five failures in a row the account waits fifteen minutes."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        audit(session, None, "sign-in failed", f"Unknown or inactive account: {email.strip()[:254]}")
        raise NotAllowed(WRONG)
    if user.locked_until and user.locked_until > now:
        audit(session, user, "sign-in refused", "Account locked after repeated wrong passwords")
        raise NotAllowed(f"Too many wrong passwords. Try again after "
                         f"{user.locked_until.astimezone(LONDON):%-I:%M%p}"
                         .replace("AM", "am").replace("PM", "pm"))
    if not user.check_password(password):
        audit(session, user, "sign-in failed", "Wrong password")
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.failed_logins, user.locked_until = 0, now + LOCK_FOR
        session.flush()
        raise NotAllowed(WRONG)
    user.failed_logins, user.locked_until = 0, None
    audit(session, user, "signed in", "Signed in")
    return user


MIN_PASSWORD = 12
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_user(session: Session, user_id: int | None, values: dict, areas: set[str]) -> dict[str, str]:
    """Field name -> message for what is wrong with an account's details."""
    errors = {}
    if not values["name"]:
        errors["name"] = "Enter the full name"
    elif len(values["name"]) > 120:
        errors["name"] = "Name must be 120 characters or fewer"
    clash = session.scalar(select(User.id).where(func.lower(User.email) == values["email"].lower(),
                                                  User.id != (user_id or 0)))
    if not EMAIL.match(values["email"]) or len(values["email"]) > 254:
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    elif clash is not None:
        errors["email"] = "Another account already uses this email address"
    if not values["roles"] or not set(values["roles"]) <= set(ROLES):
        errors["roles"] = "Select at least one role"
    if not set(values["service_areas"]) <= areas:
        errors["service_areas"] = "Select service areas from the list"
    if values["password"] and len(values["password"]) < MIN_PASSWORD or (user_id is None
                                                                         and not values["password"]):
        errors["password"] = f"Enter a password of at least {MIN_PASSWORD} characters"
    return errors


def save_user(session: Session, actor: User, user_id: int | None, values: dict, areas: set[str]) -> User:
    """Create an account (user_id None) or change one: name, email, roles, service areas, active, password."""
    require(actor, "manage_accounts", "Only administrators manage accounts")
    errors = _check_user(session, user_id, values, areas)
    if user_id == actor.id and (not values["active"] or not roles_may(values["roles"], "manage_accounts")):
        errors["active" if not values["active"]
               else "roles"] = "You cannot remove your own administrator access"
    if errors:
        raise InvalidInput(errors, values)
    user = session.get(User, user_id) if user_id else User(password_hash="")
    if user is None:
        raise NotFound("There is no such account")
    before = describe_user(user) if user_id else None
    user.name, user.email, user.active = values["name"], values["email"], values["active"]
    _replace(user.roles, "role", set(values["roles"]), UserRole)
    _replace(user.service_areas, "service_area", set(values["service_areas"]), UserServiceArea)
    if values["password"]:
        user.set_password(values["password"])
        user.failed_logins, user.locked_until = 0, None
    session.add(user)
    session.flush()
    after = describe_user(user) + ("; password set" if values["password"] else "")
    audit(session, actor, "account created" if before is None else "account changed",
          f"{user.email}: {after}" if before is None else f"{user.email}: was {before}; now {after}")
    return user


def _replace(rows: list, attribute: str, wanted: set[str], make) -> None:
    """Keep the rows still wanted, drop the others, add the missing (rows have composite keys, so no
    re-adding)."""
    for row in [r for r in rows if getattr(r, attribute) not in wanted]:
        rows.remove(row)
    for value in sorted(wanted - {getattr(r, attribute) for r in rows}):
        rows.append(make(**{attribute: value}))


def describe_user(user: User) -> str:
    roles = ", ".join(sorted(user.role_names)) or "no roles"
    areas = ", ".join(sorted(user.service_area_names)) or "no service areas"
    return f"{'active' if user.active else 'deactivated'}; roles {roles}; areas {areas}"


def mark_notifications_seen(session: Session, actor: User, newest_id: int) -> None:
    """The actor has seen their notifications up to `newest_id`: the header counts only later ones as new."""
    if newest_id > actor.notifications_seen_id:
        actor.notifications_seen_id = newest_id
        session.flush()

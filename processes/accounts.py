"""Signing in: passwords checked against their hash; repeated wrong passwords slow an account down (never lock
it), and too many failures from one address stop that address for a while."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import ROLES, User, UserRole, UserServiceArea
from models.user import GRADES
from processes.access import require, roles_may
from processes.errors import InvalidInput, NotAllowed, NotFound
from processes.policy.calendar import clock_time
from processes.records.audit import audit
from processes.throttle import Cap
from processes.typed import is_email_address, whole_number

SLOW_AFTER = 5  # wrong passwords in a row; after them each attempt waits before it is checked
FIRST_WAIT = timedelta(seconds=15)
# The wait doubles up to this: short, because a stranger who knows the email address can keep it waiting.
LONGEST_WAIT = timedelta(minutes=1)
WRONG = "The email address or password is not right"


@cache
def _dummy_hash() -> str:
    """A hash of a random password, made once in the same way as real ones: an unknown email address costs
    the same hash check as a wrong password, so the time of the answer does not tell accounts apart."""
    return generate_password_hash(secrets.token_urlsafe(16))


def sign_in(session: Session, email: str, password: str, now: datetime, address: str, addresses: Cap) -> User:
    """The user whose password this is; NotAllowed otherwise, in the same words whether or not the account
    exists. After SLOW_AFTER wrong passwords in a row an attempt must wait before it is checked (and one
    made too soon neither counts nor lengthens the wait); `addresses` caps the failures from `address`, and
    attempts it stops are not audited one by one (the failure that used the allowance up says so)."""
    if (retry := addresses.retry_at(address)) is not None:
        raise NotAllowed("Too many failed sign-ins from your network. "
                         f"Try again after {clock_time(retry, seconds=True)}")
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        audit(session, None, "sign-in failed", f"Unknown or inactive account: {email.strip()[:254]}")
        _count_address_failure(session, address, addresses)
        raise NotAllowed(WRONG)
    if user.wait_until and user.wait_until > now:
        audit(session, user, "sign-in refused", "Tried again too soon after repeated wrong passwords")
        _count_address_failure(session, address, addresses)
        raise NotAllowed("Too many wrong passwords. "
                         f"Try again after {clock_time(user.wait_until, seconds=True)}")
    if not check_password_hash(user.password_hash, password):
        _count_wrong_password(session, user, now)
        _count_address_failure(session, address, addresses)
        raise NotAllowed(WRONG)
    user.failed_logins, user.wait_until = 0, None
    audit(session, user, "signed in", "Signed in")
    return user


def _count_address_failure(session: Session, address: str, addresses: Cap) -> None:
    if addresses.failed(address):
        audit(session, None, "sign-in stopped", f"Too many failed sign-ins from {address[:60]}: its sign-ins "
              "are refused for a while")


def _count_wrong_password(session: Session, user: User, now: datetime) -> None:
    audit(session, user, "sign-in failed", "Wrong password")
    user.failed_logins += 1
    if user.failed_logins >= SLOW_AFTER:
        doublings = min(user.failed_logins - SLOW_AFTER, 8)
        user.wait_until = now + min(FIRST_WAIT * 2 ** doublings, LONGEST_WAIT)
    session.flush()


def sign_out(session: Session, user: User) -> None:
    """End every session of this user: the new version changes the stamp their cookies carry."""
    user.session_version += 1
    audit(session, user, "signed out", "Signed out")
    session.flush()


MIN_PASSWORD = 12


def _check_user(session: Session, user_id: int | None, values: dict, areas: set[str]) -> dict[str, str]:
    """Field name -> message for what is wrong with an account's details."""
    errors = {}
    if not values["name"]:
        errors["name"] = "Enter the full name"
    elif len(values["name"]) > 120:
        errors["name"] = "Name must be 120 characters or fewer"
    clash = session.scalar(select(User.id).where(func.lower(User.email) == values["email"].lower(),
                                                  User.id != (user_id or 0)))
    if not is_email_address(values["email"]) or len(values["email"]) > 254:
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    elif clash is not None:
        errors["email"] = "Another account already uses this email address"
    if not values["roles"] or not set(values["roles"]) <= set(ROLES):
        errors["roles"] = "Select at least one role"
    if not set(values["service_areas"]) <= areas:
        errors["service_areas"] = "Select service areas from the list"
    if values.get("grade") and whole_number(values["grade"], max(GRADES)) not in GRADES:
        errors["grade"] = f"Grade must be a whole number from {min(GRADES)} to {max(GRADES)}"
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
    user.grade = whole_number(values["grade"]) if values.get("grade") else None
    _replace(user.roles, "role", set(values["roles"]), UserRole)
    _replace(user.service_areas, "service_area", set(values["service_areas"]), UserServiceArea)
    if values["password"]:
        user.set_password(values["password"])
        user.failed_logins, user.wait_until = 0, None
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
    grade = f"grade {user.grade}" if user.grade else "grade of the roles"
    return f"{'active' if user.active else 'deactivated'}; roles {roles}; areas {areas}; {grade}"


def mark_notifications_seen(session: Session, actor: User, newest_id: int) -> None:
    """The actor has seen their notifications up to `newest_id`: the header counts only later ones as new."""
    if newest_id > actor.notifications_seen_id:
        actor.notifications_seen_id = newest_id
        session.flush()

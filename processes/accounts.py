"""Signing in: passwords checked against their hash, repeated failures slowed down and locked out."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import User

from .audit import audit
from .calendar import LONDON
from .errors import NotAllowed

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
        raise NotAllowed(f"Too many wrong passwords. Try again after {user.locked_until.astimezone(LONDON):%-I:%M%p}"
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

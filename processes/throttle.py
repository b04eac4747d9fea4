"""Caps on failures per key (a client address, a case reference), so that no one can guess their way in.

The operations take caps as arguments and count through these calls only; the app's caps (app/limits.py) keep
the counts in Flask-Limiter's storage, Redis when configured, so that several app servers share them."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from processes.errors import NotAllowed
from processes.policy.calendar import LONDON, clock_time


class Cap(Protocol):
    """At most so many tries per key in a moving window; when they are used up, the key waits until the oldest
    try is a window old."""

    def retry_at(self, key: str) -> datetime | None:
        """When this key may try again; None if it may now."""

    def failed(self, key: str) -> bool:
        """Count one failure; True if that used up the allowance."""

    def take(self, key: str) -> bool:
        """Count one try before making it, in one step (so parallel tries cannot overshoot); False, and
        nothing counted, if none is left."""

    def forget(self, key: str) -> None:
        """Start this key's count again (the right answer was given)."""


class GuessCaps(NamedTuple):
    """The caps on guessing a case's status code: per reference, and per client address across references
    (so sequential references do not help)."""
    per_reference: Cap
    per_address: Cap


class TooManyTries(NotAllowed):
    """A cap is used up: the message says when to try again."""

    def __init__(self, message: str, retry_at: datetime):
        super().__init__(message)
        self.retry_at = retry_at


def time_to_try(moment: datetime, now: datetime) -> str:
    """10:15am (UK time), rounded up to the minute so that it is never too early; "tomorrow" past midnight."""
    exact = moment.replace(second=0, microsecond=0)
    rounded = exact + timedelta(minutes=1) if exact != moment else moment
    tomorrow = rounded.astimezone(LONDON).date() > now.astimezone(LONDON).date()
    return clock_time(rounded) + (" tomorrow" if tomorrow else "")

"""Failed sign-ins counted per client address, so one address cannot try password after password.

Kept in memory, per app (each process of a server counts its own): small, and shaped so that it can move to a
shared store (Flask-Limiter on Redis) behind the same two calls, `retry_at` and `failed`."""
from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta


class AddressFailures:
    """At most `limit` failed sign-ins from one address in any `window`; then it waits for the oldest to
    leave the window."""

    def __init__(self, limit: int = 20, window: timedelta = timedelta(minutes=15)):
        self.limit, self.window = limit, window
        self._failed: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_at(self, address: str, now: datetime) -> datetime | None:
        """When this address may try again; None if it may now."""
        with self._lock:
            recent = self._recent(address, now)
            return recent[0] + self.window if len(recent) >= self.limit else None

    def failed(self, address: str, now: datetime) -> None:
        with self._lock:
            self._recent(address, now).append(now)

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        """This address's failures still inside the window (older ones forgotten, and empty entries too)."""
        for other in [a for a, times in self._failed.items() if times and times[-1] <= now - self.window]:
            del self._failed[other]
        recent = self._failed.setdefault(address, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        return recent

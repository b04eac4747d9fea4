"""Caps on guessing and flooding, all on one Flask-Limiter per app: its counts live in Redis when REDIS_URL is
set (several app servers share them) and in memory otherwise. Each cap is a moving window: at most so many
tries per key in so many minutes (processes.throttle.Cap).

The caps: wrong status codes per case reference and per client address (the status page), failed sign-ins per
client address, and comments sent from the public form per client address. The client address is
request.remote_addr, which is the proxy's unless TRUSTED_PROXIES says how many proxies to believe (ProxyFix,
below): without a proxy a stranger's X-Forwarded-For header changes nothing."""
from __future__ import annotations

import math
import secrets
from datetime import datetime, timezone

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

from processes.throttle import GuessCaps


class Caps:
    """The app's caps by name, over its limiter's storage and moving-window strategy."""

    def __init__(self, limiter: Limiter, prefix: str):
        self.limiter, self.prefix = limiter, prefix
        self._caps: dict[str, LimiterCap] = {}

    def add(self, name: str, amount: int, minutes: int) -> None:
        self._caps[name] = LimiterCap(self, name, RateLimitItemPerMinute(amount, minutes))

    def __getitem__(self, name: str) -> LimiterCap:
        return self._caps[name]

    def forget_all(self) -> None:
        """Start every count again (tests: one test's tries must not use up the next one's). A new namespace
        rather than deleting keys, so other apps sharing the Redis (another test run) keep theirs."""
        self.prefix = f"{self.prefix.split(':')[0]}:{secrets.token_hex(6)}"
        if isinstance(self.limiter.storage, MemoryStorage):  # nobody else's: free it
            self.limiter.storage.reset()


class LimiterCap:
    """One cap (processes.throttle.Cap) counted by Flask-Limiter's strategy under the app's prefix."""

    def __init__(self, caps: Caps, name: str, item: RateLimitItemPerMinute):
        self.caps, self.name, self.item = caps, name, item

    def _keys(self, key: str) -> tuple[str, str, str]:
        return self.caps.prefix, self.name, key

    def retry_at(self, key: str) -> datetime | None:
        strategy = self.caps.limiter.limiter
        if strategy.test(self.item, *self._keys(key)):
            return None
        reset, _ = strategy.get_window_stats(self.item, *self._keys(key))
        return datetime.fromtimestamp(reset, timezone.utc)

    def failed(self, key: str) -> bool:
        strategy = self.caps.limiter.limiter
        strategy.hit(self.item, *self._keys(key))
        return not strategy.test(self.item, *self._keys(key))

    def take(self, key: str) -> bool:
        return self.caps.limiter.limiter.hit(self.item, *self._keys(key))

    def forget(self, key: str) -> None:
        self.caps.limiter.limiter.clear(self.item, *self._keys(key))


def client_address() -> str:
    """Who is asking: the connecting address, or behind TRUSTED_PROXIES proxies the one they forwarded."""
    return request.remote_addr or ""


def retry_after(moment: datetime) -> str:
    """A Retry-After header's seconds until `moment` (at least 1)."""
    return str(max(1, math.ceil((moment - datetime.now(timezone.utc)).total_seconds())))


def init_app(app: Flask) -> None:
    c = app.config
    if c["TRUSTED_PROXIES"]:
        # Believe only as many X-Forwarded-For entries as there are proxies of ours: the rightmost ones, which
        # our proxies added; whatever the client itself sent stays to their left, unread.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=c["TRUSTED_PROXIES"], x_proto=c["TRUSTED_PROXIES"])
    # A Redis that does not answer fails the request (a 500) within seconds rather than letting guesses
    # through uncounted.
    options = {"socket_timeout": 2, "socket_connect_timeout": 2} if c["REDIS_URL"] else {}
    limiter = Limiter(client_address, app=app, storage_uri=c["REDIS_URL"] or "memory://",
                      storage_options=options, strategy="moving-window")
    caps = Caps(limiter, c["RATELIMIT_KEY_PREFIX"])
    caps.add("status_reference", c["STATUS_CODE_TRIES"], c["STATUS_COOL_OFF_MINUTES"])
    caps.add("status_address", c["STATUS_ADDRESS_TRIES"], c["STATUS_COOL_OFF_MINUTES"])
    caps.add("sign_in_address", c["SIGN_IN_ADDRESS_FAILURES"], c["SIGN_IN_ADDRESS_MINUTES"])
    caps.add("submissions", c["PUBLIC_SUBMISSIONS_PER_HOUR"], 60)
    app.extensions["caps"] = caps


def caps() -> Caps:
    return current_app.extensions["caps"]


def status_caps() -> GuessCaps:
    return GuessCaps(caps()["status_reference"], caps()["status_address"])

"""The timer worker: fires due timers soon after they fall due, one committed case at a time."""
from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timezone
from typing import Callable

from models.db import begin_writing
from processes.cases.timers import fire_due_timers, hold_lease, next_due_at, release_lease
from processes.messaging.outbox import SmtpSettings, deliver_outbox
from processes.records.retention import anonymise_expired

from .extensions import db
from .unit_of_work import Turns, unit_of_work

LEASE = "timer-worker"


class AnotherWorkerRunning(Exception):
    """On SQLite only one timer worker may run."""


class TimerWorker:
    """Sleeps until the next stored due time (never longer than `poll` seconds, so a timer stored
    meanwhile is seen within `poll`), then fires everything due, oldest first."""

    def __init__(self, poll: float, lease_seconds: float = 10, log: Callable[[str], None] = print,
                 smtp: SmtpSettings | None = None, retention_years: int = 6):
        self.poll, self.lease_seconds, self.log, self.smtp = poll, lease_seconds, log, smtp
        self.retention_years, self.retention_day = retention_years, None
        self.holder = f"{socket.gethostname()} pid {os.getpid()}"
        self.single = db.engine.dialect.name == "sqlite"

    def _claim(self, turns: Turns) -> None:
        if not self.single:
            return  # PostgreSQL: any number of workers; each case is locked with SKIP LOCKED
        other = hold_lease(db.session, LEASE, self.holder, datetime.now(timezone.utc), self.lease_seconds)
        turns.end()
        if other:
            raise AnotherWorkerRunning(f"Another timer worker is already running ({other}). On SQLite one "
                                       "worker is enough; use PostgreSQL to run several.")

    def _end_turn(self, turns: Turns) -> None:
        """Commit one case, renewing the lease with it so a long batch never lets a second worker in."""
        if self.single:
            hold_lease(db.session, LEASE, self.holder, datetime.now(timezone.utc), self.lease_seconds)
        turns.end()

    def run_once(self) -> int:
        """One timer run: what is due fired case by case, the daily retention run, the outbox sent; each step
        its own unit of work, committed a case (or a message) at a time."""
        begin_writing(db.session())  # every transaction of the worker writes
        with unit_of_work(db.session) as turns:
            self._claim(turns)
            fired, errors = fire_due_timers(db.session, datetime.now(timezone.utc),
                                            commit=lambda: self._end_turn(turns))
        for error in errors:
            self.log(f"Timer failed, incident raised for the CRO: {error}")
        today = datetime.now(timezone.utc).date()
        if self.retention_day != today:  # the daily retention run
            with unit_of_work(db.session) as turns:
                anonymised = anonymise_expired(db.session, years=self.retention_years)
                self._end_turn(turns)
            self.retention_day = today
            if anonymised:
                self.log(f"retention: anonymised {anonymised} closed case(s)")
        if self.smtp and self.smtp.host:  # sent after the commit of the step that wrote them
            with unit_of_work(db.session) as turns:
                sent, failed = deliver_outbox(db.session, self.smtp, datetime.now(timezone.utc),
                                              lambda: self._end_turn(turns))
            if sent or failed:
                self.log(f"outbox: {sent} sent, {failed} failed and will be retried")
        return fired

    def seconds_to_sleep(self) -> float:
        with unit_of_work(db.session):  # only reads: ends the read, so the worker holds no snapshot asleep
            upcoming = next_due_at(db.session)
        if upcoming is None:
            return self.poll
        # Never a busy loop: due cases locked by another worker wait a moment.
        return min(self.poll, max(0.05, (upcoming - datetime.now(timezone.utc)).total_seconds()))

    def run(self, stop_after: float | None = None) -> None:
        began = time.monotonic()
        try:
            while stop_after is None or time.monotonic() - began < stop_after:
                try:
                    fired = self.run_once()
                except AnotherWorkerRunning:
                    raise
                except Exception as exc:  # noqa: BLE001 - a database outage must not end the worker
                    self.log(f"Timer worker error, trying again shortly: {exc}")
                    time.sleep(self.poll)
                    continue
                if fired:
                    now = datetime.now(timezone.utc)
                    self.log(f"{now:%Y-%m-%d %H:%M:%S} fired timers on {fired} case(s)")
                    continue  # there may be more due than one batch
                time.sleep(self.seconds_to_sleep())
        finally:
            if self.single:
                with unit_of_work(db.session):
                    release_lease(db.session, LEASE, self.holder)

"""The timer worker: fires due timers soon after they fall due, one committed case at a time."""
from __future__ import annotations

import fcntl
import os
import socket
import time
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy.exc import IntegrityError

from models.db import begin_reading, begin_writing
from processes.cases.attachments import Rules, forget_unclaimed, rescan_pending
from processes.cases.remedy_actions import notify_overdue_remedy_actions
from processes.cases.timers import fire_due_timers, next_due_at
from processes.messaging.outbox import SmtpSettings, deliver_outbox
from processes.records.audit import save_checkpoint, walk_chain
from processes.records.retention import anonymise_expired
from processes.records.subject_access import erase_closed_requests, watch_requests
from processes.reporting import snapshot
from processes.reporting.figures import dashboard

from .extensions import db
from .unit_of_work import unit_of_work


class AnotherWorkerRunning(Exception):
    """On SQLite only one timer worker may run."""


class SingleWorkerLock:
    """On SQLite, one timer worker: an OS lock (flock) on a file beside the database, held while it lives.

    The kernel drops the lock when the process ends however it ends, SIGKILL included, so a restarted worker
    takes over at once; a lease row with an expiry refused it until the expiry passed. The file holds the
    holder's name, for the message a second worker gets."""

    def __init__(self, database_file: str):
        self.path = f"{os.path.abspath(database_file)}.timers.lock"
        self.fd: int | None = None

    def acquire(self, holder: str) -> None:
        if self.fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o664)  # not inherited by child processes
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise AnotherWorkerRunning(f"Another timer worker is already running ({other}). On SQLite one "
                                       "worker is enough; use PostgreSQL to run several.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the file releases the lock
            self.fd = None


def single_worker_lock(engine) -> SingleWorkerLock | None:
    """The lock a worker on this database must hold: SQLite's file lock, or None where several may run
    (PostgreSQL locks each case it fires with SKIP LOCKED) or no other process can reach the database
    (SQLite in memory)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return SingleWorkerLock(engine.url.database)


class TimerWorker:
    """Sleeps until the next stored due time (never longer than `poll` seconds, so a timer stored
    meanwhile is seen within `poll`), then fires everything due, oldest first."""

    def __init__(self, poll: float, log: Callable[[str], None] = print,
                 smtp: SmtpSettings | None = None, retention_years: int = 6, uploads: Rules | None = None,
                 site_url: str = "", dpo_email: str | None = None):
        self.poll, self.log, self.smtp, self.uploads = poll, log, smtp, uploads
        self.site_url, self.dpo_email = site_url, dpo_email
        self.retention_years, self.retention_day = retention_years, None
        self.holder = f"{socket.gethostname()} pid {os.getpid()}"
        self.lock = single_worker_lock(db.engine)

    def claim(self) -> None:
        """Take the single-worker lock on SQLite (AnotherWorkerRunning if another worker has it)."""
        if self.lock is not None:
            self.lock.acquire(self.holder)

    def run_once(self) -> int:
        """One timer run: what is due fired case by case, the watched dates, the daily run, files that waited
        for clamd scanned, the outbox sent; each step its own unit of work, committed a case (or a message)
        at a time."""
        begin_writing(db.session())  # every transaction of the worker writes
        self.claim()
        with unit_of_work(db.session) as turns:
            fired, errors = fire_due_timers(db.session, datetime.now(timezone.utc), commit=turns.end)
        for error in errors:
            self.log(f"Timer failed, incident raised for the CRO: {error}")
        self.watch_subject_access()
        self.watch_remedies()
        today = datetime.now(timezone.utc).date()
        if self.retention_day != today:
            self.daily_run()
            self.retention_day = today
        self.rescan_files()
        self.send_outbox()
        self.work_out_figures()
        return fired

    def work_out_figures(self) -> None:
        """The default dashboard worked out ahead, every few minutes (processes.reporting.snapshot): added up
        without SQLite's write lock (seconds at a million cases), then kept in a short write."""
        from .reports.views import area_names, category_pairs, default_filters, today  # the page's own names
        day, now = today(), datetime.now(timezone.utc)
        period = default_filters(day)
        begin_reading(db.session())
        try:
            with unit_of_work(db.session):
                tables = (dashboard(db.session, period, day, area_names(), category_pairs())
                          if snapshot.due(db.session, period, day, now) else None)
        finally:
            begin_writing(db.session())
        if tables is not None:
            try:
                with unit_of_work(db.session):
                    snapshot.store(db.session, period, day, tables, now)
            except IntegrityError:  # another worker (PostgreSQL allows several) kept the same figures first
                self.log("figures: another worker worked out the dashboard at the same moment")

    def watch_remedies(self) -> None:
        """Promised remedies past their date: the officer and the CRO told once, as soon as it passes."""
        with unit_of_work(db.session):
            overdue = notify_overdue_remedy_actions(db.session, datetime.now(timezone.utc))
        if overdue:
            self.log(f"remedies: {overdue} promised remedy(ies) overdue, the officers and the CRO told")

    def daily_run(self) -> None:
        """Retention, the files of public forms never sent, and the whole audit chain checked."""
        with unit_of_work(db.session) as turns:
            anonymised = anonymise_expired(db.session, years=self.retention_years,
                                           attachments_dir=self.uploads and self.uploads.directory)
            turns.end()
        if anonymised:
            self.log(f"retention: anonymised {anonymised} closed case(s)")
        if self.uploads is not None:  # files of public forms never sent
            with unit_of_work(db.session):
                unclaimed = forget_unclaimed(db.session, self.uploads.directory, time.time())
            if unclaimed:
                self.log(f"attachments: {unclaimed} file(s) of comments never sent deleted")
        self.check_audit_chain()

    def check_audit_chain(self) -> None:
        """The whole chain (the page checks only new entries): read without SQLite's write lock (17 s at a
        million entries), then the checkpoint saved in a short write."""
        now = datetime.now(timezone.utc)
        begin_reading(db.session())
        try:
            with unit_of_work(db.session):
                chain = walk_chain(db.session, now, full=True)
        finally:
            begin_writing(db.session())
        with unit_of_work(db.session):
            save_checkpoint(db.session, chain, now)
        if chain.broken is not None:
            self.log(f"AUDIT TRAIL TAMPERED WITH: entry {chain.broken.id} does not match the chain "
                     f"({chain.checked} entries before it check out)")

    def rescan_files(self) -> None:
        if self.uploads is None:
            return
        with unit_of_work(db.session):
            scanned = rescan_pending(db.session, self.uploads)
        if scanned["clean"] or scanned["infected"]:
            self.log(f"attachments: {scanned['clean']} clean, {scanned['infected']} infected and "
                     f"removed, {scanned['pending']} still waiting for the virus scanner")

    def send_outbox(self) -> None:
        if not (self.smtp and self.smtp.host):
            return
        with unit_of_work(db.session) as turns:  # sent after the commit of the step that wrote it
            sent, failed = deliver_outbox(db.session, self.smtp, datetime.now(timezone.utc), turns.end)
        if sent or failed:
            self.log(f"outbox: {sent} sent, {failed} failed and will be retried")

    def watch_subject_access(self) -> None:
        """Subject access requests: each one's reminder and due-date notice, once; once a day, the personal
        details of closed ones erased after the retention period."""
        now = datetime.now(timezone.utc)
        with unit_of_work(db.session):
            reminded, due = watch_requests(db.session, now, self.site_url, self.dpo_email)
            erased = (erase_closed_requests(db.session, now, self.retention_years)
                      if self.retention_day != now.date() else 0)
        if reminded or due or erased:
            self.log(f"subject access: {reminded} reminder(s), {due} due today and not answered, "
                     f"{erased} erased")

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
            self.release()

    def release(self) -> None:
        """Give up the single-worker lock (a no-op when none is held)."""
        if self.lock is not None:
            self.lock.release()

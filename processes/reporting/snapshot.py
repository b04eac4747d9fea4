"""The default dashboard worked out ahead: at a million cases the dashboard's figures take seconds to add up
(docs/performance.md), so the timer worker works out the one most people open, the last twelve whole months
unfiltered, every few minutes, and the page shows that, saying when it was worked out. Filtered figures, and
the default ones when the worker has not run lately, are worked out when asked for, as before."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import ReportSnapshot
from processes.policy.calendar import as_utc
from processes.reporting.figures import Filters, Table

WORKED_OUT_EVERY = timedelta(minutes=5)
FRESH_FOR = 2 * WORKED_OUT_EVERY  # older (the worker has stopped): the page works the figures out itself


def _key(f: Filters, today: date) -> str:
    """One snapshot a period and day (a remedy's being overdue depends on the day)."""
    return f"dashboard {f.start.isoformat()} {f.end.isoformat()} {today.isoformat()}"


def _unfiltered(f: Filters) -> bool:
    return not f.narrowing()


def due(session: Session, f: Filters, today: date, now: datetime) -> bool:
    """Whether the worker should work out the snapshot of `f` now."""
    stored = session.get(ReportSnapshot, _key(f, today))
    return stored is None or now - as_utc(stored.computed_at) >= WORKED_OUT_EVERY


def store(session: Session, f: Filters, today: date, tables: list[Table], now: datetime) -> None:
    """Keep `tables` as the snapshot of `f`, in place of any earlier one."""
    key = _key(f, today)
    session.execute(delete(ReportSnapshot).where(ReportSnapshot.key != key))
    stored = session.get(ReportSnapshot, key) or ReportSnapshot(key=key)
    stored.computed_at, stored.tables = now, [asdict(table) for table in tables]
    session.add(stored)


def stored_dashboard(session: Session, f: Filters, today: date,
                     now: datetime) -> tuple[list[Table], datetime] | None:
    """The snapshot of `f` and when it was worked out, if `f` is unfiltered and the snapshot is fresh."""
    if not _unfiltered(f):
        return None
    stored = session.get(ReportSnapshot, _key(f, today))
    if stored is None or now - as_utc(stored.computed_at) >= FRESH_FOR:
        return None
    return [Table(**table) for table in stored.tables], as_utc(stored.computed_at)


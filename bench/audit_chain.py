"""What checking the audit chain costs: the whole chain (the nightly run, `flask audit verify`) against the
audit page's check of the entries since the last one (processes/records/audit.py: check_chain).

Usage: .venv/bin/python bench/audit_chain.py [--entries N ...] [--database sqlite|postgresql ...]
Builds a chain of N entries (default 100,000 and 1,000,000) in a database of its own (/tmp/cc-bench-audit.db,
cc_bench_audit), then times a full check, and a page's check after 50 new entries. Prints a table; asserts
nothing.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.cli import upgrade_database  # noqa: E402
from models import AuditEntry, AuditHead  # noqa: E402
from processes.records.audit import GENESIS, _digest, check_chain  # noqa: E402

URLS = {"sqlite": "sqlite:////tmp/cc-bench-audit.db",
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/cc_bench_audit"}
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
CRO = "Carla Relations <cro@example.org>"


def fresh(database: str) -> str:
    url = URLS[database]
    if database == "sqlite":
        Path("/tmp/cc-bench-audit.db").unlink(missing_ok=True)
    else:
        with create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                           isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS cc_bench_audit"))
            conn.execute(text("CREATE DATABASE cc_bench_audit"))
    upgrade_database(url)
    return url


def append(session: Session, first: int, count: int, prev: str) -> str:
    """`count` entries as views of cases write them, chained on from `prev`; the head moved to the last.
    Returns the last entry's hash."""
    rows = []
    for i in range(first, first + count):
        fields = dict(at=START + timedelta(seconds=i), actor_id=None, actor=CRO, action="view",
                      case_reference=f"CC-2026-{i % 999999:06d}", detail="Opened the case page")
        digest = _digest(prev, **fields)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    for at in range(0, len(rows), 10_000):
        session.execute(insert(AuditEntry), rows[at:at + 10_000])
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, last_hash=prev))
    else:
        session.execute(update(AuditHead).values(last_hash=prev))
    session.commit()
    return prev


def measure(database: str, entries: int) -> list[tuple]:
    engine = create_engine(fresh(database))
    with Session(engine) as session:
        last = append(session, 0, entries, GENESIS)
    with Session(engine) as session:
        began = time.perf_counter()
        chain = check_chain(session, datetime.now(timezone.utc), full=True)
        session.commit()
        full = time.perf_counter() - began
        assert chain.broken is None and chain.checked == entries
    with Session(engine) as session:
        append(session, entries, 50, last)
    with Session(engine) as session:
        began = time.perf_counter()
        chain = check_chain(session, datetime.now(timezone.utc))
        session.commit()
        page = time.perf_counter() - began
        assert chain.broken is None and chain.checked == entries + 50
    engine.dispose()
    return [(database, entries, "full check (nightly, flask audit verify)", full),
            (database, entries, "the audit page's check, 50 new entries", page)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, action="append")
    parser.add_argument("--database", choices=sorted(URLS), action="append")
    options = parser.parse_args()
    rows = []
    for database in options.database or ["sqlite", "postgresql"]:
        for entries in options.entries or [100_000, 1_000_000]:
            rows.extend(measure(database, entries))
    print("| database | entries | check | seconds |\n|---|---|---|---|")
    for database, entries, what, seconds in rows:
        print(f"| {database} | {entries:,} | {what} | {seconds:.3f} |")


if __name__ == "__main__":
    main()

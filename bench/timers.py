"""Timer firing at scale: 10,000 waiting timers of which 1,000 fall due, fired by a real worker process.

Usage: .venv/bin/python bench/timers.py [--waiting 10000] [--due 1000]
Two measures per database:
- backlog: all the due timers are already overdue when the worker starts (after downtime); the time
  to fire them all, and the cases fired per second;
- stream: the due timers fall due one after another over ten seconds while the worker runs; the delay
  from each due time to its firing (median, p95, max).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app import create_app  # noqa: E402
from app.cli import upgrade_database  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.clone import clone_cases  # noqa: E402
from bench.databases import fresh_postgres, fresh_sqlite, postgres_running  # noqa: E402
from models import CaseEvent, WaitingTimer  # noqa: E402
from processes.diagrams.deploy import deploy_shipped

LONG_AGO = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)


def prepare(url: str, waiting: int, due: int):
    """Cases whose timers are not due (received today) and cases whose timers are due (received long ago)."""
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV": "bench"})
    with app.app_context():
        deploy_shipped(db.session, app.extensions["forms"])
        db.session.commit()
        due_ids = clone_cases(db.session, 1, LONG_AGO)
        per_case = db.session.scalar(select(func.count(WaitingTimer.id)))
        due_ids += clone_cases(db.session, max(0, due // per_case - 1), LONG_AGO)
        clone_cases(db.session, max(1, (waiting - due) // per_case), datetime.now(timezone.utc))
        db.session.commit()
        total = db.session.scalar(select(func.count(WaitingTimer.id)))
        print(f"  {total} waiting timers stored, {len(due_ids) * per_case} of them due", flush=True)
    return app, due_ids


def run_worker(url: str, until, limit_seconds: float) -> float:
    env = {**os.environ, "DATABASE_URL": url, "CC_ENV": "development", "TIMER_POLL_SECONDS": "1"}
    began = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "timers", "run"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not until() and time.perf_counter() - began < limit_seconds:
            time.sleep(0.05)
        return time.perf_counter() - began
    finally:
        worker.terminate()
        worker.wait()


def fired_at(due_ids) -> dict[int, datetime]:
    rows = db.session.execute(select(CaseEvent.case_id, func.min(CaseEvent.at))
                              .where(CaseEvent.kind == "notified", CaseEvent.case_id.in_(due_ids))
                              .group_by(CaseEvent.case_id))
    return dict(rows.all())


def backlog(url: str, waiting: int, due: int) -> dict:
    app, due_ids = prepare(url, waiting, due)
    with app.app_context():
        def done():
            db.session.rollback()
            return len(fired_at(due_ids)) == len(due_ids)
        elapsed = run_worker(url, done, 600)
        times = sorted(fired_at(due_ids).values())
        db.session.remove()
        db.engine.dispose()
    firing = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
    return {"cases": len(due_ids), "fired": len(times), "seconds_with_worker_start": round(elapsed, 2),
            "seconds_firing": round(firing, 2), "cases_per_second": round(len(times) / max(firing, 1e-9), 1)}


def stream(url: str, waiting: int, due: int, spread: float = 10.0) -> dict:
    app, due_ids = prepare(url, waiting, due)
    with app.app_context():
        # The index says when each case falls due: one after another over `spread` seconds from now.
        start = datetime.now(timezone.utc) + timedelta(seconds=3)
        due_at = {case_id: start + timedelta(seconds=spread * i / len(due_ids))
                  for i, case_id in enumerate(due_ids)}
        for case_id, when in due_at.items():
            db.session.execute(update(WaitingTimer).where(WaitingTimer.case_id == case_id)
                               .values(due_at=when))
        db.session.commit()

        def done():
            db.session.rollback()
            return len(fired_at(due_ids)) == len(due_ids)
        run_worker(url, done, 600)
        delays = sorted((fired - due_at[case_id]).total_seconds()
                        for case_id, fired in fired_at(due_ids).items())
        db.session.remove()
        db.engine.dispose()
    return {"cases": len(due_ids), "fired": len(delays),
            "delay_median_s": round(statistics.median(delays), 3),
            "delay_p95_s": round(delays[int(0.95 * (len(delays) - 1))], 3),
            "delay_max_s": round(delays[-1], 3)}


def fresh_url(dialect: str) -> str:
    return fresh_sqlite("cc-bench-timers-") if dialect == "sqlite" else fresh_postgres("cc_bench_timers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    dialects = ["sqlite"]
    if postgres_running():
        dialects.append("postgresql")
    results = {}
    for dialect in dialects:
        print(f"{dialect}: backlog", flush=True)
        results[f"{dialect} backlog"] = backlog(fresh_url(dialect), args.waiting, args.due)
        print(f"{dialect}: stream", flush=True)
        results[f"{dialect} stream"] = stream(fresh_url(dialect), args.waiting, args.due)
    print(f"\n{'run':<22}{'cases':>7}{'fired':>7}  result")
    for name, row in results.items():
        rest = ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("cases", "fired"))
        print(f"{name:<22}{row['cases']:>7}{row['fired']:>7}  {rest}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "timers.json").write_text(json.dumps({"args": vars(args), "results": results}, indent=2))


if __name__ == "__main__":
    main()

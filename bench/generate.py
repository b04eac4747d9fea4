"""Make a large, realistic database: by default 100,000 closed and 10,000 open cases.

Running the procedure for each of 110,000 cases would take hours on a small machine, so this does it
in two parts:

1. A pool of a few hundred case lives (`--pool`, default 400) goes through the real operations
   (submit_comment, complete_task, agree_extension, the case's due timers) with time travel: every
   type, channel and service area, outcomes, remedies, late and extended responses, escalations to the
   senior officer and stage 2 reviews, received over the two years before `--until`. A tenth of the
   pool is left open part-way through, received in the last six weeks.
2. Their rows are copied in batches with fresh references and status links until the totals are
   reached. Closed copies are shifted by whole weeks within the two years (so weekdays stay weekdays);
   they keep the facts their original recorded (deadlines and response times shifted with them, the
   working-day counts and in-time flags as the real operations computed them) and, like any closed case,
   no workflow state or history (the case page of a copy shows no history). Open copies are exact copies
   of their original, workflow state, tasks, timers and history included, so they can be worked.

Use it from other bench scripts (`generate(url, closed=..., open_cases=...)`) or from the command line:
    .venv/bin/python bench/generate.py --closed 100000 --open 10000 --database sqlite:////tmp/big.db
A progress bar (tqdm) goes to stderr when it is a terminal.
"""
from __future__ import annotations

import argparse
import random
import secrets
import sys
import time
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from pathlib import Path

from sqlalchemy import func, insert, select, text
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.cli import seed_demo_users, upgrade_database  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.lives import live_pool  # noqa: E402
from models import (Case, CaseEvent, CaseRemedy, CaseStage, ReadyTask, ReferenceCounter,  # noqa: E402
                    WaitingTimer)
from processes.diagrams.deploy import deploy_shipped  # noqa: E402
from processes.search.cases import index_all  # noqa: E402

BATCH = 2000
Personalise = Callable[[random.Random, dict], None]  # gives a copy's row a customer of its own
STAGE_TIMES = ("received_at", "started_at", "ack_due_at", "acknowledged_at", "response_due_at",
               "responded_at")


def progress(label: str, total: int) -> tqdm:
    """A progress bar on stderr, silent when stderr is not a terminal (disable=None)."""
    return tqdm(total=max(total, 0), desc=label, unit="case", disable=None)


def _rows(model, where) -> list[dict]:
    columns = [c for c in model.__table__.columns if c.name != "id"]
    return [r._asdict() for r in db.session.execute(select(*columns).where(where))]


def _snapshot(case_ids: list[int], with_state: bool) -> list[dict]:
    """Each pool case's own rows, ready to copy."""
    query = select(Case.id, Case.workflow_state).where(Case.id.in_(case_ids))
    states = {case_id: state for case_id, state in db.session.execute(query)} if with_state else {}
    snaps = []
    for case_id in case_ids:
        case = {c.name: getattr(r, c.name)
                for r in db.session.execute(select(Case.__table__).where(Case.id == case_id))
                for c in Case.__table__.columns if c.name not in ("id", "workflow_state")}
        case["workflow_state"] = states.get(case_id, "")
        snap = {"case": case, "stage": _rows(CaseStage, CaseStage.case_id == case_id),
                "remedy": _rows(CaseRemedy, CaseRemedy.case_id == case_id)}
        if with_state:
            snap.update(task=_rows(ReadyTask, ReadyTask.case_id == case_id),
                        timer=_rows(WaitingTimer, WaitingTimer.case_id == case_id),
                        # A copy's history names none of the pool case's tasks: their links stay the pool
                        # case's.
                        event=[{**r, "task_id": None}
                               for r in _rows(CaseEvent, CaseEvent.case_id == case_id)])
        snaps.append(snap)
    return snaps


def _shift(row: dict, names, by: timedelta) -> dict:
    return {**row, **{n: row[n] + by for n in names if row.get(n) is not None}}


class Copier:
    """Copies pool cases in batches with new ids, references and status links."""

    def __init__(self, first: date, last: date, personalise: Personalise | None = None):
        self.first, self.last, self.personalise = first, last, personalise
        self.next_id = (db.session.scalar(select(func.max(Case.id))) or 0) + 1
        self.counters = {c.year: c.last for c in db.session.scalars(select(ReferenceCounter))}

    def shift_for(self, rng: random.Random, received: datetime) -> timedelta:
        """Whole weeks that keep the copy inside the two years."""
        lowest = -((received.date() - self.first).days // 7)
        highest = (self.last - received.date()).days // 7
        return timedelta(weeks=rng.randint(lowest, max(lowest, highest)))

    def copy(self, snaps: list[dict], count: int, rng: random.Random, shifted: bool, bar: tqdm) -> None:
        while count > 0:
            batch = self._batch(snaps, min(BATCH, count), rng, shifted)
            for model, rows in batch.items():
                if rows:
                    db.session.execute(insert(model), rows)
            db.session.commit()
            count -= len(batch[Case])
            bar.update(len(batch[Case]))

    def _batch(self, snaps, n, rng, shifted) -> dict:
        out = {Case: [], CaseStage: [], CaseRemedy: [], ReadyTask: [], WaitingTimer: [], CaseEvent: []}
        for _ in range(n):
            snap = rng.choice(snaps)
            by = self.shift_for(rng, snap["case"]["received_at"]) if shifted else timedelta(0)
            case = _shift(snap["case"], ("received_at", "closed_at", "created_at"), by)
            year = case["received_at"].year
            self.counters[year] = self.counters.get(year, 0) + 1
            case.update(id=self.next_id, reference=f"CC-{year}-{self.counters[year]:06d}",
                        status_token=secrets.token_urlsafe(24))
            if self.personalise is not None:  # a customer of its own (bench/search.py), not the original's
                self.personalise(rng, case)
            out[Case].append(case)
            out[CaseStage] += [{**_shift(r, STAGE_TIMES, by), "case_id": self.next_id} for r in snap["stage"]]
            out[CaseRemedy] += [{**r, "case_id": self.next_id} for r in snap["remedy"]]
            for model, key in ((ReadyTask, "task"), (WaitingTimer, "timer"), (CaseEvent, "event")):
                out[model] += [{**r, "case_id": self.next_id} for r in snap.get(key, ())]
            self.next_id += 1
        return out

    def finish(self) -> None:
        for year, last in self.counters.items():
            counter = db.session.get(ReferenceCounter, year) or ReferenceCounter(year=year)
            counter.last = last
            db.session.add(counter)
        if db.engine.dialect.name == "postgresql":  # ids were given explicitly: move the sequence on
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('comment_case', 'id'), "
                                    "(SELECT max(id) FROM comment_case))"))
        db.session.commit()
        # Planner statistics as a live database has them (autovacuum on PostgreSQL, ANALYZE on SQLite).
        analyse = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(analyse))


def generate(url: str, closed: int = 100_000, open_cases: int = 10_000, pool: int = 400,
             until: date | None = None, seed: int = 2026,
             personalise: Personalise | None = None, timings: dict[str, float] | None = None) -> None:
    """Fill the database at `url` (migrated and seeded here) with `closed` + `open_cases` cases; each copy's
    row passes through `personalise` if given. The copies are put in the search index as they would have
    been written. `timings` is given the seconds of each part."""
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV": "bench"})
    until = until or datetime.now(timezone.utc).date()
    first = until - timedelta(days=730)
    rng = random.Random(seed)
    with app.app_context():
        deploy_shipped(db.session, app.extensions["forms"])
        seed_demo_users(db.session, app.extensions["forms"])
        db.session.commit()
        timings = {} if timings is None else timings
        began = time.monotonic()
        open_pool = max(1, min(pool // 10, open_cases))
        with progress("real case lives", pool) as bar:
            closed_ids, open_ids = live_pool(db.session, rng, pool - open_pool, open_pool, first, until, bar)
        copier = Copier(first, until - timedelta(days=7), personalise)
        last_lived = copier.next_id - 1
        timings["lives"], began = time.monotonic() - began, time.monotonic()
        with progress("closed copies", closed - len(closed_ids)) as bar:
            copier.copy(_snapshot(closed_ids, False), max(0, closed - len(closed_ids)), rng, True, bar)
        with progress("open copies", open_cases - len(open_ids)) as bar:
            copier.copy(_snapshot(open_ids, True), max(0, open_cases - len(open_ids)), rng, False, bar)
        timings["copies"], began = time.monotonic() - began, time.monotonic()
        with progress("search index", closed + open_cases - last_lived) as bar:
            index_all(db.session, after=last_lived, done=bar.update)
            db.session.commit()
        timings["search index"], began = time.monotonic() - began, time.monotonic()
        copier.finish()
        timings["analyse"] = time.monotonic() - began
        db.session.remove()
    app.extensions["db_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--closed", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=10_000, dest="open_cases")
    parser.add_argument("--pool", type=int, default=400, help="case lives run through the real operations")
    parser.add_argument("--database", default="sqlite:////tmp/cc-generated.db")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    began = time.monotonic()
    generate(args.database, args.closed, args.open_cases, args.pool, seed=args.seed)
    print(f"{args.closed + args.open_cases} cases in {args.database} ({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()

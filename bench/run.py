"""Benchmarks of the procedure's hot paths, through the real operations, on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/run.py [--cases 500]   (or `make bench`)
Prints a table and writes bench/results/latest.json. Nothing here asserts a time: it measures.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import time_machine
from sqlalchemy import select, text
from tqdm import tqdm
from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402
from app.cli import seed_demo_users, upgrade_database  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.databases import fresh_postgres, fresh_sqlite, postgres_running  # noqa: E402
from models import USER_WITH_ROLES_AND_AREAS, ReadyTask, User  # noqa: E402
from processes.cases import queries
from processes.diagrams.deploy import deploy_shipped
from processes.cases.tasks import complete_task
from processes.cases.submission import submit_comment
from processes.cases.timers import fire_due_timers

BLOCK = 25  # tasks per block of one measure (see bench_database)
START = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)  # a Monday, no bank holidays for three weeks
DETAILS = {"comment_type": "complaint", "service_area": "waste", "comment": "Missed bin.",
           "customer_name": "Bench"}


def stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3)}


def timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def progress(label: str, total: int) -> tqdm:
    """A progress bar on stderr, silent when stderr is not a terminal (disable=None)."""
    return tqdm(total=total, desc=f"  {label}", disable=None)


def bench_database(url: str, cases: int) -> dict:
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV": "bench"})
    results = {}
    with app.app_context(), time_machine.travel(START, tick=True):
        deploy_shipped(db.session, app.extensions["forms"])
        seed_demo_users(db.session, app.extensions["forms"])
        db.session.commit()
        frontline = db.session.scalar(select(User).filter_by(email="frontline@example.org"))
        submit = []
        with progress("submit_comment", cases) as bar:
            for _ in range(cases):
                submit.append(timed(lambda: (submit_comment(db.session, None, DETAILS, "web",
                                                            datetime.now(timezone.utc)),
                                             db.session.commit())))
                bar.update()
        results["submit_comment + commit"] = stats(submit)
        results["team task list query"] = stats(
            [timed(lambda: queries.team_tasks(db.session, frontline).items) for _ in range(30)])
        task_ids = list(db.session.scalars(select(ReadyTask.id).where(ReadyTask.bpmn_id == "first_contact")))
        form = MultiDict({"first_contact_outcome": "formal", "first_contact_notes": "Bench"})
        complete, bare, by_reference = [], [], []
        engine = app.extensions["workflow_engine"]  # the app's own: its specs are cached by the submissions
        frontline_id = frontline.id
        values = {"first_contact_outcome": "formal", "first_contact_notes": "Bench"}
        # Each measure runs in blocks of its own, taking turns block by block: one after another, each step
        # is measured as it runs when repeated, and a drift of the shared machine weighs on all three. (Taken
        # task by task, each step ran after the others' work, with the database's side of the connection gone
        # cold: the completion measured 2 to 3 ms more, its commit alone 0.4 ms more; see
        # docs/performance.md.)
        bar = progress("complete_task", len(task_ids))
        for start in range(0, len(task_ids), BLOCK):
            block = []
            for task_id in task_ids[start:start + BLOCK]:
                task = db.session.get(ReadyTask, task_id)
                # The bare engine saves and restores the way the library does, with the whole spec in the
                # state; the app saves a reference to its version's spec instead (processes/engine/specs.py,
                # SpecByReference).
                block.append((task_id, task.task_uuid, task.case.workflow_state,
                              engine.standalone_state(task.case.workflow_state)))
            for _, uuid, _, whole in block:
                bare.append(timed(lambda: engine.complete_task(whole, uuid, values)))
            for _, uuid, state, _ in block:
                by_reference.append(timed(lambda: engine.complete_task(state, uuid, values)))
            for task_id, *_ in block:
                # As in a request: a new session, holding only the officer, loaded with their roles and areas
                # in one query before the view, as the app's Flask-Login loader does.
                db.session.remove()
                officer = db.session.get(User, frontline_id, options=USER_WITH_ROLES_AND_AREAS)
                complete.append(timed(lambda: (complete_task(db.session, officer, task_id, form, None),
                                               db.session.commit())))
            bar.update(len(block))
        bar.close()
        results["complete_task + commit"] = stats(complete)
        results["bare engine: restore, run, save"] = stats(bare)
        results["the same, spec by reference"] = stats(by_reference)
        # "One database commit" in the target: a transaction writing one case row, committed.
        one_row = text("UPDATE comment_case SET row_version = row_version WHERE id = :id")
        case_id = db.session.scalar(select(ReadyTask.case_id).limit(1))
        results["one commit (one row written)"] = stats(
            [timed(lambda: (db.session.execute(one_row, {"id": case_id}), db.session.commit()))
             for _ in range(len(task_ids) or 1)])
    with app.app_context(), time_machine.travel(START + timedelta(days=30), tick=True):
        due = db.session.scalar(text("SELECT count(*) FROM waiting_timer"))
        began = time.perf_counter()
        fired, _ = fire_due_timers(db.session, datetime.now(timezone.utc), limit=100_000,
                                   commit=db.session.commit)
        elapsed = time.perf_counter() - began
        results["fire due timers (per case)"] = {"n": fired,
                                                 "median_ms": round(elapsed / max(fired, 1) * 1000, 3),
                                                 "p95_ms": None, "due_timers": due}
        db.session.remove()
    app.extensions["db_engine"].dispose()
    return results


def target_ratio(rows: dict) -> tuple[float, float]:
    """Completing a task against the bare engine, and against the target "3 × bare engine + one commit"."""
    complete, bare = (rows["complete_task + commit"]["median_ms"],
                      rows["bare engine: restore, run, save"]["median_ms"])
    return complete / bare, complete / (3 * bare + rows["one commit (one row written)"]["median_ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=500)
    args = parser.parse_args()
    targets = {"sqlite": fresh_sqlite("cc-bench-")}
    if postgres_running():
        targets["postgresql"] = fresh_postgres("cc_bench")
    table = {}
    for name, url in targets.items():
        print(f"{name}: {args.cases} complaints")
        table[name] = bench_database(url, args.cases)
    print(f"\n{'measure':<36}{'database':<12}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    for name, rows in table.items():
        for measure, row in rows.items():
            p95 = "" if row["p95_ms"] is None else f"{row['p95_ms']:.2f}"
            print(f"{measure:<36}{name:<12}{row['n']:>6}{row['median_ms']:>12.2f}{p95:>10}")
        ratio, target = target_ratio(rows)
        print(f"{'complete_task / bare engine':<36}{name:<12}{'':>6}{ratio:>12.2f}")
        print(f"{'complete_task / (3 × bare + commit)':<36}{name:<12}{'':>6}{target:>12.2f}"
              "   (target: at most 1)")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps({"cases": args.cases, "results": table}, indent=2))


if __name__ == "__main__":
    main()

"""Task list page latency at 1,000 cases and at 110,000 (100,000 closed, 10,000 open): it must not grow with
history.

Usage: .venv/bin/python bench/tasklist.py [--repeat 30] [--reuse]
Fills a SQLite file and a PostgreSQL database at each size with bench/generate.py (the large ones are shared
with bench/dashboard.py: --reuse measures them as they are; the small ones are always made afresh), then
requests "Team tasks" and "My tasks" through the Flask app as officers with a full page of tasks waiting, the
two sizes taking turns request by request, and prints median and p95 in ms. It asserts nothing.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402
from app.cli import upgrade_database  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.databases import fresh_postgres  # noqa: E402
from bench.generate import generate  # noqa: E402
from models import Case, ReadyTask, User  # noqa: E402

# At 1,000 cases a quarter are open, so every measured team has a full page (50 tasks) at both sizes and the
# comparison is of the same page: only the history and the queue behind it grow.
SIZES = {"1,000": (750, 250), "110,000": (100_000, 10_000)}
URLS = {("sqlite", "1,000"): "sqlite:////tmp/cc-bench-tasks-1k.db",
        ("sqlite", "110,000"): "sqlite:////tmp/cc-bench-reports.db",
        ("postgresql", "1,000"): "postgresql+psycopg://postgres@127.0.0.1:5432/cc_bench_tasks_1k",
        ("postgresql", "110,000"): "postgresql+psycopg://postgres@127.0.0.1:5432/cc_bench_reports"}
PAGES = {"team tasks (investigating officer)": ("investigator", "/tasks/team"),
         "team tasks (front line)": ("frontline", "/tasks/team"),
         "my tasks (investigating officer)": ("investigator", "/tasks/")}
TAKEN = 60  # tasks the investigating officer has taken, so "My tasks" has a full page too


def take_tasks(email: str) -> None:
    """Give the officer TAKEN of their team's tasks (as if claimed), if they have fewer."""
    officer = db.session.scalar(select(User).filter_by(email=email))
    have = db.session.scalar(select(func.count(ReadyTask.id)).filter_by(assigned_to_id=officer.id))
    ids = select(ReadyTask.id).where(ReadyTask.role == "investigating_officer",
                                     ReadyTask.assigned_to_id.is_(None))
    db.session.execute(update(ReadyTask)
                       .where(ReadyTask.id.in_(ids.order_by(ReadyTask.id).limit(max(0, TAKEN - have))))
                       .values(assigned_to_id=officer.id))
    db.session.commit()


def fresh(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        fresh_postgres(url.rsplit("/", 1)[1])


def settle(engine) -> None:
    """Both sizes are measured as a database in use would be: statistics gathered, PostgreSQL's visibility map
    up to date (a database generated a moment ago has neither, and its first minutes are slower for it)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")


def prepared(url: str):
    upgrade_database(url)  # a database filled by an older checkout gets today's indexes
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV": "bench",
                      "SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        take_tasks("investigator@example.org")
        settle(app.extensions["db_engine"])
    return app


def measure(urls: dict[str, str], repeat: int) -> dict[str, dict]:
    """Each page at every size, the sizes taking turns request by request, so that the machine getting slower
    or faster for a while (it is shared) weighs on both sides of the ratio alike."""
    apps = {size: prepared(url) for size, url in urls.items()}
    rows: dict[str, dict] = {size: {} for size in urls}
    for label, (who, path) in PAGES.items():
        clients, samples = {}, {size: [] for size in urls}
        for size, app in apps.items():
            clients[size] = app.test_client()
            assert clients[size].post("/sign-in", data={"email": f"{who}@example.org",
                                                        "password": "demo-password"}).status_code == 302
            rows[size][label] = {"rows": len(re.findall(r'href="/tasks/\d+"', clients[size].get(path).text))}
        for _ in range(repeat):
            for size, client in clients.items():
                began = time.perf_counter()
                assert client.get(path).status_code == 200
                samples[size].append((time.perf_counter() - began) * 1000)
        for size, taken in samples.items():
            ordered = sorted(taken)
            rows[size][label].update(median_ms=round(statistics.median(ordered), 2),
                                     p95_ms=round(ordered[int(0.95 * (len(ordered) - 1))], 2))
    for size, app in apps.items():
        with app.app_context():
            rows[size]["cases"] = db.session.scalar(select(func.count(Case.id)))
            rows[size]["ready tasks"] = db.session.scalar(select(func.count(ReadyTask.id)))
            db.session.remove()
        app.extensions["db_engine"].dispose()
    return rows


def run(repeat: int = 30, reuse: bool = False, databases=("sqlite", "postgresql"), sizes=None,
        urls=None) -> dict:
    """`sizes` and `urls` (like SIZES and URLS) replace the defaults, e.g. for bench/all.py --quick."""
    results = {}
    for kind in databases:
        chosen = {}
        for size, (closed, open_cases) in (sizes or SIZES).items():
            chosen[size] = (urls or URLS)[(kind, size)]
            if not reuse or size == "1,000":  # the small ones take seconds to make
                fresh(chosen[size])
                generate(chosen[size], closed=closed, open_cases=open_cases,
                         pool=min(400, closed + open_cases))
        for size, rows in measure(chosen, repeat).items():
            results[f"{kind} {size}"] = rows
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    results = run(args.repeat, args.reuse, args.database or ("sqlite", "postgresql"))
    print(f"\n{'page':<38}" + "".join(f"{k:>20}" for k in results))
    for label in PAGES:
        print(f"{label:<38}" + "".join(f"{r[label]['median_ms']:>10.1f} /{r[label]['p95_ms']:>7.1f}"
                                       for r in results.values()))
        print(f"{'  (tasks on the page)':<38}" + "".join(f"{r[label]['rows']:>20}" for r in results.values()))
    print(f"{'(cases / ready tasks)':<38}" + "".join(f"{r['cases']:>11,} /{r['ready tasks']:>7,}"
                                                   for r in results.values()))
    for kind in {k.split()[0] for k in results}:
        small, large = results[f"{kind} 1,000"], results[f"{kind} 110,000"]
        for label in PAGES:
            print(f"{kind}: {label}: 110,000 / 1,000 = "
                  f"{large[label]['median_ms'] / small[label]['median_ms']:.2f}")


if __name__ == "__main__":
    main()

"""How long the reports dashboard takes at 100,000 closed and 10,000 open cases, on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/dashboard.py [--closed 100000] [--open 10000] [--repeat 20] [--reuse]
Fills each database with bench/generate.py (the PostgreSQL one is cc_bench_reports), then requests
/reports/ through the Flask app as the CRO, with and without filters, and prints the median and the
95th percentile of the whole request (every query, the charts and the HTML). It measures; it asserts nothing.
`run()` is what bench/all.py calls.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402
from app.cli import upgrade_database  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.databases import fresh_postgres, postgres_running  # noqa: E402
from bench.generate import generate  # noqa: E402
from models import Case  # noqa: E402

SQLITE_URL = "sqlite:////tmp/cc-bench-reports.db"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cc_bench_reports"
PAGES = {
    "dashboard, last 12 months": "/reports/",
    "dashboard, two years": "/reports/?from={two_years_ago}",
    "filtered: waste complaints online": "/reports/?service_area=waste&comment_type=complaint&channel=web",
    "filtered: one quarter, phone": "/reports/?from={quarter_start}&to={quarter_end}&channel=phone",
    "annual report": "/reports/annual",
    "one table as CSV": "/reports/responded.csv",
}


def measure(url: str, repeat: int) -> tuple[int, dict[str, tuple[float, float]]]:
    """Median and p95 in ms of each page, after one warm-up request."""
    upgrade_database(url)  # a database filled by an older checkout gets today's indexes
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV": "bench", "WTF_CSRF_ENABLED": False,
                      "SESSION_COOKIE_SECURE": False})  # the test client speaks plain http
    today = date.today()
    places = {"two_years_ago": (today - timedelta(days=730)).isoformat(),
              "quarter_start": (today - timedelta(days=200)).isoformat(),
              "quarter_end": (today - timedelta(days=110)).isoformat()}
    client = app.test_client()
    assert client.post("/sign-in", data={"email": "cro@example.org",
                                         "password": "demo-password"}).status_code == 302
    results = {}
    for label, path in PAGES.items():
        path = path.format(**places)
        assert client.get(path).status_code == 200
        samples = []
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        ordered = sorted(samples)
        results[label] = (statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))])
    with app.app_context():
        cases = db.session.scalar(select(func.count(Case.id)))
        db.session.remove()
    app.extensions["db_engine"].dispose()
    return cases, results


def run(closed: int = 100_000, open_cases: int = 10_000, repeat: int = 20, reuse: bool = False,
        databases=("sqlite", "postgresql"), urls: dict | None = None) -> dict:
    """{database: (cases, {page: (median ms, p95 ms)})}, filling each database first unless `reuse`."""
    urls = urls or {"sqlite": SQLITE_URL, "postgresql": PG_URL}
    table = {}
    for name in databases:
        url = urls[name]
        if not reuse:
            if name == "sqlite":
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            else:
                fresh_postgres(url.rsplit("/", 1)[1])
            print(f"{name}: generating {closed} closed and {open_cases} open cases", flush=True)
            generate(url, closed, open_cases)
        table[name] = measure(url, repeat)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--closed", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=10_000, dest="open_cases")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure the databases already filled")
    args = parser.parse_args()
    databases = ["sqlite"] + (["postgresql"] if args.reuse or postgres_running() else [])
    table = run(args.closed, args.open_cases, args.repeat, args.reuse, databases)
    print(f"\n{'page':<38}{'database':<12}{'cases':>8}{'median ms':>11}{'p95 ms':>9}")
    for name, (cases, rows) in table.items():
        for label, (median, p95) in rows.items():
            print(f"{label:<38}{name:<12}{cases:>8}{median:>11.1f}{p95:>9.1f}")


if __name__ == "__main__":
    main()

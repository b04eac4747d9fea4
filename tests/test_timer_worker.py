"""The timer worker as real processes: killed mid-batch it loses nothing and fires nothing twice;
two workers on PostgreSQL share the work without overlap; on SQLite a second worker is refused while the
first lives, and a killed worker's successor takes over at once.

These tests use their own database (a SQLite file, or a fresh PostgreSQL database when the suite
runs on PostgreSQL), because the workers are separate processes that commit for real.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.extensions import db as app_db
from bench.clone import clone_cases, count_due
from models import CaseEvent, ReadyTask
from models.db import make_engine

from .helpers.database import DATABASE_URL, DIALECT, deployed_app

ROOT = Path(__file__).resolve().parent.parent
RECEIVED = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)  # every timer of these cases is long overdue


@pytest.fixture()
def worker_db(tmp_path):
    """A database of its own with the shipped processes deployed; yields (url, app)."""
    if DIALECT == "postgresql":  # named after the suite's database, so two suites at once never share it
        server, suite_db = DATABASE_URL.rsplit("/", 1)
        workers_db = f"{suite_db}_workers"
        admin = make_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{workers_db}"'))
            conn.execute(text(f'CREATE DATABASE "{workers_db}"'))
        admin.dispose()
        url = f"{server}/{workers_db}"
    else:
        url = f"sqlite:///{tmp_path / 'workers.db'}"
    app = deployed_app(url, "workers")
    yield url, app
    with app.app_context():
        app_db.session.remove()
        app_db.engine.dispose()


def start_worker(url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "CC_ENV": "development", "TIMER_POLL_SECONDS": "0.2"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "timers", "run"], cwd=ROOT,
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def fired_per_case(session) -> dict[int, int]:
    rows = session.execute(select(CaseEvent.case_id, func.count()).where(
        CaseEvent.kind == "timer", CaseEvent.summary == "Answer deadline passed").group_by(CaseEvent.case_id))
    return dict(rows.all())


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_worker_killed_mid_batch_loses_nothing_and_fires_nothing_twice(worker_db, tmp_path):
    url, app = worker_db
    with app.app_context():
        ids = clone_cases(app_db.session, 300, RECEIVED)
        app_db.session.commit()
        session = app_db.session
        log = tmp_path / "workers.log"
        first = start_worker(url, log)
        try:
            assert wait_until(lambda: (session.rollback(), sum(fired_per_case(session).values()))[1] >= 30,
                              60), log.read_text()
            first.send_signal(signal.SIGKILL)  # in the middle of the batch
            first.wait()
            session.rollback()
            assert 0 < len(fired_per_case(session)) < len(ids), "the kill was meant to land mid-batch"
            second = start_worker(url, log)
            try:
                assert wait_until(lambda: (session.rollback(),
                                           count_due(session, datetime.now(timezone.utc)))[1] == 0,
                                  90), log.read_text()
            finally:
                second.terminate()
                second.wait()
        finally:
            if first.poll() is None:
                first.kill()
        session.rollback()
        assert fired_per_case(session) == {case_id: 1 for case_id in ids}
        escalated = session.scalar(select(func.count()).where(ReadyTask.bpmn_id == "answer_query_escalated"))
        assert escalated == len(ids)


@pytest.mark.skipif(DIALECT != "postgresql",
                    reason="several workers need PostgreSQL; SQLite allows one (tested below)")
def test_two_workers_on_postgresql_share_2000_due_cases_without_overlap(worker_db, tmp_path):
    url, app = worker_db
    with app.app_context():
        ids = clone_cases(app_db.session, 2000, RECEIVED)
        app_db.session.commit()
        session = app_db.session
        assert count_due(session, datetime.now(timezone.utc)) >= 2000
        log = tmp_path / "workers.log"
        workers = [start_worker(url, log), start_worker(url, log)]
        try:
            assert wait_until(lambda: (session.rollback(),
                                       count_due(session, datetime.now(timezone.utc)))[1] == 0,
                              180), log.read_text()
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait()
        session.rollback()
        assert fired_per_case(session) == {case_id: 1 for case_id in ids}
        output = log.read_text()
        assert output.count("Timer worker started") == 2 and "fired timers" in output


@pytest.mark.skipif(DIALECT != "sqlite", reason="the single-worker rule is SQLite's")
def test_a_second_worker_on_sqlite_is_told_one_is_enough(worker_db, tmp_path):
    url, _app = worker_db
    log = tmp_path / "workers.log"
    first = start_worker(url, log)
    try:
        assert wait_until(lambda: "Timer worker started" in log.read_text(), 30)
        time.sleep(0.5)
        second = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "timers", "run", "--once"],
                                cwd=ROOT, env={**os.environ, "DATABASE_URL": url, "CC_ENV": "development"},
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "Another timer worker is already running" in second.stderr
        assert "On SQLite one worker is enough" in second.stderr
    finally:
        first.terminate()
        first.wait()


@pytest.mark.skipif(DIALECT != "sqlite", reason="the single-worker rule is SQLite's")
def test_a_killed_worker_on_sqlite_is_replaced_at_once_eight_times_over(worker_db, tmp_path):
    """The lock dies with the process: a worker started the moment the last was SIGKILLed is never refused."""
    url, _app = worker_db
    log = tmp_path / "workers.log"
    def started(count: int) -> bool:  # a worker says it started once it holds the lock
        return wait_until(lambda: log.read_text().count("Timer worker started") == count, 30)

    worker = start_worker(url, log)
    try:
        for kills in range(1, 9):
            assert started(kills), log.read_text()
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            worker = start_worker(url, log)
        assert started(9), log.read_text()
        time.sleep(0.5)
        assert worker.poll() is None, log.read_text()  # still running: it holds the lock
        assert log.read_text().count("Another timer worker") == 0  # refusals (with the lease row: 2 and more)
    finally:
        worker.kill()
        worker.wait()

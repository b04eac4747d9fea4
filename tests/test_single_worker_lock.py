"""On SQLite one timer worker at a time: the OS lock on a file beside the database, in one process (each
lock its own open file, as two workers' would be). Real processes are killed in tests/test_timer_worker.py."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from app.worker import AnotherWorkerRunning, SingleWorkerLock, single_worker_lock


def test_a_second_holder_is_refused_with_the_first_ones_name_until_it_lets_go(tmp_path):
    database = str(tmp_path / "cases.db")
    first, second = SingleWorkerLock(database), SingleWorkerLock(database)
    first.acquire("host-a pid 1")
    with pytest.raises(AnotherWorkerRunning, match=r"running \(host-a pid 1\)\. On SQLite one worker"):
        second.acquire("host-b pid 2")
    first.release()
    second.acquire("host-b pid 2")
    assert (tmp_path / "cases.db.timers.lock").read_text() == "host-b pid 2"
    with pytest.raises(AnotherWorkerRunning, match=r"\(host-b pid 2\)"):
        SingleWorkerLock(database).acquire("host-c pid 3")
    second.release()


def test_acquiring_again_while_holding_keeps_the_lock(tmp_path):
    lock = SingleWorkerLock(str(tmp_path / "cases.db"))
    lock.acquire("me")
    lock.acquire("me")
    with pytest.raises(AnotherWorkerRunning):
        SingleWorkerLock(str(tmp_path / "cases.db")).acquire("someone else")
    lock.release()


def test_only_a_sqlite_file_needs_the_lock(tmp_path):
    assert single_worker_lock(create_engine(f"sqlite:///{tmp_path / 'cases.db'}")).path == (
        f"{tmp_path / 'cases.db'}.timers.lock")
    assert single_worker_lock(create_engine("sqlite://")) is None  # in memory: no other process reaches it
    assert single_worker_lock(create_engine("sqlite:///:memory:")) is None
    assert single_worker_lock(create_engine("postgresql+psycopg://u@127.0.0.1/x")) is None  # SKIP LOCKED


def test_a_worker_run_once_lets_the_lock_go_when_the_command_ends(app):
    """`timers run --once` in a process that lives on (cron through a wrapper, the tests) must not keep the
    lock: it did, and the next --once in that process was refused as another worker."""
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["timers", "run", "--once"])
        assert result.exit_code == 0, result.output
        assert "fired timers on 0 case(s)" in result.output

"""Engine and session factory for SQLite (the embedded default) and PostgreSQL."""
from __future__ import annotations

import fcntl
import os
import threading
import time

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so SAVEPOINTs work
        # (the pysqlite recipe in SQLAlchemy's documentation).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if ":memory:" not in url and url != "sqlite://":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    queue = WriterQueue(engine.url.database) if engine.url.database not in (None, "", ":memory:") else None

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        writing = connection.get_execution_options().get(WRITING)
        info = connection.connection.info
        if writing and queue:
            queue.enter(info)
        # NORMAL only for a commit that a later one makes durable (see begin_writing); FULL otherwise
        synchronous = "NORMAL" if writing == LATER_COMMIT_SYNCS else "FULL"
        if info.get("synchronous", "FULL") != synchronous:
            connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
            info["synchronous"] = synchronous
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    if queue:  # a connection leaves the queue when it goes back to the pool (after its commit or rollback)
        event.listen(engine, "checkin", lambda _dbapi, record: queue.leave(record.info))
        event.listen(engine, "close", lambda _dbapi, record: queue.leave(record.info))
    return engine


class WriterQueue:
    """Writers to one SQLite file wait their turn on an OS lock (flock on `<database>-writers`).

    SQLite's own wait for its write lock sleeps and retries (1, 2, 5, 10 ms and longer), so under load the
    lock often stands free while the next writer sleeps. A writer here tries every 0.2 ms, so it goes on
    within a fraction of a millisecond of the previous one's connection going back to the pool. SQLite's
    lock still guards the data; this only orders the waiting. After `timeout` seconds (a writer stuck in a
    transaction), or when a thread already holds the queue through another connection (it would wait for
    itself), SQLite's own timeout decides, as it would without the queue."""

    def __init__(self, database: str, timeout: float = 30):
        self.path = f"{os.path.abspath(database)}-writers"
        self.timeout = timeout
        self.holders: set[int] = set()  # threads of this process in the queue's lock

    def enter(self, info: dict) -> None:
        thread = threading.get_ident()
        if "writer_fd" in info or thread in self.holders:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o664)
        except OSError:  # a folder we cannot write in: SQLite's own waiting still works
            return
        if not self._wait(fd):
            os.close(fd)  # a writer stuck for longer: SQLite's own timeout reports it ("database is locked")
            return
        info.update(writer_fd=fd, writer_thread=thread)
        self.holders.add(thread)

    def _wait(self, fd: int) -> bool:
        """Take the lock, trying every 0.2 ms (a lock held past 0.05 s: every 2 ms), for up to `timeout`."""
        began = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                waited = time.monotonic() - began
                if waited > self.timeout:
                    return False
                time.sleep(0.0002 if waited < 0.05 else 0.002)

    def leave(self, info: dict) -> None:
        fd = info.pop("writer_fd", None)
        if fd is not None:
            self.holders.discard(info.pop("writer_thread"))
            os.close(fd)  # closing the file releases the lock


WRITING = "sqlite_begin_immediate"
LATER_COMMIT_SYNCS = "later_commit_syncs"


def begin_writing(session: Session, later_commit_syncs: bool = False) -> None:
    """Say that this session's transactions will write.

    On SQLite each then begins IMMEDIATE, taking the write lock before its first read. A transaction that
    reads first and writes later fails ("database is locked") whenever another writer committed in between,
    which under load is nearly always; and a writer waiting for the lock is better than one refused.
    PostgreSQL needs nothing: the option means nothing there.

    `later_commit_syncs`: the commit need not wait for the disk, because nothing depends on it until a later
    commit that does (a reserved reference number, say). SQLite's write-ahead log is written in order, so the
    later commit's sync makes this one durable too; if the power fails before that, nothing used it."""
    session.execution_options = session.execution_options.union(
        {WRITING: LATER_COMMIT_SYNCS if later_commit_syncs else True})


def begin_reading(session: Session) -> None:
    """Undo begin_writing for the session's next transactions: they begin without taking the write lock."""
    session.execution_options = session.execution_options.union({WRITING: False})


def make_session_factory(engine: Engine, info: dict | None = None) -> sessionmaker[Session]:
    """Sessions on `engine`; each starts with its own copy of `info` (an app's engine and site, say)."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=info or {})

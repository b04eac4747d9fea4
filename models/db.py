"""Engine and session factory for SQLite (the embedded default) and PostgreSQL."""
from __future__ import annotations

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

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        writing = connection.get_execution_options().get(WRITING)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


WRITING = "sqlite_begin_immediate"


def begin_writing(session: Session) -> None:
    """Say that this session's transactions will write.

    On SQLite each then begins IMMEDIATE, taking the write lock before its first read. A transaction that
    reads first and writes later fails ("database is locked") whenever another writer committed in between,
    which under load is nearly always; and a writer waiting for the lock is better than one refused.
    PostgreSQL needs nothing: the option means nothing there."""
    session.execution_options = session.execution_options.union({WRITING: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)

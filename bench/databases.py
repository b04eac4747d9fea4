"""Empty databases for the benchmarks: a SQLite file in a new temporary folder, or a PostgreSQL database made
afresh."""
from __future__ import annotations

import subprocess
import tempfile

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def postgres_running() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


def fresh_postgres(name: str) -> str:
    """Drop and create database `name` (closing anything still connected to it); its URL."""
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                    f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", "-c", f"CREATE DATABASE {name}"],
                   check=True)
    return f"{PG_SERVER}/{name}"


def fresh_sqlite(prefix: str) -> str:
    return f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.db"

"""Alembic environment: the URL comes from the caller's config or DATABASE_URL."""
import os
from logging.config import fileConfig

from alembic import context

from models import Base
from models.search import described_by_models
from models.db import make_engine

config = context.config
if config.config_file_name and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations copy and drop tables that other rows point at; SQLite checks foreign keys on
            # DROP TABLE, so they are off while migrating (outside any transaction, where the PRAGMA counts).
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                          compare_type=True, include_name=described_by_models)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()

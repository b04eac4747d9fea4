"""Commands: set up the database and demo data, deploy diagrams, run the timer worker."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from models import User, UserRole, UserServiceArea
from models.user import ROLES
from processes.access import ADMIN, CRO, DIRECTOR, FRONT_LINE, INVESTIGATOR, MANAGER, OWNER, READER, SENIOR
from processes.cases.attachments import rules_from
from processes.diagrams.deploy import deploy_shipped
from processes.diagrams.forms import service_areas

from .extensions import db
from .unit_of_work import unit_of_work
from .worker import AnotherWorkerRunning, TimerWorker

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-password"
DEMO_USERS = [  # (email, name, roles)
    ("frontline@example.org", "Fran Front", [FRONT_LINE]),
    ("investigator@example.org", "Ian Investigator", [INVESTIGATOR]),
    ("investigator2@example.org", "Isla Investigator", [INVESTIGATOR]),
    ("senior@example.org", "Sam Senior", [SENIOR]),
    ("senior2@example.org", "Sade Senior", [SENIOR]),
    ("cro@example.org", "Carla Relations", [CRO]),
    ("manager@example.org", "Mo Manager", [MANAGER]),
    ("owner@example.org", "Priya Owner", [OWNER]),
    ("admin@example.org", "Ada Admin", [ADMIN]),
    ("reports@example.org", "Rory Reports", [READER]),
    ("director@example.org", "Dee Director", [DIRECTOR]),
]
# Recorded grades (the others have their roles' grade): Sade may review a stage 1 that Sam, a senior officer
# of grade 3, answered when it was taken over late.
DEMO_GRADES = {"senior2@example.org": 4}


def alembic_config(url: str) -> AlembicConfig:
    """Alembic's settings for the database at `url`, with the project's migrations."""
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def seed_demo_users(session, forms: dict) -> list[tuple[str, str, list[str]]]:
    """One account per role, each working in every service area; existing accounts are left as they are."""
    areas = [value for value, _ in service_areas(forms)]
    for email, name, roles in DEMO_USERS:
        if session.scalar(select(User).filter_by(email=email)) is None:
            user = User(email=email, name=name, roles=[UserRole(role=r) for r in roles],
                        grade=DEMO_GRADES.get(email),
                        service_areas=[UserServiceArea(service_area=a) for a in areas])
            user.set_password(DEMO_PASSWORD)
            session.add(user)
    session.flush()
    return DEMO_USERS


def init_app(app: Flask) -> None:
    app.cli.add_command(setup)
    app.cli.add_command(audit_group)
    app.cli.add_command(retention_group)
    app.cli.add_command(processes_group)
    app.cli.add_command(timers_group)


@click.command("setup")
@with_appcontext
@click.option("--demo/--no-demo", default=False, help="Create one demo account per role.")
def setup(demo: bool) -> None:
    """Create or upgrade the database, deploy the shipped processes and (with --demo) add demo accounts."""
    upgrade_database(current_app.config["DATABASE_URL"])
    with unit_of_work(db.session):
        versions = deploy_shipped(db.session, current_app.extensions["forms"])
        users = seed_demo_users(db.session, current_app.extensions["forms"]) if demo else []
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")
    for v in versions:
        click.echo(f"Process {v.process_key}: version {v.number} ({v.content_hash[:12]})")
    if users:
        click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for email, name, roles in users:
            click.echo(f"  {email:<28} {name:<18} {', '.join(ROLES[r] for r in roles)}")


@click.group("processes", cls=AppGroup)
def processes_group() -> None:
    """Deploy process diagrams."""


@processes_group.command("deploy")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--comment", required=True, help="Why this version is being deployed.")
def deploy(path: Path, comment: str) -> None:
    """Deploy a .bpmn file as new process versions (forms come from the forms folder), once it validates."""
    from processes.diagrams.editing import NotValid, deploy_diagram
    try:
        forms = current_app.extensions["forms"]
        with unit_of_work(db.session):
            versions = deploy_diagram(db.session, None, path.read_bytes(), forms, comment)
    except NotValid as exc:
        raise click.ClickException(f"{path.name}: " + "\n  ".join(map(str, exc.problems))) from exc
    for v in versions:
        click.echo(f"Deployed {v.process_key} version {v.number} ({v.content_hash[:12]})")


@click.group("timers", cls=AppGroup)
def timers_group() -> None:
    """The timer worker that escalates overdue work."""


@timers_group.command("run")
@click.option("--once", is_flag=True, help="Fire what is due now and stop.")
@click.option("--seconds", type=float, default=None, help="Stop after this many seconds (for tests).")
def run_timers(once: bool, seconds: float | None) -> None:
    """Fire due timers, then sleep until the next one is due (at most the poll interval)."""
    from . import smtp_settings
    config = current_app.config
    worker = TimerWorker(config["TIMER_POLL_SECONDS"], log=click.echo, smtp=smtp_settings(current_app),
                         retention_years=config["RETENTION_YEARS"], uploads=rules_from(config),
                         site_url=config["BASE_URL"], dpo_email=config["DPO_EMAIL"])
    try:
        worker.claim()  # before saying it started: a worker that says so holds the lock
        click.echo(f"Timer worker started on {db.engine.url.render_as_string(hide_password=True)} "
                   f"({worker.holder})")
        if once:
            fired = worker.run_once()
            click.echo(f"fired timers on {fired} case(s)")
        else:
            worker.run(stop_after=seconds)
    except AnotherWorkerRunning as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        worker.release()  # --once too: a command run in a process that lives on must not keep the lock


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
def verify_audit() -> None:
    """Check the hash chain: exit 1 and name the first bad entry if anything was changed or removed."""
    from processes.records.audit import check_chain
    with unit_of_work(db.session):  # the checkpoint moves (back before a break, if one is found)
        chain = check_chain(db.session, datetime.now(timezone.utc), full=True)
    if chain.broken is not None:
        raise click.ClickException(f"audit entry {chain.broken.id} does not match the chain ({chain.checked} "
                                   "entries before it check out): it was changed, or entries were removed")
    click.echo(f"Audit trail intact: {chain.checked} entries check out")


@click.group("retention", cls=AppGroup)
def retention_group() -> None:
    """Records retention."""


@retention_group.command("run")
def run_retention() -> None:
    """Anonymise closed cases past the retention period (not those on legal hold)."""
    from processes.records.retention import anonymise_expired
    with unit_of_work(db.session):
        count = anonymise_expired(db.session, years=current_app.config["RETENTION_YEARS"],
                                  attachments_dir=current_app.config["ATTACHMENTS_DIR"])
    click.echo(f"Anonymised {count} closed case(s) older than {current_app.config['RETENTION_YEARS']} years")

"""The history officers read leaves out the engine's own steps (the audit trail keeps them); the command line
says in one line what is missing when it cannot start, and the README's commands work as written."""
from __future__ import annotations

import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import lxml.html
import time_machine
from alembic import command
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.cli import alembic_config, seed_demo_users
from app.extensions import db as app_db
from models import AuditEntry, Case, CaseEvent, User
from processes.cases.submission import submit_comment
from processes.cases.tasks import claim_task, complete_task
from processes.cases.timers import fire_due_timers

from .helpers.database import deployed_app
from .helpers.points import for_the_task

ROOT = Path(__file__).resolve().parents[1]
FLASK = ROOT / ".venv" / "bin" / "flask"
PHONED = {"comment_type": "complaint", "service_area": "housing", "comment": "The repair was never done.",
          "customer_name": "Pat Caller", "customer_email": "pat@example.com", "preferred_contact": "email"}
SCRIPT_STEPS = ("Work out stage 1 deadlines", "Work out the response deadline",
                "Escalate to a senior officer and tell the CRO", "Remind the investigating officer")


def _work(db, users, case, bpmn_id, who, **answers):
    task = next(t for t in case.ready_tasks if t.bpmn_id == bpmn_id)
    claim_task(db, users[who], task.id)
    answers.update(for_the_task(task.case, task, answers))
    complete_task(db, users[who], task.id, MultiDict(answers), None)
    db.commit()
    db.refresh(case)


def _escalated_complaint(db, users) -> Case:
    """A complaint phoned in on Friday 19 December 2025, acknowledged, reminded about, then escalated."""
    with time_machine.travel(datetime(2025, 12, 19, 11, tzinfo=timezone.utc), tick=False):
        case = submit_comment(db, users["frontline"], PHONED, "phone",
                              datetime(2025, 12, 19, 10, tzinfo=timezone.utc))
        db.commit()
        _work(db, users, case, "first_contact", "frontline", first_contact_outcome="formal",
              first_contact_notes="Needs investigating.")
        _work(db, users, case, "acknowledge_stage1", "investigator", ack_method="email")
    reminder, escalation = (datetime(2026, 1, day, 0, 0, 1, tzinfo=timezone.utc) for day in (5, 8))
    for moment in (reminder, escalation):
        with time_machine.travel(moment, tick=False):
            assert fire_due_timers(db, moment, commit=db.commit) == (1, [])
    db.refresh(case)
    return case


def _history(html: str) -> list[str]:
    lines = lxml.html.fromstring(html).xpath("//ol[contains(@class, 'cc-history')]/li//strong")
    return [" ".join(line.text_content().split()) for line in lines]


def test_the_officers_history_shows_what_people_did_and_what_happened_not_script_steps(db, users, login_as):
    case = _escalated_complaint(db, users)
    shown = _history(login_as("cro").get(f"/cases/{case.reference}").text)
    assert [line for line in shown if line in SCRIPT_STEPS] == []
    assert "Complaint received" not in shown  # the start event: "Complaint received: phone" says it
    escalated = ("Told the customer relations officer: "
                 "Stage 1 response deadline passed: escalated to a senior officer")
    for line in ("Complaint received: phone", "Fran Front completed “Try to resolve at first contact”",
                 "Ian Investigator completed “Acknowledge the complaint”", "Reminder before the deadline",
                 "Response deadline passed", escalated):
        assert line in shown
    assert any(line.startswith("Message to the customer, emailed: ") for line in shown)
    assert not any("pat@example.com" in line for line in shown)  # the outbox row has the address
    # The case's own record and the audit trail keep every step.
    kept = set(db.scalars(select(CaseEvent.summary).filter_by(case_id=case.id, kind="step")))
    assert set(SCRIPT_STEPS) <= kept
    audited = set(db.scalars(select(AuditEntry.detail).filter_by(case_reference=case.reference)))
    assert set(SCRIPT_STEPS) <= audited


def test_steps_and_timers_are_recorded_by_kind_and_still_marked_done_on_the_chart(db, users, login_as):
    case = _escalated_complaint(db, users)
    kinds = {e.summary: e.kind for e in case.events if e.kind in ("step", "timer")}
    assert kinds["Response deadline passed"] == "timer" and kinds["Reminder before the deadline"] == "timer"
    assert kinds["Escalate to a senior officer and tell the CRO"] == "step"
    page = login_as("cro").get(f"/cases/{case.reference}").text
    done = re.search(r'data-done="([^"]*)"', page).group(1).split()
    assert {"set_stage1_deadlines", "stage1_response_overdue", "escalate_stage1"} <= set(done)


def _flask(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The command line as the README writes it, in an environment with nothing set but what is given."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **env}
    return subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=60)


def test_without_a_secret_key_the_command_line_says_what_is_missing_in_one_line():
    result = _flask("timers", "run")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["Error: Set SECRET_KEY to a long random string (or CC_ENV=development for a local run): "
                     "the app does not start in production without it"]


def test_the_readme_commands_for_a_local_machine_name_the_setting_they_need():
    readme = (ROOT / "README.md").read_text()
    local = readme.split("## Deploying")[0]
    commands = re.findall(r"`([^`]*flask --app wsgi [^`]*)`", local)
    assert commands and all(c.startswith("CC_ENV=development ") for c in commands)
    timers = _flask("timers", "run", "--help", CC_ENV="development")
    assert timers.returncode == 0 and "--once" in timers.stdout
    deploy = _flask("processes", "deploy", "--help", CC_ENV="development")
    assert deploy.returncode == 0 and "--comment" in deploy.stdout


def test_the_upgrade_gives_timer_lines_written_before_their_own_kind_back_to_the_history(tmp_path):
    """Before timers had a kind of their own, every line the engine wrote was a 'step'; the upgrade finds the
    timers from each version's diagram, so the officer's history keeps them."""
    url = f"sqlite:///{tmp_path / 'upgraded.db'}"
    app = deployed_app(url)
    with app.app_context():
        seed_demo_users(app_db.session, app.extensions["forms"])
        users = {u.email.split("@")[0]: u for u in app_db.session.scalars(select(User))}
        reference = _escalated_complaint(app_db.session, users).reference
        app_db.session.remove()
    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    command.downgrade(config, "3b7d5e1f9a20")  # the lines as the release before wrote them
    with app.app_context():
        kinds = dict(app_db.session.execute(select(CaseEvent.summary, CaseEvent.kind).join(Case)
                                            .where(Case.reference == reference)).all())
        app_db.session.remove()
    assert kinds["Response deadline passed"] == "step" and "timer" not in kinds.values()
    command.upgrade(config, "head")
    with app.app_context():
        kinds = dict(app_db.session.execute(select(CaseEvent.summary, CaseEvent.kind).join(Case)
                                            .where(Case.reference == reference)).all())
        app_db.session.remove()
    app.extensions["db_engine"].dispose()
    assert kinds["Response deadline passed"] == "timer" and kinds["Reminder before the deadline"] == "timer"
    assert all(kinds[step] == "step" for step in SCRIPT_STEPS)

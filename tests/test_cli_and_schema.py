"""Commands, migrations and the saved-workflow format."""
import json
from datetime import datetime, timezone

import time_machine
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from models import Base, ProcessVersion
from models.search import described_by_models
from processes.engine import WorkflowEngine

from .helpers.database import DATA


def test_migrations_match_the_models(app, db):
    with app.extensions["db_engine"].connect() as connection:
        diff = compare_metadata(MigrationContext.configure(
            connection, opts={"include_name": described_by_models}), Base.metadata)
    assert diff == []


def test_setup_is_idempotent_and_prints_demo_accounts(app, db):
    result = app.test_cli_runner().invoke(args=["setup", "--demo"])
    assert result.exit_code == 0, result.output
    assert "cro@example.org" in result.output and "Customer Relations Officer" in result.output
    assert "Process complaint: version 1" in result.output  # the same content is not deployed twice


def test_deploy_command_refuses_a_bad_diagram_with_its_line(app, db, tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_text('<?xml version="1.0"?>\n<bpmn:definitions '
                   'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n<bpmn:process '
                   'id="x">\n</bpmn:definitions>\n')
    result = app.test_cli_runner().invoke(args=["processes", "deploy", str(bad), "--comment", "try"])
    assert result.exit_code == 1
    assert "bad.bpmn: line 4" in result.output


def test_deploy_command_refuses_a_task_in_an_unknown_lane(app, db, tmp_path):
    diagram = tmp_path / "lanes.bpmn"
    diagram.write_bytes((DATA / "mini.bpmn").read_bytes().replace(b'name="Senior officer"',
                                                                  b'name="Chief Wizard"'))
    result = app.test_cli_runner().invoke(args=["processes", "deploy", str(diagram), "--comment", "try"])
    assert result.exit_code == 1
    assert "answer_late (Answer late): is in lane “Chief Wizard”, which is not a role" in result.output


def test_timer_worker_once_reports_nothing_due(app, db):
    result = app.test_cli_runner().invoke(args=["timers", "run", "--once"])
    assert result.exit_code == 0 and "Timer worker started" in result.output


def test_saved_workflows_from_this_release_still_load(app, db):
    """A saved fixture: an upgrade of SpiffWorkflow that cannot read today's cases fails here."""
    saved = json.loads((DATA / "saved_complaint_workflow.json").read_text())
    engine = WorkflowEngine()
    assert saved["serializer_version"] == engine.serializer_version == "1.5"
    with time_machine.travel(datetime(2026, 3, 10, tzinfo=timezone.utc), tick=False):
        run = engine.fire_timers(json.dumps(saved["state"]))
    assert [t.bpmn_id for t in run.ready] == saved["ready"] == ["respond_stage1"]
    assert run.timers[0].due_at == datetime.fromisoformat(saved["timer_due"])
    with time_machine.travel(datetime(2026, 3, 17, 0, 0, 1, tzinfo=timezone.utc), tick=False):
        run = engine.fire_timers(run.state)
    assert [t.bpmn_id for t in run.ready] == ["respond_stage1_escalated"]


def test_shipped_diagrams_are_deployed_with_their_forms(db):
    versions = {v.process_key: v for v in db.scalars(select(ProcessVersion))}
    assert set(versions) >= {"complaint", "compliment", "query", "suggestion"}
    assert set(versions["complaint"].forms) == {"first_contact", "acknowledgement", "stage1_response",
                                                "customer_reply", "stage2_response"}
    assert all(len(v.content_hash) == 64 for v in versions.values())

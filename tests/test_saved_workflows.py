"""How a case's workflow is saved: a reference to its deployed version's spec, not the whole spec each
time."""
import json
from datetime import datetime, timezone

import pytest
import time_machine
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from models import Case
from processes.cases.runs import diagram_of
from processes.engine import SPEC_REF, WorkflowEngine, WorkflowError

from .helpers.database import DATA
from .helpers.journeys import complete, submit_online, tasks_of

MINI = (DATA / "mini.bpmn").read_bytes()
STARTED = {"received_at": "2027-01-05T10:00:00+00:00"}


class Loader:
    """A diagram loader that counts how often the engine asks for the diagram."""

    def __init__(self, xml: bytes):
        self.xml, self.calls = xml, 0

    def __call__(self) -> bytes:
        self.calls += 1
        return self.xml


def test_a_saved_workflow_names_its_spec_and_is_a_fraction_of_the_library_s_size():
    engine = WorkflowEngine()
    run = engine.start(MINI, "mini", STARTED, version_hash="v1-hash")
    saved = json.loads(run.state)
    assert saved[SPEC_REF] == {"hash": "v1-hash", "process": "mini"}
    assert "spec" not in saved and "subprocess_specs" not in saved
    whole = engine.standalone_state(run.state)
    assert "spec" in json.loads(whole) and SPEC_REF not in json.loads(whole)
    # The library on its own reads the standalone form (and only that).
    plain = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    assert [t.task_spec.bpmn_id
            for t in plain.deserialize_json(whole).get_tasks(state=TaskState.READY)] == ["answer"]
    assert len(run.state) * 2 < len(whole)


def test_another_process_loads_the_diagram_once_then_uses_its_cache():
    run = WorkflowEngine().start(MINI, "mini", STARTED, version_hash="v1-hash")
    elsewhere, loader = WorkflowEngine(), Loader(MINI)  # a second worker: nothing parsed yet
    task = run.ready[0].task_id
    with time_machine.travel(datetime(2027, 1, 5, 11, tzinfo=timezone.utc), tick=False):
        first = elsewhere.fire_timers(run.state, diagram=loader)
        done = elsewhere.complete_task(first.state, task, {"answer": "Done"}, diagram=loader)
    assert loader.calls == 1
    assert done.finished and json.loads(done.state)[SPEC_REF] == {"hash": "v1-hash", "process": "mini"}


def test_a_state_whose_diagram_is_neither_cached_nor_given_is_refused_plainly():
    run = WorkflowEngine().start(MINI, "mini", STARTED, version_hash="v1-hash")
    with pytest.raises(WorkflowError, match="the diagram this case runs on was not given"):
        WorkflowEngine().fire_timers(run.state)


def test_by_reference_and_the_library_s_way_run_the_same():
    engine = WorkflowEngine()
    run = engine.start(MINI, "mini", STARTED, version_hash="v1-hash")
    task = run.ready[0].task_id
    by_reference = engine.complete_task(run.state, task, {"answer": "Done"})
    whole = WorkflowEngine().complete_task(engine.standalone_state(run.state), task, {"answer": "Done"})
    assert (by_reference.finished, by_reference.end_name, by_reference.steps) == \
        (whole.finished, whole.end_name, whole.steps)
    # A state saved with its whole spec (every case saved before references) is saved that way again.
    assert "spec" in json.loads(whole.state) and SPEC_REF not in json.loads(whole.state)


def test_a_moved_workflow_names_its_new_version():
    engine = WorkflowEngine()
    run = engine.start(MINI, "mini", STARTED, version_hash="v1-hash")
    renamed = MINI.replace(b'name="Work out deadline"', b'name="Work out the deadline"')
    moved = WorkflowEngine().migrate(run.state, renamed, "mini", diagram=Loader(MINI), version_hash="v2-hash")
    assert json.loads(moved.state)[SPEC_REF] == {"hash": "v2-hash", "process": "mini"}
    assert [t.bpmn_id for t in moved.ready] == [t.bpmn_id for t in run.ready]


def test_a_case_s_state_names_the_version_it_runs_on(db, login_as):
    reference = submit_online(login_as("frontline"), "complaint")
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert json.loads(case.workflow_state)[SPEC_REF] == {"hash": case.process_version.content_hash,
                                                          "process": "complaint"}
    assert diagram_of(case)() == case.process_version.bpmn_xml
    whole = WorkflowEngine().standalone_state(case.workflow_state, diagram_of(case))
    assert len(case.workflow_state) * 4 < len(whole), (len(case.workflow_state), len(whole))
    complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
             {"first_contact_outcome": "formal",
                                                                  "first_contact_notes": "Formal complaint"})
    db.expire_all()
    assert json.loads(case.workflow_state)[SPEC_REF]["hash"] == case.process_version.content_hash


def test_mentions_finds_a_word_in_code_names_and_escaped_text_and_never_misses_one_code_reads():
    from processes.diagrams.deploy import SHIPPED_BPMN
    engine = WorkflowEngine()
    query = (SHIPPED_BPMN / "query.bpmn").read_bytes()
    script = b'response_due = add_working_days(received_at, timescales["query_response"])'
    assert not engine.mentions(query, "query", "reference")  # the shipped process never reads it
    assert engine.mentions(query, "query", "received_at")
    for variant in (script + b"\nack = reference", script + b"\nack = refer&#101;nce",
                    script + b'\nack = f"{reference}"', script + "\nack = ｒeference".encode()):
        assert engine.mentions(query.replace(script, variant), "query", "reference"), variant
    assert not engine.mentions(query.replace(script, script + b"\nreferences = 1"), "query", "reference")
    named = query.replace(b'name="Work out deadlines"', b'name="Work out deadlines and reference"')
    # a label: a false yes, which is safe
    assert named != query and engine.mentions(named, "query", "reference")


def test_fill_in_gives_the_state_the_workflow_would_have_saved_with_the_value_from_the_start():
    from processes.diagrams.deploy import SHIPPED_BPMN
    engine = WorkflowEngine()
    query = (SHIPPED_BPMN / "query.bpmn").read_bytes()
    placeholder = "(to come: 5f1e)"
    data = {"reference": placeholder, "comment_type": "query", "channel": "web", "service_area": "waste",
            "timescales": {"query_ack": 5, "query_response": 10, "reminder_before": 2},
            "received_at": "2026-11-24T10:00:00+00:00"}
    filled = engine.fill_in(engine.start(query, "query", data).state, placeholder, "CC-2026-000042")
    direct = engine.start(query, "query", {**data, "reference": "CC-2026-000042"}).state

    def task_data(state):  # each task's step, state, data and changes; not its id or time
        return sorted(json.dumps([t["task_spec"], t["state"], t["data"], t.get("delta")], sort_keys=True)
                      for t in json.loads(state)["tasks"].values())
    assert placeholder not in filled and "CC-2026-000042" in filled
    assert task_data(filled) == task_data(direct)

"""Hostile diagrams (tests/data/hostile/): each is refused at deploy or stopped at run time with a clear
message, nothing of the case is half-saved, and the app keeps serving."""
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from models import Case, Incident
from processes.cases.timers import fire_due_timers
from processes.diagrams.deploy import deploy_process
from processes.engine import MAX_BPMN_BYTES, BpmnError

from .helpers.database import DATA
from .helpers.forms import page_form
from .helpers.journeys import answer_public_query, complete, submit_online, take, tasks_of

HOSTILE = DATA / "hostile"


def deploy(db, app, name: str):
    return deploy_process(db, (HOSTILE / name).read_bytes(), app.extensions["forms"], None, f"hostile {name}")


def still_serving(client):
    assert client.get("/").status_code == 200
    assert client.get("/status/").status_code == 200


@pytest.mark.parametrize("name, reason", [
    ("import_os.bpmn", '"__import__" is an invalid variable name'),
    ("import_statement.bpmn", "import statements are not allowed"),
    ("subclasses.bpmn", '"__subclasses__" is an invalid attribute name'),
    ("getattr_trick.bpmn", "the name 'getattr' is not allowed"),
    ("open_file.bpmn", "the name 'open' is not allowed"),
    ("exec_call.bpmn", "Exec calls are not allowed"),
    ("eval_call.bpmn", "Eval calls are not allowed"),
    ("swallow_limit.bpmn", "try statements are not allowed"),
])
def test_hostile_code_is_refused_at_deploy_naming_the_element_and_line(db, app, client, name, reason):
    before = db.scalar(select(func.count()).select_from(Case))
    with pytest.raises(BpmnError) as info:
        deploy(db, app, name)
    message = str(info.value)
    assert reason in message
    # the element: the script task, the timer, or the flow a condition is written on
    assert message.startswith(("step (Work out deadlines): ", "late (Answer deadline passed): ", "f4: "))
    assert "line " in message
    assert db.scalar(select(func.count()).select_from(Case)) == before
    still_serving(client)


@pytest.mark.parametrize("name, line", [
    ("billion_laughs.bpmn", 3), ("external_entity_file.bpmn", 3), ("external_entity_http.bpmn", 3),
    ("external_dtd.bpmn", 2),
])
def test_entity_tricks_are_refused_at_upload_with_the_line(db, app, client, name, line):
    with pytest.raises(BpmnError) as info:
        deploy(db, app, name)
    assert info.value.line == line
    assert "DOCTYPE" in str(info.value) and f"line {line}:" in str(info.value)
    assert "root:" not in str(info.value)  # nothing of /etc/passwd
    still_serving(client)


def test_oversized_and_overgrown_files_are_refused(db, app):
    with pytest.raises(BpmnError, match="larger than"):
        deploy_process(db, b" " * (MAX_BPMN_BYTES + 1), app.extensions["forms"], None, "too big")
    crowd = b"<x>" + b"<y/>" * 60_000 + b"</x>"
    with pytest.raises(BpmnError, match="more than 50,000 XML elements"):
        deploy_process(db, crowd, app.extensions["forms"], None, "too many elements")


def send_public_query(client):
    """Walk the public form for a query; returns the final response (not followed)."""
    answer_public_query(client)
    return page_form(client, "/comment/check", button="Send").submit()


@pytest.mark.parametrize("name, reason", [
    ("endless_loop.bpmn", "ran more than 200,000 steps (an endless loop?)"),
    ("huge_string.bpmn", "a sequence of 10,000,000,000 items, more than the limit of 100,000"),
    ("huge_list.bpmn", "a sequence of 1,000,000,000 items"),
    ("huge_number.bpmn", "a number of more than 64,000 bits"),
    ("many_small_strings.bpmn", "more than 128 MB of memory"),
    ("format_trick.bpmn", "format*() methods of `str` is not safe"),
    ("endless_timer_expression.bpmn", "ran more than 200,000 steps"),
])
def test_hostile_code_is_stopped_at_run_time_and_nothing_is_saved(db, app, client, name, reason):
    deploy(db, app, name)
    db.commit()
    before = db.scalar(select(func.count()).select_from(Case))
    response = send_public_query(client)
    assert response.status_code == 503
    assert reason in response.text
    element = "Answer deadline passed" if "timer" in name else "Work out deadlines"
    assert f"“{element}”" in response.text or f"&#34;{element}" in response.text or element in response.text
    assert db.scalar(select(func.count()).select_from(Case)) == before  # no half-made case
    still_serving(client)


def test_a_timer_script_that_never_ends_becomes_an_incident(db, app, login_as):
    deploy(db, app, "endless_escalation.bpmn")
    db.commit()
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=timezone.utc), tick=False):
        fired, errors = fire_due_timers(db, datetime.now(timezone.utc), commit=db.commit)
    assert fired == 0 and len(errors) == 1
    assert "“Escalate” (escalate): the script ran more than 200,000 steps" in errors[0]
    assert "answer_query" in tasks_of(db, reference)  # the case is where it was
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert db.scalar(select(Incident).filter_by(case_id=case.id)).resolved_at is None
    cro = login_as("cro")
    assert "the script ran more than 200,000 steps" in cro.get("/cases/incidents").text
    still_serving(cro)


def test_a_task_whose_next_script_never_ends_is_refused_and_left_as_it_was(db, app, login_as):
    deploy(db, app, "endless_after_task.bpmn")
    db.commit()
    reference = submit_online(login_as("frontline"), "query")
    task_id = tasks_of(db, reference)["answer_query"].id
    officer = login_as("investigator")
    take(officer, tasks_of(db, reference)["answer_query"])
    response = complete(officer, task_id, {"query_answer": "Tuesdays", "query_answer_method": "email"})
    page = officer.get(response.location).text
    assert "“File the answer” (step): the script ran more than 200,000 steps" in page
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert tasks_of(db, reference)["answer_query"].id == task_id and case.status == "open"
    assert not [e for e in case.events if e.kind == "completed"]  # nothing half-saved
    still_serving(officer)

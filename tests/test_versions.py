"""Version history, the difference between versions, rollback, and moving running cases explicitly."""
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from models import AuditEntry, Case, ProcessVersion
from processes.cases.migration import migrate_case
from processes.diagrams.deploy import SHIPPED_BPMN, deploy_process, latest_version
from processes.diagrams.versions import diff_versions, get_version
from processes.engine import MigrationRefused, WorkflowEngine

from .helpers.database import DATA
from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import complete, submit_online, take, tasks_of

QUERY = (SHIPPED_BPMN / "query.bpmn").read_bytes()
ADD_STEP = QUERY.replace(
    b'<bpmn:sequenceFlow id="Flow_Gateway_query_answered_to_send_query_answer" '
    b'sourceRef="Gateway_query_answered" '
    b'targetRef="send_query_answer" />',
    b'<bpmn:sequenceFlow id="Flow_Gateway_query_answered_to_send_query_answer" '
    b'sourceRef="Gateway_query_answered" '
    b'targetRef="record_answer" />'
    b'<bpmn:scriptTask id="record_answer" name="Record the answer"><bpmn:script>answer_recorded = '
    b'True</bpmn:script>'
    b'</bpmn:scriptTask><bpmn:sequenceFlow id="Flow_record" sourceRef="record_answer" '
    b'targetRef="send_query_answer" />')
RENAME_TASK = QUERY.replace(b'name="Answer the query"', b'name="Answer the customer\'s query"')


def deploy(db, app, xml, comment):
    return deploy_process(db, xml, app.extensions["forms"], None, comment)[0]


def query_case(db, login_as, when=datetime(2026, 2, 2, 9, tzinfo=timezone.utc)):
    with time_machine.travel(when, tick=False):
        reference = submit_online(login_as("frontline"), "query")
    return fetch(db, reference)


def fetch(db, reference):
    """The case as stored now (a request ends the session objects were loaded in)."""
    return db.scalar(select(Case).filter_by(reference=reference))


def test_the_history_lists_versions_with_their_open_cases(db, app, login_as):
    case = query_case(db, login_as)
    old_number = case.process_version.number
    v2 = deploy(db, app, ADD_STEP, "Record every answer")
    new_number, new_hash = v2.number, v2.content_hash
    db.commit()
    page = login_as("owner").get("/processes/query/versions").text
    assert "Record every answer" in page and new_hash[:12] in page
    assert f'data-version="{new_number}"' in page
    row = page.split(f'data-version="{old_number}"')[1].split("</tr>")[0]
    assert "data-open-cases>1<" in row and "Move 1 open case" in row
    assert "Process versions" in login_as("owner").get("/processes/versions").text


def test_the_difference_names_what_was_added_removed_and_changed(db, app, login_as):
    v1 = latest_version(db, "query")
    v2 = deploy(db, app,
                ADD_STEP.replace(b'value="query_answer" />\n          <spiffworkflow:property name="due"',
                                          b'value="query_answer" />\n          <spiffworkflow:property '
                                          b'name="stage" '
                                          b'value="stage1" />\n          <spiffworkflow:property name="due"',
                                 1),
                "Record answers; answering is stage 1")
    diff = diff_versions(v1, v2)
    assert {e["id"] for e in diff.added} == {"record_answer", "Flow_record"}
    assert diff.removed == []
    changed = {e["id"]: fields for e, fields in diff.changed}
    assert changed["Flow_Gateway_query_answered_to_send_query_answer"] == [("to", "send_query_answer",
                                                                            "record_answer")]
    assert ("property stage", None, "stage1") in changed["answer_query"]
    back = diff_versions(v2, v1)
    assert {e["id"] for e in back.removed} == {"record_answer", "Flow_record"}
    a, b = v1.number, v2.number
    db.commit()
    page = login_as("owner").get(f"/processes/query/versions/{a}/diff/{b}").text
    assert "Record the answer" in page and "Property stage" in page and "stage1" in page
    same = login_as("owner").get(f"/processes/query/versions/{a}/diff/{a}").text
    assert "data-no-difference" in same
    chosen = login_as("owner").get(f"/processes/query/versions/compare?a={a}&b={b}")
    assert chosen.location.endswith(f"/processes/query/versions/{a}/diff/{b}")


def test_rollback_redeploys_an_older_version_as_the_newest_with_a_comment(db, app, login_as, client):
    v1 = latest_version(db, "query")
    v1_id, v1_number, v1_hash = v1.id, v1.number, v1.content_hash
    deploy(db, app, ADD_STEP, "Record every answer")
    db.commit()
    owner = login_as("owner")
    form = page_form(owner, f"/processes/query/versions/{v1_number}/rollback", button="Roll back")
    assert form.data()["comment"] == ""  # starts empty, not "None"
    empty = form.fill("Why are you rolling back?", " ").submit()
    assert empty.status_code == 400 and "Enter why you are rolling back" in empty.text
    done = form.fill("Why are you rolling back?", "The new step confused staff").submit()
    assert done.status_code == 302
    v3, v1 = latest_version(db, "query"), db.get(ProcessVersion, v1_id)
    assert v3.number == v1_number + 2 and v3.content_hash == v1_hash
    assert v3.comment == f"Rollback to version {v1_number}: The new step confused staff"
    assert v3.bpmn_xml == v1.bpmn_xml and v3.forms == v1.forms and v3.messages == v1.messages
    v3_id = v3.id
    newest = select(AuditEntry).filter_by(action="rollback").order_by(AuditEntry.id.desc())
    assert db.scalar(newest) is not None
    # new cases start on the newest
    assert fetch(db, submit_online(client, "query")).process_version_id == v3_id
    # The CRO is refused the page, so there is no form to read: a hand-made post, as someone forcing it would
    # send.
    assert post_by_hand(login_as("cro"), f"/processes/query/versions/{v1_number}/rollback",
                        data={"comment": "x"}).status_code == 403


def test_a_case_moves_to_a_newer_version_keeping_its_task_and_timers(db, app, login_as, users):
    case = query_case(db, login_as)
    reference, old_number = case.reference, case.process_version.number
    task_id = tasks_of(db, reference)["answer_query"].id
    timers_before = sorted((t.bpmn_id, t.due_at) for t in _timers(db, case))
    v2 = deploy(db, app, ADD_STEP, "Record every answer")
    new_id, new_number = v2.id, v2.number
    db.commit()
    with time_machine.travel(datetime(2026, 2, 3, 9, tzinfo=timezone.utc), tick=False):  # before the timers
        cro = login_as("cro")
        assert f"Move this case to version {new_number}" in cro.get(f"/cases/{reference}").text
        moved = page_form(cro, f"/cases/{reference}", button=f"Move this case to version {new_number}") \
            .submit(follow_redirects=True)
    assert f"{reference} now runs on version {new_number}" in moved.text
    case = fetch(db, reference)
    assert case.process_version_id == new_id
    assert tasks_of(db, reference)["answer_query"].id == task_id  # same row: claims and links survive
    assert sorted((t.bpmn_id, t.due_at) for t in _timers(db, case)) == timers_before
    event = case.events[-1]
    assert (event.kind == "migrated"
            and event.summary == f"Moved from version {old_number} to version {new_number}")
    assert f"Moved from version {old_number} to version {new_number}" in moved.text  # in the history shown
    assert "Move this case to version" not in login_as("cro").get(f"/cases/{reference}").text
    with time_machine.travel(datetime(2026, 2, 3, 10, tzinfo=timezone.utc), tick=False):
        officer = login_as("investigator")
        take(officer, tasks_of(db, reference)["answer_query"])
        complete(officer, task_id, {"query_answer": "Tuesdays", "query_answer_method": "email"})
    case = fetch(db, reference)
    # the new step ran
    assert case.status == "closed" and "Record the answer" in [e.summary for e in case.events]


def _timers(db, case):
    from models import WaitingTimer
    return db.scalars(select(WaitingTimer).filter_by(case_id=case.id)).all()


def test_moving_is_refused_when_the_step_the_case_is_at_changed(db, app, login_as, users):
    case = query_case(db, login_as)
    old = case.process_version
    v2 = deploy(db, app, RENAME_TASK, "Clearer task name")
    outcome = migrate_case(db, users["cro"], case)
    assert not outcome.moved
    assert "the step “Answer the query” the case is at changed (name)" in outcome.reason
    assert case.process_version_id == old.id
    assert case.events[-1].kind == "migration refused" and f"version {v2.number}" in case.events[-1].summary


def test_moving_is_refused_when_the_form_of_the_waiting_task_changed(db, app, login_as, users):
    case = query_case(db, login_as)
    forms = dict(app.extensions["forms"])
    forms["query_answer"] = {**forms["query_answer"], "title": "Answer the query (new wording)"}
    deploy_process(db, ADD_STEP, forms, None, "New form wording")
    outcome = migrate_case(db, users["owner"], case)
    assert not outcome.moved and "the form “query_answer” of “Answer the query” changed" in outcome.reason


def test_a_batch_moves_the_cases_it_can_and_says_why_not_for_the_rest(db, app, login_as):
    from processes.cases.timers import fire_case_timers
    waiting, escalated = query_case(db, login_as).reference, query_case(db, login_as).reference
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=timezone.utc), tick=False):
        fire_case_timers(db, fetch(db, escalated))
    assert "answer_query_escalated" in tasks_of(db, escalated)
    old = fetch(db, waiting).process_version
    old_id, old_number = old.id, old.number
    v2_id = deploy(db, app, RENAME_TASK, "Clearer task name").id
    db.commit()
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=timezone.utc), tick=False):
        page = page_form(login_as("owner"), "/processes/query/versions",
                         action=f"/processes/query/versions/{old_number}/migrate").submit()
    assert page.status_code == 200
    assert 'data-moved="1"' in page.text and "1 moved, 1 not moved" in page.text
    refused = page.text.split("data-refused")[1]
    assert waiting in refused and "“Answer the query” the case is at changed" in refused
    assert (fetch(db, waiting).process_version_id == old_id
            and fetch(db, escalated).process_version_id == v2_id)
    assert fetch(db, waiting).events[-1].kind == "migration refused"
    # The investigator is offered no such button: a hand-made post, as someone forcing it would send.
    assert post_by_hand(login_as("investigator"),
                        f"/processes/query/versions/{old_number}/migrate").status_code == 403


def test_get_version_and_rollback_of_the_newest_are_refused_plainly(db, app, login_as):
    v1 = latest_version(db, "query")
    number = v1.number
    assert get_version(db, "query", number).id == v1.id
    db.commit()
    again = page_form(login_as("owner"), f"/processes/query/versions/{number}/rollback", button="Roll back") \
        .fill("Why are you rolling back?", "x").submit(follow_redirects=True)
    assert "already the newest" in again.text
    assert db.scalar(select(ProcessVersion).filter_by(process_key="query", number=number + 1)) is None


def test_the_engine_refuses_a_move_that_would_lose_where_the_case_is_or_has_been():
    engine, mini = WorkflowEngine(), (DATA / "mini.bpmn").read_bytes()
    run = engine.start(mini, "mini", {"received_at": "2027-01-05T10:00:00+00:00"})
    no_deadline = mini.replace(b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="deadline" />',
                               b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer" />') \
        .replace(b'<bpmn:sequenceFlow id="f2" sourceRef="deadline" targetRef="answer" />', b'')
    no_deadline = no_deadline[:no_deadline.index(b'<bpmn:scriptTask id="deadline"')] + \
        no_deadline[no_deadline.index(b'</bpmn:scriptTask>') + len(b'</bpmn:scriptTask>'):]
    with pytest.raises(MigrationRefused,
                       match="the step “Work out deadline” the case has passed was removed"):
        engine.migrate(run.state, no_deadline, "mini")
    no_answer = mini.replace(b'<bpmn:userTask id="answer" name="Answer">',
                             b'<bpmn:userTask id="reply" name="Reply">')
    no_answer = no_answer.replace(b'targetRef="answer"', b'targetRef="reply"').replace(
        b'sourceRef="answer"', b'sourceRef="reply"').replace(b'attachedToRef="answer"',
                                                             b'attachedToRef="reply"')
    with pytest.raises(MigrationRefused, match="the step “Answer” the case is at was removed"):
        engine.migrate(run.state, no_answer, "mini")

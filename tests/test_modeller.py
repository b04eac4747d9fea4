"""Validating edited diagrams before deploy, and the editor's routes: open, check, preview, import, deploy.

Posts to validate, preview and deploy stay hand-made: they are JSON the editor's script sends with fetch, not
forms a page renders (the import form is one, and goes through tests.helpers.forms)."""
import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from models import AuditEntry, Case, ProcessVersion
from processes.diagrams.deploy import latest_version
from processes.diagrams.validation import sample_case_data, validate_process
from processes.engine import WorkflowEngine
from processes.messaging.messages import load_templates
from processes.policy.settings import current_timescales

from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import submit_online, tasks_of

BPMN = Path(__file__).resolve().parent.parent / "bpmn"
COMPLAINT = (BPMN / "complaint.bpmn").read_text()
STAGE1_SCRIPT = 'stage1_response_due = add_working_days(received_at, timescales["stage1_response"])'


def problems_of(app, db, xml: str, forms=None, process="complaint"):
    forms = app.extensions["forms"] if forms is None else forms
    sample = sample_case_data(current_timescales(db), process)
    return [(p.element_id, p.message) for p in validate_process(WorkflowEngine(), xml.encode(), forms, sample,
                                                                 load_templates())]


@pytest.mark.parametrize("path", sorted(BPMN.glob("*.bpmn")), ids=lambda p: p.stem)
def test_shipped_diagrams_have_no_problems(app, db, path):
    assert problems_of(app, db, path.read_text(), process=path.stem) == []


def test_each_problem_names_its_element(app, db):
    broken = (COMPLAINT
              .replace('name="Senior officer"', 'name="Night watch"')  # user tasks in a lane with no role
              .replace('<spiffworkflow:property name="form" value="customer_reply" />',
                       '<spiffworkflow:property name="form" value="no_such_form" />')
              .replace('stage1_ack_due = add_working_days',
                       'stage1_ack_due = __import__("os") or add_working_days')
              .replace('>stage2_reminder_at</bpmn:timeDate>', '>42</bpmn:timeDate>')
              .replace('first_contact_outcome == "signpost"', 'first_contact_outcome === "signpost"'))
    found = dict(problems_of(app, db, broken))
    assert "Night watch" in found["respond_stage1_escalated"] and "not a role" in found["review_stage2"]
    assert "no_such_form" in found["record_customer_reply"]
    assert "__import__" in found["set_stage1_deadlines"]
    assert "not text such as an ISO date" in found["stage2_reminder"]
    assert found["Flow_Gateway_first_contact_outcome_to_send_signposting_letter"].startswith(
        "The condition fails")


def ack_timer_misspelt() -> str:
    """The complaint diagram with the acknowledgement's timer (not first contact's) naming no variable."""
    timer = ('id="TimerEventDefinition_stage1_ack_overdue">\n'
             '        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">')
    assert timer + "stage1_ack_due<" in COMPLAINT
    return COMPLAINT.replace(timer + "stage1_ack_due<", timer + "stage1_ack_deu<")


def test_a_timer_naming_a_variable_no_script_sets_is_a_problem(app, db):
    broken = ack_timer_misspelt()
    assert problems_of(app, db, broken) == [
        ("stage1_ack_overdue", "The timer expression fails on sample case data: name 'stage1_ack_deu' is not "
                               "defined (no variable of that name is set before this point)")]


def test_an_invalid_form_is_a_problem_on_the_tasks_that_use_it(app, db):
    forms = copy.deepcopy(app.extensions["forms"])
    forms["acknowledgement"]["schema"]["properties"]["ack_method"]["type"] = "colour"
    found = problems_of(app, db, COMPLAINT, forms)
    assert {element for element, _ in found} == {"acknowledge_stage1", "acknowledge_stage2"}
    assert "not valid" in found[0][1]


def test_unreachable_steps_and_paths_that_cannot_end_are_problems(app, db):
    cut = COMPLAINT.replace('<bpmn:sequenceFlow id="Flow_send_final_response_to_end_stage2" '
                            'sourceRef="send_final_response" targetRef="end_stage2" />', "")
    found = problems_of(app, db, cut)
    assert ("end_stage2", "cannot be reached from the start") in found
    assert ("send_final_response", "no path from here reaches an end event") in found
    assert ("review_stage2", "no path from here reaches an end event") in found
    # the flow's own ends still name it
    assert ("end_stage2", "names the incoming flow “Flow_send_final_response_to_end_stage2”, which does not "
                          "exist") in found


def test_flows_and_lanes_naming_what_is_not_there_are_problems(app, db):
    """The stale <outgoing> a merge once left in complaint.bpmn ran, but the editor could not resolve it."""
    flow = "Flow_send_final_response_to_end_stage2"
    assert COMPLAINT.count(f"<bpmn:outgoing>{flow}</bpmn:outgoing>") == 1
    stale = COMPLAINT.replace(f"<bpmn:outgoing>{flow}</bpmn:outgoing>",
                              f"<bpmn:outgoing>{flow}</bpmn:outgoing><bpmn:outgoing>Flow_gone</bpmn:outgoing>")
    stale = stale.replace("<bpmn:flowNodeRef>record_customer_reply</bpmn:flowNodeRef>",
                          "<bpmn:flowNodeRef>record_customer_reply</bpmn:flowNodeRef>"
                          "<bpmn:flowNodeRef>old_task</bpmn:flowNodeRef>", 1)
    found = problems_of(app, db, stale)
    assert ("send_final_response", "names the outgoing flow “Flow_gone”, which does not exist") in found
    lane = next(element for element, message in found if message == "lists “old_task”, which does not exist")
    assert lane.startswith("Lane_")


def test_xml_that_is_not_well_formed_names_the_line(app, db):
    [(element, message)] = problems_of(app, db, COMPLAINT.replace("<bpmn:process id", "<bpmn:process <id", 1))
    assert message.startswith("line 6: not well-formed XML")


# -- the editor's routes -----------------------------------------------------------------------
def test_the_editor_opens_the_newest_deployed_diagram_with_its_forms(login_as):
    owner = login_as("owner")
    assert "Complaint" in owner.get("/processes/").text
    page = owner.get("/processes/complaint/edit").text
    assert "Edit the flow chart: Complaint" in page and "set_stage1_deadlines" in page
    assert '<option value="investigating_officer">Investigating officer</option>' in page
    assert "bpmn-modeler.production.min.js" in page and "cdn" not in page.lower()
    exported = owner.get("/processes/complaint/export")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="complaint-v1.bpmn"'
    assert exported.data == COMPLAINT.encode()


def test_validate_returns_problems_per_element(login_as):
    owner = login_as("owner")
    broken = COMPLAINT.replace(">stage1_response_due</bpmn:timeDate>", ">stage1_due</bpmn:timeDate>")
    problems = post_by_hand(owner, "/processes/complaint/validate",
                            json={"xml": broken, "forms": {}}).json["problems"]
    assert [p["element_id"] for p in problems] == ["stage1_response_overdue"]
    assert problems[0]["element_name"] == "Response deadline passed"
    assert post_by_hand(owner, "/processes/complaint/validate",
                        json={"xml": COMPLAINT, "forms": {}}).json == {"problems": []}


def test_form_preview_is_drawn_as_the_task_page_draws_it(app, login_as):
    owner = login_as("owner")
    definition = copy.deepcopy(app.extensions["forms"]["acknowledgement"])
    definition["fields"][0]["label"] = "How did you tell them?"
    html = post_by_hand(owner, "/processes/forms/preview", json={"name": "acknowledgement",
                                                         "definition": json.dumps(definition)}).text
    assert ("How did you tell them?" in html and 'class="govuk-radios__input"' in html
            and 'value="letter"' in html)
    refused = post_by_hand(owner, "/processes/forms/preview",
                           json={"name": "x", "definition": '{"schema": {"type": 5}}'})
    assert refused.status_code == 400 and "This form cannot be shown" in refused.text


def test_a_bad_upload_is_refused_with_the_line_and_reason(login_as):
    owner = login_as("owner")
    bad = COMPLAINT.replace("</bpmn:process>", "</bpmn:proces>").encode()
    response = page_form(owner, "/processes/complaint/edit", button="Open file").attach("BPMN file", bad,
                                                                                        "mine.bpmn").submit()
    assert response.status_code == 400
    assert "The file could not be opened: line" in response.text and "mismatch" in response.text
    edited = COMPLAINT.replace("Work out stage 1 deadlines", "Work out the stage one deadlines").encode()
    opened = page_form(owner, "/processes/complaint/edit", button="Open file").attach("BPMN file", edited,
                                                                                      "mine.bpmn").submit()
    assert opened.status_code == 200 and "Work out the stage one deadlines" in opened.text
    assert "Showing mine.bpmn" in opened.text


def test_deploy_needs_a_comment_and_a_valid_diagram(db, login_as):
    owner = login_as("owner")
    no_comment = post_by_hand(owner, "/processes/complaint/deploy",
                              json={"xml": COMPLAINT, "forms": {}, "comment": " "})
    assert (no_comment.status_code == 400
            and no_comment.json["errors"] == {"comment": "Enter what changed and why"})
    broken = COMPLAINT.replace('value="stage1_response" />', 'value="gone" />')
    refused = post_by_hand(owner, "/processes/complaint/deploy",
                           json={"xml": broken, "forms": {}, "comment": "Try"})
    assert refused.status_code == 400 and {p["element_id"] for p in refused.json["problems"]} == {
        # form and template of that name
        "respond_stage1", "respond_stage1_escalated", "send_stage1_response"}
    assert latest_version(db, "complaint").number == 1
    same = post_by_hand(owner, "/processes/complaint/deploy",
                        json={"xml": COMPLAINT, "forms": {}, "comment": "Again"})
    assert same.json["new"] is False and same.json["version"] == 1


def test_deploying_edits_makes_a_version_new_cases_start_on(app, client, db, login_as, users):
    before = submit_online(client)
    owner = login_as("owner")
    form = copy.deepcopy(app.extensions["forms"]["first_contact"])
    form["fields"][0]["label"] = "What happened when you spoke to them?"
    edited = COMPLAINT.replace(STAGE1_SCRIPT, STAGE1_SCRIPT.replace('timescales["stage1_response"]', "15"))
    response = post_by_hand(owner, "/processes/complaint/deploy",
                          json={"xml": edited, "forms": {"first_contact": form},
                                "comment": "15 days to respond"})
    assert response.status_code == 200 and response.json["version"] == 2 and response.json["new"] is True
    version = latest_version(db, "complaint")
    assert version.comment == "15 days to respond" and version.forms["first_contact"] == form
    assert version.deployed_by_id == users["owner"].id
    newest = select(AuditEntry).filter_by(action="deploy").order_by(AuditEntry.id.desc())
    assert db.scalar(newest).detail.endswith("15 days to respond")
    after = submit_online(client)
    frontline = login_as("frontline")
    old_page = frontline.get(f"/tasks/{tasks_of(db, before)['first_contact'].id}").text
    new_page = frontline.get(f"/tasks/{tasks_of(db, after)['first_contact'].id}").text
    assert "What happened when you spoke to them?" in new_page and "when you spoke to them" not in old_page
    cases = {c.reference: c for c in db.scalars(select(Case).where(Case.reference.in_([before, after])))}
    assert cases[before].process_version.number == 1 and cases[after].process_version.number == 2
    assert db.scalar(select(ProcessVersion).filter_by(process_key="complaint",
                                                      number=1)).comment.startswith("Shipped")


def test_the_deploy_command_validates_like_the_editor(app, db, tmp_path):
    diagram = tmp_path / "complaint.bpmn"
    diagram.write_text(ack_timer_misspelt())
    result = app.test_cli_runner().invoke(args=["processes", "deploy", str(diagram), "--comment", "try"])
    assert result.exit_code == 1
    assert ("complaint.bpmn: stage1_ack_overdue (Acknowledgement overdue): The timer expression fails on "
            "sample "
            "case data: name 'stage1_ack_deu' is not defined") in result.output
    assert latest_version(db, "complaint").number == 1


def test_the_editor_offers_the_forms_of_the_newest_version(app, db, login_as):
    owner = login_as("owner")
    form = copy.deepcopy(app.extensions["forms"]["customer_reply"])
    form["description"] = "Ask the customer whether they are satisfied."
    deployed = post_by_hand(owner, "/processes/complaint/deploy",
                            json={"xml": COMPLAINT, "forms": {"customer_reply": form},
                                  "comment": "Clearer reply form"})
    assert deployed.json["version"] == 2
    assert "Ask the customer whether they are satisfied." in owner.get("/processes/complaint/edit").text
    # A form sent as something other than a definition is a problem on the tasks using it, not a crash.
    problems = post_by_hand(owner, "/processes/complaint/validate",
                          json={"xml": COMPLAINT,
                                "forms": {"customer_reply": ["not", "a", "form"]}}).json["problems"]
    assert problems[0]["element_id"] == "record_customer_reply" and "is not valid" in problems[0]["message"]
    assert {p["message"].split(":")[0] for p in problems[1:]} == {"The condition fails on sample case data"}

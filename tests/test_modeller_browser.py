"""Done when: the process owner edits the complaint flow chart in a real Chromium and deploys it; a
complaint submitted afterwards gets the new deadline and the new task, one submitted before keeps its own.

Like tests/test_browser.py the live server runs on its own SQLite file, because what the browser does
commits for real. The test reads and advances the cases through the app's own operations.
"""
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db as app_db
from models import Case, User
from processes.cases.tasks import claim_task, complete_task
from processes.policy.calendar import as_utc
from processes.policy.settings import load_calendar

from .helpers.browser import expect, sign_in, start_live_app, submit_complaint
from .helpers.browser import new_page as _page
from .helpers.points import for_the_task

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    live, _ = start_live_app(tmp_path_factory.mktemp("modeller"))
    yield live.app, live.base
    live.stop()


# Places a new user task on the flow from "Acknowledge the complaint" to the next step, with the
# modeler's own API: dragging from the palette onto a flow is what a person does, and is flaky to script.
ADD_TASK = """() => {
  const m = window.ccModeller, registry = m.get('elementRegistry'), modeling = m.get('modeling')
  const ack = registry.get('acknowledge_stage1');
  const flow = registry.get('Flow_acknowledge_stage1_to_set_stage1_response_due')
  const next = flow.target
  const task = modeling.createShape({ type: 'bpmn:UserTask' },
      { x: ack.x + ack.width / 2 + 40, y: ack.y + ack.height + 70 }, ack.parent)
  modeling.reconnectEnd(flow, task, { x: task.x, y: task.y + task.height / 2 })
  modeling.connect(task, next)
  return task.id
}"""


def test_owner_changes_the_response_time_and_adds_a_task_then_only_new_complaints_follow(live, browser):
    app, base = live
    errors: list[str] = []
    public = _page(browser, errors)
    before = submit_complaint(public, base, "Jo Before")

    owner = _page(browser, errors)
    sign_in(owner, base, "owner")
    owner.get_by_role("link", name="Flow charts").click()
    owner.get_by_role("link", name="Edit complaint").click()
    expect(owner.locator("#cc-canvas[data-ready=true]")).to_be_visible()

    # The stage 1 response: 15 working days instead of the timescale's 10.
    # The chart opens legible, so this step (in the bottom lane) is off screen: move the chart to it, as a
    # person would by dragging, then click it.
    owner.evaluate("() => window.ccModeller.get('canvas').scrollToElement('set_stage1_deadlines')")
    owner.locator("#cc-canvas").scroll_into_view_if_needed()
    owner.locator('[data-element-id="set_stage1_deadlines"]').click()
    expect(owner.locator("#cc-panel-title")).to_have_text("Work out stage 1 deadlines")
    script = owner.get_by_label("Script")
    assert 'timescales["stage1_response"]' in script.input_value()
    script.fill(script.input_value().replace('timescales["stage1_response"]', "15"))

    # A new task for the investigating officer, after the acknowledgement.
    new_task = owner.evaluate(ADD_TASK)
    owner.evaluate("(id) => "
                   "window.ccModeller.get('selection').select(window.ccModeller.get('elementRegistry').get(id))",
                   new_task)
    expect(owner.locator("#cc-panel-kind")).to_have_text("user task")
    owner.get_by_label("Name", exact=True).fill("Introduce yourself to the customer")
    owner.get_by_label("Lane (who does it)").select_option("investigating_officer")
    owner.get_by_label("Form", exact=True).select_option("acknowledgement")
    owner.get_by_label("Due date variable").fill("stage1_ack_due")
    owner.get_by_label("Stage", exact=True).fill("stage1")
    # The form's live preview is drawn as officers will see it; edit a label and watch it change.
    definition = owner.get_by_label("Definition (JSON Schema and display hints)")
    expect(owner.locator("#cc-form-preview")).to_contain_text("How did you send the acknowledgement?")
    definition.fill(definition.input_value().replace("How did you send the acknowledgement?",
                                                     "How did you contact the customer?"))
    expect(owner.locator("#cc-form-preview .govuk-fieldset__legend")).to_contain_text("How did you contact "
                                                                                      "the customer?")

    # A task with a due date needs a timer watching it: the check says so, and without a due date it passes.
    owner.get_by_role("button", name="Check for problems").click()
    expect(owner.locator(".govuk-error-summary")).to_contain_text(
        "Introduce yourself to the customer: has a due date (stage1_ack_due) but no timer watches it")
    owner.get_by_label("Due date variable").fill("")
    owner.get_by_role("button", name="Check for problems").click()
    expect(owner.locator("#cc-status")).to_contain_text("No problems found")
    owner.get_by_role("button", name="Deploy").click()  # no comment: refused, GOV.UK style
    expect(owner.locator(".govuk-error-summary")).to_contain_text("Enter what changed and why")
    owner.get_by_label("What changed and why").fill("Stage 1 response in 15 working days; introduce the "
                                                    "officer")
    owner.get_by_role("button", name="Deploy").click()
    expect(owner.locator("#cc-status")).to_contain_text("Deployed Complaint version 2")

    after = submit_complaint(public, base, "Jo After")
    assert errors == []

    with app.app_context():
        session = app_db.session
        cases = {c.reference: c
                 for c in session.scalars(select(Case).where(Case.reference.in_([before, after])))}
        assert cases[before].process_version.number == 1 and cases[after].process_version.number == 2
        # the spiffworkflow extensions survive the editor
        deployed = cases[after].process_version.bpmn_xml.decode()
        assert deployed.count("<spiffworkflow:messageVariable>") == 3 and "ns0:" not in deployed
        assert deployed.count('<spiffworkflow:property name="form" value="acknowledgement"') == 3
        people = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
        calendar = load_calendar(session)

        def work(reference, bpmn_id, who, **answers):
            task = next(t for t in session.get(Case, cases[reference].id).ready_tasks if t.bpmn_id == bpmn_id)
            claim_task(session, people[who], task.id)
            answers.update(for_the_task(task.case, task, answers))
            complete_task(session, people[who], task.id, MultiDict(answers), None)
            session.commit()
            return {t.bpmn_id: t for t in session.get(Case, cases[reference].id).ready_tasks}

        for reference in (before, after):
            work(reference, "first_contact", "frontline", first_contact_outcome="formal",
                 first_contact_notes="Wants a formal investigation")
        ready_before = work(before, "acknowledge_stage1", "investigator", ack_method="email")
        ready_after = work(after, "acknowledge_stage1", "investigator", ack_method="email")
        assert set(ready_before) == {"respond_stage1"} and set(ready_after) == {new_task}
        assert ready_after[new_task].name == "Introduce yourself to the customer"
        assert ready_after[new_task].role == "investigating_officer"
        ready_after = work(after, new_task, "investigator", ack_method="phone")
        assert set(ready_after) == {"respond_stage1"}
        due = {ref: as_utc(tasks["respond_stage1"].due_at) for ref, tasks in
               ((before, ready_before), (after, ready_after))}
        assert due[before] == calendar.deadline(cases[before].received_at, 10)
        assert due[after] == calendar.deadline(cases[after].received_at, 15)
        assert re.fullmatch(r"Activity_\w+", new_task)


def test_problems_are_listed_and_marked_on_the_chart(live, browser):
    app, base = live
    errors: list[str] = []
    owner = _page(browser, errors)
    sign_in(owner, base, "owner")
    owner.goto(base + "/processes/complaint/edit")
    expect(owner.locator("#cc-canvas[data-ready=true]")).to_be_visible()
    owner.get_by_label("Step, flow or lane").select_option(label="Acknowledgement overdue (BoundaryEvent)")
    timer = owner.get_by_label("Timer expression")
    expect(timer).to_have_value("stage1_ack_due")
    timer.fill("stage1_ack_deu")
    flow = "Flow_Gateway_first_contact_outcome_to_send_first_contact_confirmation"
    owner.evaluate("(id) => window.ccModeller.get('selection').select("
                   "window.ccModeller.get('elementRegistry').get(id))", flow)
    condition = owner.get_by_label("Condition")
    expect(condition).to_have_value(
        'first_contact_outcome == "resolved" and first_contact_satisfied == "yes"')
    condition.fill('first_contact_outcome = "resolved"')
    owner.get_by_role("button", name="Check for problems").click()
    summary = owner.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Acknowledgement overdue: The timer expression fails on sample case "
                                    "data: "
                                    "name 'stage1_ack_deu' is not defined")
    # Code that cannot compile fails before any data reaches it: the deploy checks' wording, not a trial's.
    expect(summary).to_contain_text("Resolved, customer satisfied: The condition fails the sandbox's checks: "
                                    "line 1: invalid syntax")
    expect(owner.locator('[data-element-id="stage1_ack_overdue"].cc-problem')).to_have_count(1)
    expect(owner.locator(f'[data-element-id="{flow}"].cc-problem').first).to_be_attached()
    summary.get_by_role("link", name=re.compile("Resolved, customer satisfied: The condition")).click()
    expect(owner.locator("#cc-panel-title")).to_have_text("Resolved, customer satisfied")
    expect(owner.get_by_label("Step, flow or lane")).to_have_value(flow)

    # A new form, drawn in the preview and offered to user tasks.
    owner.get_by_label("Or add a new form").fill("Stage 1 plan")
    owner.get_by_role("button", name="Add form").click()
    expect(owner.locator("#cc-new-form-error")).to_contain_text("Enter a name of lower case letters")
    owner.get_by_label("Or add a new form").fill("stage1_plan")
    owner.get_by_role("button", name="Add form").click()
    expect(owner.locator("#cc-form-preview")).to_contain_text("Notes")
    definition = owner.get_by_label("Definition (JSON Schema and display hints)")
    definition.fill(definition.input_value().replace('"label": "Notes"', '"label": "Who will you speak to?"'))
    expect(owner.locator("#cc-form-preview label")).to_have_text("Who will you speak to?")
    definition.fill("{ not json")
    expect(owner.locator("#cc-form-json-error")).to_contain_text("The definition is not valid JSON")
    assert owner.locator("#cc-form option[value=stage1_plan]").count() == 1
    assert errors == []


def test_leaving_with_changes_not_deployed_asks_first(live, browser):
    app, base = live
    owner = _page(browser, [])
    sign_in(owner, base, "owner")
    owner.goto(base + "/processes/complaint/edit")
    expect(owner.locator("#cc-canvas[data-ready=true]")).to_be_visible()
    owner.get_by_label("Step, flow or lane").select_option(label="Complaint received (StartEvent)")
    owner.get_by_label("Name", exact=True).fill("Complaint arrives")
    with owner.expect_event("dialog") as asked:
        owner.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.accept()

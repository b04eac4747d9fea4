"""Every field of every form definition is rendered under the name the server reads: each form is filled by
its labels, as a person would, on the page that shows it, and what the server read is checked field by
field."""
import json

import pytest
from sqlalchemy import select

from models import Case
from processes.diagrams.forms import validate_form
from processes.policy.calendar import LONDON, as_utc

from .helpers.database import DATA
from .helpers.definitions import fill_every_field, shipped_forms
from .helpers.forms import form_in, page_form, post_by_hand
from .helpers.pages import error_messages
from .helpers.points import on_the_page

FORMS = shipped_forms()
# Where each task form is shown: the comment type, the task, who does it, the tasks done before it.
TASK_PAGES = {
    "first_contact": ("complaint", "first_contact", "frontline", ()),
    "acknowledgement": ("complaint", "acknowledge_stage1", "investigator", ("first_contact",)),
    "stage1_response": ("complaint", "respond_stage1", "investigator",
                        ("first_contact", "acknowledge_stage1")),
    "customer_reply": ("complaint", "record_customer_reply", "cro",
                       ("first_contact", "acknowledge_stage1", "respond_stage1")),
    "stage2_response": ("complaint", "review_stage2", "senior", ("first_contact", "acknowledge_stage1",
                                                               "respond_stage1", "record_customer_reply",
                                                               "acknowledge_stage2")),
    "query_answer": ("query", "answer_query", "investigator", ()),
    "suggestion_decision": ("suggestion", "consider_suggestion", "manager", ()),
    "compliment_pass_on": ("compliment", "pass_on_compliment", "manager", ()),
}
CASE_FIELDS = ("comment_type", "channel", "service_area", "comment", "customer_name", "customer_email",
               "customer_phone", "customer_address", "preferred_contact", "reasonable_adjustments")


def test_every_task_form_has_a_task_page_here():
    assert set(TASK_PAGES) == set(FORMS) - {"staff_record", "public_comment"}


def preview(owner, definition: dict):
    """The editor's preview draws a definition with the task page's macro; it is drawn outside a <form>."""
    response = post_by_hand(owner, "/processes/forms/preview",
                            json={"name": "form", "definition": json.dumps(definition)})
    assert response.status_code == 200, response.text
    return form_in(None, f'<form method="post">{response.text}</form>', "http://localhost/preview")


@pytest.mark.parametrize("name", [*FORMS, "every_widget"])
def test_every_field_drawn_by_the_form_macro_is_read_by_the_server(login_as, name):
    definition = FORMS.get(name) or json.loads((DATA / "forms" / f"{name}.json").read_text())
    form = preview(login_as("owner"), definition)
    expected = fill_every_field(form, definition)
    assert set(expected) == set(definition["schema"]["properties"])
    result = validate_form(definition, form.data())
    assert result.errors == {}
    assert result.values == expected


def test_the_staff_record_form_is_accepted_as_it_is_rendered(db, login_as):
    """Defect 1: the date boxes were named day, month... while the server reads received_at-day..., so every
    comment recorded by staff was refused with "Enter the date and time it was received"."""
    form = page_form(login_as("frontline"), "/cases/new")
    shown = {part: form.data().get(f"received_at-{part}")
             for part in ("day", "month", "year", "hour", "minute")}
    response = form.choose("What kind of comment is it?", "Query") \
        .choose("How did it reach us?", "Phone").choose("Which service is it about?", "Housing") \
        .fill("The customer's comment",
              "When is the repair booked?").submit()  # the date and time as the page filled them
    assert response.status_code == 302, error_messages(response.text)
    case = db.scalar(select(Case).filter_by(reference=response.location.rsplit("/", 1)[1]))
    received = as_utc(case.received_at).astimezone(LONDON)
    assert {"day": str(received.day), "month": str(received.month), "year": str(received.year),
            "hour": f"{received.hour:02d}", "minute": f"{received.minute:02d}"} == shown


def test_every_field_of_the_staff_record_form_reaches_the_case(db, login_as):
    form = page_form(login_as("frontline"), "/cases/new")
    expected = fill_every_field(form, FORMS["staff_record"])
    response = form.submit()
    assert response.status_code == 302, error_messages(response.text)
    case = db.scalar(select(Case).filter_by(reference=response.location.rsplit("/", 1)[1]))
    assert {f: getattr(case, f) for f in CASE_FIELDS} == {f: expected[f] for f in CASE_FIELDS}
    assert as_utc(case.received_at) == as_utc(expected["received_at"])


def test_every_field_of_the_public_form_is_read_page_by_page(client, db):
    definition, url, expected = FORMS["public_comment"], "/comment/type", {}
    for page in definition["pages"]:
        assert url.endswith(f"/comment/{page['slug']}")
        form = page_form(client, url, button="Continue")
        expected |= fill_every_field(form, definition, only=page["fields"])
        url = _continue(form)
    assert url.endswith("/comment/check") and set(expected) == set(definition["schema"]["properties"])
    with client.session_transaction() as session:
        assert session["comment"] == expected  # what the check page shows and the case is made from
    assert page_form(client, url, button="Send").submit().location.endswith("/comment/sent")
    case = db.scalar(select(Case).order_by(Case.id.desc()).limit(1))
    assert {f: getattr(case, f) for f in CASE_FIELDS if f != "channel"} == \
        {f: expected[f] for f in CASE_FIELDS if f != "channel"}


def _continue(form) -> str:
    response = form.submit()
    assert response.status_code == 302, error_messages(response.text)
    return response.location


@pytest.mark.parametrize("name", sorted(TASK_PAGES))
def test_every_field_of_each_task_form_is_read_from_its_task_page(db, login_as, case_factory, name):
    comment_type, bpmn_id, who, before = TASK_PAGES[name]
    case = case_factory.walk(case_factory.submit(comment_type=comment_type), *before)
    task = case_factory.task(case, bpmn_id)
    assert task.form_name == name
    form = page_form(login_as(who), f"/tasks/{task.id}", button="Complete task")
    expected = fill_every_field(form, FORMS[name])
    form.set_all(on_the_page(form.names, expected))  # the points, beside the form's own fields, agreeing
    if name == "first_contact":  # its last outcome, a duplicate, names a case that exists: typed as it is
        expected["duplicate_of"] = case_factory.submit().reference
        form.fill("Which case does it repeat?", expected["duplicate_of"])
    response = form.submit()
    assert response.status_code == 302, error_messages(response.text)
    done = [e.details["values"] for e in case_factory.fresh(case).events if e.kind == "completed"
            and e.details["element"] == bpmn_id]
    assert done == [expected]

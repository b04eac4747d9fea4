"""What the customer wants (issue 20): asked on the public form and the staff record form, stored on the case,
shown to officers on the case and task pages, in the case file, and refused when too long."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from markupsafe import escape
from sqlalchemy import select

from models import Case

from .helpers.forms import page_form
from .helpers.journeys import answer_page, case_of, tasks_of
from .helpers.pages import error_messages

HOSTILE = '<script>alert("x")</script> Sweep the glass & {{ 7*7 }} \u202e pay for my tyre'


def send_public(client, wanted: str) -> str:
    url = answer_page(client, "/comment/type", {"comment_type": "complaint"})
    url = answer_page(client, url, {"service_area": "waste"})
    url = answer_page(client, url, {"comment": "Glass left on my drive.", "outcome_wanted": wanted})
    url = answer_page(client, url, {"customer_name": "Jo Bloggs", "customer_email": "jo@example.com",
                                    "preferred_contact": "email"})
    sent = page_form(client, url, button="Send").submit()
    assert (sent.location or "").endswith("/comment/sent"), sent.text[:2000]
    return client.get("/comment/sent").text.split("data-reference>")[1].split("<")[0]


def test_the_officer_sees_what_the_customer_wants_escaped_on_case_task_and_case_file(client, db, login_as):
    reference = send_public(client, HOSTILE)
    stored = case_of(db, reference).outcome_wanted
    assert stored is not None and "Sweep the glass & {{ 7*7 }}" in stored and "<script>" in stored

    officer = login_as("frontline")
    for page in (officer.get(f"/cases/{reference}").text,
                 officer.get(f"/tasks/{tasks_of(db, reference)['first_contact'].id}").text):
        assert "Wants us to" in page
        assert str(escape(stored)) in page
        assert '<script>alert("x")' not in page and "49" not in page.split("Wants us to")[1][:400]

    cro = login_as("cro")
    response = cro.get(f"/records/case-file/{reference}.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        record = json.loads(archive.read("case.json"))
        readable = archive.read("case-file.html").decode()
    assert record["case"]["outcome_wanted"] == stored
    assert "What the customer wants us to do" in readable and "<script>alert" not in readable


def test_too_long_is_an_error_beside_the_field(client):
    url = answer_page(client, "/comment/type", {"comment_type": "complaint"})
    url = answer_page(client, url, {"service_area": "waste"})
    response = page_form(client, url, button="Continue").set_all(
        {"comment": "Glass.", "outcome_wanted": "x" * 2001}).submit()
    assert response.status_code == 400
    assert "What you would like us to do must be 2,000 characters or fewer" in error_messages(response.text)


def test_the_staff_record_form_stores_it(db, login_as):
    front = login_as("frontline")
    page = page_form(front, "/cases/new").set_all({
        "comment_type": "complaint", "channel": "phone", "service_area": "waste", "comment": "Bin missed.",
        "customer_name": "Ann Other", "customer_phone": "07700 900123", "preferred_contact": "phone",
        "outcome_wanted": "Collect the bin this week"}) \
        .fill_date("received_at", datetime(2026, 3, 2, 9, 30)).submit(follow_redirects=True)
    assert page.status_code == 200, page.text[:500]
    assert "Collect the bin this week" in page.text
    case = db.scalar(select(Case).where(Case.customer_name == "Ann Other"))
    assert case.outcome_wanted == "Collect the bin this week"

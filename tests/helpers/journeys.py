"""A person's steps through the web, each through the form the page rendered (tests.helpers.forms)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select

from app.cli import DEMO_PASSWORD
from models import Case

from .forms import page_form
from .pages import error_messages
from .points import on_the_page


def sign_in(client, who: str, password: str = DEMO_PASSWORD):
    """Sign a test client in through the sign-in page, as a demo user ("cro", "frontline"...) or by email."""
    response = try_sign_in(client, who if "@" in who else f"{who}@example.org", password)
    assert response.status_code == 302, f"could not sign in as {who}: {error_messages(response.text)}"
    return client


def sign_out(client):
    """Press the header's "Sign out" button on a staff page."""
    response = page_form(client, "/cases/notifications", action="/sign-out").submit()
    assert response.status_code == 302 and response.location.endswith("/sign-in"), response.status_code
    return response


def forget_counts(app) -> None:
    """New counts for every cap (app/limits.py: failed sign-ins, wrong status codes, comments sent; kept in
    the limiter's storage, not in the database), so that one test's or one example's tries from
    127.0.0.1 do not stop the next one."""
    app.extensions["caps"].forget_all()


def try_sign_in(client, email: str, password: str, url: str = "/sign-in"):
    """Fill in and send the sign-in page's form; returns the response, whether it let them in or not."""
    return page_form(client, url).fill("Email address", email).fill("Password", password).submit()


def complete(client, task_id: int, data: Mapping[str, Any], expect_status: int = 302):
    """Open the task page and submit its form, as a person would."""
    form = page_form(client, f"/tasks/{task_id}", button="Complete task")
    response = form.set_all({**data, **on_the_page(form.names, data)}).submit()
    assert response.status_code == expect_status, response.text[:2000]
    return response


def take(client, task) -> None:
    """Press "Take this task" on the task's page."""
    assert page_form(client, f"/tasks/{task.id}", button="Take this task").submit().status_code == 302


def answer_page(client, url: str, values: Mapping[str, Any]) -> str:
    """Answer one page of the public form; returns the page it leads to."""
    response = page_form(client, url, button="Continue").set_all(values).submit()
    assert response.status_code == 302, f"{url}: {error_messages(response.text)}"
    return response.location


def answer_public_form(client, comment_type: str, comment: str, about: Mapping[str, Any],
                       outcome_wanted: str | None = None) -> str:
    """Walk the public form from its first page to "check your answers"; returns that page's URL."""
    url = answer_page(client, "/comment/type", {"comment_type": comment_type})
    url = answer_page(client, url, {"service_area": "waste"})
    url = answer_page(client, url, {"comment": comment} if outcome_wanted is None
                      else {"comment": comment, "outcome_wanted": outcome_wanted})
    url = answer_page(client, url, about)
    assert url.endswith("/comment/check"), url
    return url


def answer_public_query(client) -> None:
    """Walk the public form for a query up to its last step, "check your answers"."""
    answer_public_form(client, "query", "When is the bin collected?",
                       {"customer_name": "Jo", "customer_email": "jo@example.com",
                        "preferred_contact": "email"})


def submit_online(client, comment_type="complaint", **about):
    """Walk the public form as a member of the public and send it; returns the reference shown."""
    details = (about or {"customer_name": "Jo Bloggs", "customer_email": "jo@example.com",
                         "preferred_contact": "email"})
    check = answer_public_form(client, comment_type, "The bin was missed three weeks running.", details)
    sent = page_form(client, check, button="Send").submit()
    assert (sent.location or "").endswith("/comment/sent"), f"{sent.status_code} {sent.text[:3000]}"
    page = client.get("/comment/sent").text
    return page.split("data-reference>")[1].split("<")[0]


def at_stage1_response(client, db, login_as):
    """A complaint sent online, taken formal at first contact and acknowledged by email: its investigating
    officer's response is the next task. Returns the reference and the investigator's signed-in client."""
    reference = submit_online(client)
    complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
             {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    investigator = login_as("investigator")
    complete(investigator, tasks_of(db, reference)["acknowledge_stage1"].id, {"ack_method": "email"})
    return reference, investigator


def case_of(db, reference: str) -> Case:
    """The case as the database holds it now."""
    case = db.scalar(select(Case).filter_by(reference=reference))
    db.refresh(case)
    return case


def tasks_of(db, reference: str) -> dict:
    """The case's ready tasks by their BPMN id."""
    return {t.bpmn_id: t for t in case_of(db, reference).ready_tasks}


def agree_extension(client, reference: str, days, reason: str, **options):
    """Agree an extension with the form on the case page, as the CRO would."""
    return page_form(client, f"/cases/{reference}", button="Agree extension") \
        .fill("Extra working days", days).fill("Reason", reason).submit(**options)


def choose_profile(client, profile: str):
    """Choose the timescale profile for new cases on the policy page."""
    return page_form(client, "/policy/", button="Use this profile").choose("profile", profile).submit()


def save_timescales(client, profile: str, values: Mapping[str, Any]):
    """Change some of a profile's timescales on the policy page (the others are sent as shown)."""
    return page_form(client, "/policy/", action=f"/policy/timescales/{profile}").set_all(values).submit()


def add_closure(client, day, reason: str = "Christmas closure"):
    """Add a council closure day on the policy page."""
    return page_form(client, "/policy/", button="Add closure day").fill_date("Add a closure day", day) \
        .fill("Reason", reason).submit()

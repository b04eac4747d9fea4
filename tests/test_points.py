"""Points of complaint and an outcome for each (issue 20): the officer records the points at the stage 1
acknowledgement, which states them; the stage 1 response gives each its outcome and reasons, which the
response letter lists. Everything through the pages as they render."""
from __future__ import annotations

import io
import json
import zipfile

from markupsafe import escape
from sqlalchemy import select

from models import ComplaintPoint, OutboxMessage

from .helpers.forms import page_form
from .helpers.journeys import case_of, complete, submit_online, tasks_of
from .helpers.pages import error_messages

HOSTILE = '<script>alert("x")</script> {{ 7*7 }} glass & \u202e tyres'
POINTS = ["The crew left broken glass on the drive", "The crew were rude when asked to sweep it",
          "Nobody answered the email of 2 March"]


def formal(client, db, login_as) -> str:
    reference = submit_online(client)
    complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
             {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    return reference


def message(db, reference: str, template: str) -> OutboxMessage:
    case = case_of(db, reference)
    return db.scalars(select(OutboxMessage).filter_by(case_id=case.id, template=template, audience="customer")
                      .order_by(OutboxMessage.id)).first()


def rows(db, reference: str) -> list[tuple]:
    case = case_of(db, reference)
    return [(p.stage, p.number, p.text, p.outcome, p.reasons) for p in db.scalars(
        select(ComplaintPoint).filter_by(case_id=case.id).order_by(ComplaintPoint.number))]


def test_three_points_recorded_stated_answered_point_by_point_and_listed_in_the_response(client, db,
                                                                                       login_as):
    reference = formal(client, db, login_as)
    investigator = login_as("investigator")
    ack = tasks_of(db, reference)["acknowledge_stage1"]
    form = page_form(investigator, f"/tasks/{ack.id}", button="Complete task")
    assert [n for n in form.names if n.startswith("point-")] == [f"point-{n}" for n in range(1, 6)]
    # Rows 1, 3 and 5 filled, 2 and 4 left empty: the points are numbered as the customer will read them.
    form.fill("Point 1", POINTS[0]).fill("Point 3", POINTS[1]).fill("Point 5", f"  {POINTS[2]}  ")
    assert form.choose("ack_method", "email").submit().status_code == 302
    assert rows(db, reference) == [("stage1", n, text, None, None) for n, text in enumerate(POINTS, start=1)]
    body = message(db, reference, "acknowledgement").body
    assert ("We understand your complaint to be about:\n1. The crew left broken glass on the drive\n"
            "2. The crew were rude when asked to sweep it\n3. Nobody answered the email of 2 March\n") in body
    history = case_of(db, reference).events
    assert "Points of the complaint recorded: 3" in [e.summary for e in history]
    assert not any(POINTS[0] in e.summary for e in history)  # summaries name, never quote

    respond = tasks_of(db, reference)["respond_stage1"]
    page = investigator.get(f"/tasks/{respond.id}").text
    for n, text in enumerate(POINTS, start=1):
        assert f"Point {n}: {text}" in page and f'name="point-{n}-outcome"' in page
    form = page_form(investigator, f"/tasks/{respond.id}", button="Complete task").set_all({
        "stage1_outcome": "partly_upheld", "stage1_findings": "We looked at the crew's camera.",
        "stage1_method": "email",
        "point-1-outcome": "upheld", "point-1-reasons": "The camera shows the glass falling.",
        "point-2-outcome": "not_upheld", "point-2-reasons": "The camera's sound shows no rudeness.",
        "point-3-outcome": "partly_upheld", "point-3-reasons": "It was answered, but a week late."})
    assert form.submit().status_code == 302
    assert [(r[1], r[3], r[4]) for r in rows(db, reference)] == [
        (1, "upheld", "The camera shows the glass falling."),
        (2, "not_upheld", "The camera's sound shows no rudeness."),
        (3, "partly_upheld", "It was answered, but a week late.")]
    letter = message(db, reference, "stage1_response").body
    assert ("Each point of your complaint:\n\n"
            "1. The crew left broken glass on the drive\nOutcome: Upheld\n"
            "The camera shows the glass falling.\n\n"
            "2. The crew were rude when asked to sweep it\nOutcome: Not upheld\n"
            "The camera's sound shows no rudeness.\n\n"
            "3. Nobody answered the email of 2 March\nOutcome: Partly upheld\n"
            "It was answered, but a week late.\n") in letter
    assert "Outcome and reasons given for each point: 3" in [e.summary for e in case_of(db, reference).events]
    case_file = login_as("cro").get(f"/records/case-file/{reference}.zip").data
    with zipfile.ZipFile(io.BytesIO(case_file)) as archive:
        exported = json.loads(archive.read("case.json"))["points"]
    assert [(p["number"], p["text"], p["outcome"]) for p in exported] == [
        (1, POINTS[0], "upheld"), (2, POINTS[1], "not_upheld"), (3, POINTS[2], "partly_upheld")]
    record = investigator.get(f"/cases/{reference}").text
    assert "Points of complaint" in record
    assert ("1. The crew left broken glass on the drive (Upheld: The camera shows the glass falling.)"
            in record)


def test_at_least_one_point_is_required_and_each_is_bounded(client, db, login_as):
    reference = formal(client, db, login_as)
    investigator = login_as("investigator")
    url = f"/tasks/{tasks_of(db, reference)['acknowledge_stage1'].id}"
    empty = page_form(investigator, url, button="Complete task").choose("ack_method", "email") \
        .fill("Point 1", "   ").submit()
    assert empty.status_code == 400
    assert error_messages(empty.text) == ["Enter at least one point of the complaint"]
    assert 'href="#point-1"' in empty.text and 'id="point-1-error"' in empty.text
    long = page_form(investigator, url, button="Complete task").fill("Point 2", "x" * 501).submit()
    assert long.status_code == 400
    assert error_messages(long.text) == ["Point 2 must be 500 characters or fewer",
                                         "Select how you sent the acknowledgement"]
    assert "x" * 501 in long.text  # what they typed is shown again beside the error
    assert rows(db, reference) == [] and "acknowledge_stage1" in tasks_of(db, reference)


def test_hostile_points_are_stored_as_typed_and_shown_escaped(client, db, login_as):
    reference = formal(client, db, login_as)
    investigator = login_as("investigator")
    ack = tasks_of(db, reference)["acknowledge_stage1"]
    complete(investigator, ack.id, {"ack_method": "email", "point-1": HOSTILE})
    assert rows(db, reference)[0][2] == HOSTILE.strip()
    page = investigator.get(f"/tasks/{tasks_of(db, reference)['respond_stage1'].id}").text
    record = investigator.get(f"/cases/{reference}").text
    for shown in (page, record):
        assert str(escape(HOSTILE.strip())) in shown and '<script>alert("x")' not in shown
    assert "{{ 7*7 }}" in message(db, reference, "acknowledgement").body  # a message quotes, never runs it


def test_every_point_needs_an_outcome_and_reasons_and_a_made_up_outcome_is_refused(client, db, login_as):
    reference = formal(client, db, login_as)
    investigator = login_as("investigator")
    complete(investigator, tasks_of(db, reference)["acknowledge_stage1"].id,
             {"ack_method": "email", "point-1": POINTS[0], "point-2": POINTS[1]})
    url = f"/tasks/{tasks_of(db, reference)['respond_stage1'].id}"
    answers = {"stage1_outcome": "upheld", "stage1_findings": "Found.", "stage1_method": "email"}
    missing = page_form(investigator, url, button="Complete task").set_all(
        {**answers, "point-1-outcome": "upheld"}).submit()
    assert missing.status_code == 400
    assert error_messages(missing.text) == ["Enter the reasons for the outcome of point 1",
                                            "Select the outcome for point 2",
                                            "Enter the reasons for the outcome of point 2"]
    assert 'href="#point-2-outcome"' in missing.text and 'id="point-2-outcome"' in missing.text
    tampered = page_form(investigator, url, button="Complete task").set_all(
        {**answers, "point-1-reasons": "Yes.", "point-2-outcome": "upheld", "point-2-reasons": "r" * 4001}) \
        .tamper("point-1-outcome", "bribe").submit()
    assert tampered.status_code == 400
    assert error_messages(tampered.text) == ["Select the outcome for point 1",
                                             "Reasons for point 2 must be 4,000 characters or fewer"]
    assert [r[3] for r in rows(db, reference)] == [None, None] and "respond_stage1" in tasks_of(db, reference)


def test_a_response_with_no_points_recorded_asks_for_none(client, db, login_as):
    """A case acknowledged before points were recorded (its rows made no more here) is answered as before."""
    reference = formal(client, db, login_as)
    investigator = login_as("investigator")
    complete(investigator, tasks_of(db, reference)["acknowledge_stage1"].id,
             {"ack_method": "email", "point-1": POINTS[0]})
    for point in case_of(db, reference).points:
        db.delete(point)
    db.commit()
    url = f"/tasks/{tasks_of(db, reference)['respond_stage1'].id}"
    form = page_form(investigator, url, button="Complete task")
    assert not [n for n in form.names if n.startswith("point-")]
    assert form.set_all({"stage1_outcome": "upheld", "stage1_findings": "Found.",
                         "stage1_method": "email"}).submit().status_code == 302
    assert "Each point of your complaint" not in message(db, reference, "stage1_response").body


def answered(case_factory, when, area, outcomes, overall="partly_upheld") -> None:
    """A complaint about `area` received at `when`, its points recorded and given `outcomes` (None: the
    response is still to come), with the `overall` outcome they make."""
    case = case_factory.submit(when, area=area)
    case_factory.do(when, case, "frontline", "first_contact", first_contact_outcome="formal",
                    first_contact_notes="Formal.")
    points = {f"point-{n}": f"Point {n} of the complaint" for n in range(1, len(outcomes) + 1)}
    case_factory.do(when, case, "investigator", "acknowledge_stage1", ack_method="email", **points)
    if outcomes[0] is None:
        return
    answers = {}
    for n, outcome in enumerate(outcomes, start=1):
        answers.update({f"point-{n}-outcome": outcome, f"point-{n}-reasons": "Because."})
    case_factory.do(when, case, "investigator", "respond_stage1", stage1_outcome=overall,
                    stage1_findings="Found.", stage1_method="email", **answers)


def test_the_dashboard_counts_points_by_service_area_and_outcome(db, case_factory, login_as):
    answered(case_factory, (2026, 3, 2, 9), "waste", ["upheld", "upheld", "not_upheld"])
    answered(case_factory, (2026, 3, 3, 9), "waste", ["partly_upheld"])
    answered(case_factory, (2026, 3, 4, 9), "parks", ["not_upheld", "partly_upheld"])
    answered(case_factory, (2026, 3, 5, 9), "parks", [None, None])  # awaiting its response: not counted
    answered(case_factory, (2026, 5, 4, 9), "housing", ["upheld"], "upheld")  # received after the period
    reports = login_as("reports")
    csv = reports.get("/reports/points.csv?from=2026-03-01&to=2026-03-31")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.text.splitlines() == [
        "Service area,Stage,Upheld,Partly upheld,Not upheld,Points answered",
        "\"Bins, waste and recycling\",Stage 1,2,1,1,4",
        "\"Parks, leisure and open spaces\",Stage 1,0,1,1,2"]
    one_area = reports.get("/reports/points.csv?from=2026-03-01&to=2026-05-31&service_area=housing")
    assert one_area.text.splitlines()[1:] == ["Housing,Stage 1,1,0,0,1"]
    page = reports.get("/reports/?from=2026-03-01&to=2026-03-31")
    assert page.status_code == 200 and "Points of complaint by service area and outcome" in page.text

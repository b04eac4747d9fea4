"""Subject access requests: logged through the page as rendered, due one calendar month later, listed with the
earliest due first, answered with the export's search, reminded and notified by the timer worker once each,
and the person's details erased after the retention period."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from models import AuditEntry, OutboxMessage, SubjectAccessRequest
from processes.policy.calendar import one_calendar_month_after

from .helpers.cases import at
from .helpers.forms import page_form
from .helpers.journeys import submit_online
from .helpers.pages import error_messages
from .helpers.timers import worker_turn

UTC = timezone.utc
NAME, CONTACT = "Jo Bloggs", "jo@example.com, 07700 900123"


@pytest.mark.parametrize("received, due", [
    (date(2027, 1, 31), date(2027, 2, 28)),  # no 31 February: the last day of the month
    (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
    (date(2028, 1, 30), date(2028, 2, 29)),
    (date(2027, 3, 31), date(2027, 4, 30)),
    (date(2027, 2, 28), date(2027, 3, 28)),  # the same day, not the month's end
    (date(2028, 2, 29), date(2028, 3, 29)),
    (date(2026, 12, 31), date(2027, 1, 31)),  # across the year
    (date(2026, 12, 7), date(2027, 1, 7)),
])
def test_one_calendar_month_is_the_same_day_next_month_or_its_last_day(received, due):
    assert one_calendar_month_after(received) == due


def log_request(client, received: date, name: str = NAME, email: str = "jo@example.com"):
    form = page_form(client, "/records/subject-access-requests/new", button="Log the request")
    return form.fill("Full name of the person asking", name).fill("How to reach them", CONTACT) \
        .fill("Email address to search for (optional)", email) \
        .fill_date("Date the request was received", received).submit()


def test_the_cro_logs_requests_and_sees_the_open_ones_earliest_due_first(db, login_as):
    with at(2027, 2, 10, 10):
        cro = login_as("cro")  # signed in at the time travelled to: the session cookie expires from then
        form = page_form(cro, "/records/subject-access-requests/new", button="Log the request")
        refused = form.fill_date("Date the request was received", day="31", month="2", year="2027").submit()
        assert refused.status_code == 400 and error_messages(refused.text) == [
            "Enter the full name of the person asking", "Enter how to reach the person asking",
            "Enter the date the request was received as a real date, like 27 3 2026"]
        future = log_request(cro, date(2027, 2, 11))
        assert error_messages(future.text) == [
            "The date the request was received must be today or in the past"]
        assert log_request(cro, date(2027, 1, 31), "Sam Later").status_code == 302
        assert log_request(cro, date(2027, 1, 5), "Ann Earlier", "ann@example.com").status_code == 302
        page = cro.get("/records/subject-access-requests").text
    rows = page.split('id="open-requests"')[1].split("</table>")[0].split("data-request=")[1:]
    assert ["Ann Earlier" in rows[0], "Sam Later" in rows[1]] == [True, True]
    assert "Fri 5 Feb 2027" in rows[0] and "Overdue" in rows[0]  # due 5 February, today is the 10th
    assert "Sun 28 Feb 2027" in rows[1] and "Overdue" not in rows[1]
    logged = db.scalars(select(SubjectAccessRequest).order_by(SubjectAccessRequest.id)).all()
    assert [(r.received_on, r.due_on, r.status) for r in logged] == [
        (date(2027, 1, 31), date(2027, 2, 28), "open"), (date(2027, 1, 5), date(2027, 2, 5), "open")]
    lines = db.scalars(select(AuditEntry.detail).filter_by(action="subject access request")).all()
    assert lines == [
        f"Subject access request {logged[0].id} logged: received 31 January 2027, due 28 February 2027",
        f"Subject access request {logged[1].id} logged: received 5 January 2027, due 5 February 2027"]
    assert not any(word in " ".join(lines) for word in ("Sam", "Ann", "example.com", "07700"))


def test_answering_a_request_records_the_export_its_search_finds(db, client, login_as):
    with at(2027, 3, 1, 10):
        submit_online(client)  # Jo Bloggs, jo@example.com
        submit_online(client)
        cro = login_as("cro")
        log_request(cro, date(2027, 3, 1))
        (logged_id,) = db.scalars(select(SubjectAccessRequest.id)).all()
        search = cro.get(f"/records/subject-access?request={logged_id}").text
        assert "2 cases found" in search and "Download everything held (zip)" in search
        answered = page_form(cro, "/records/subject-access-requests", button="Mark answered").submit(
            "Mark answered")
        assert answered.status_code == 302
    logged = db.get(SubjectAccessRequest, logged_id)
    assert (logged.status, logged.cases_exported, logged.answered_by.email) == (
        "answered", 2, "cro@example.org")
    with at(2027, 3, 1, 10, 5):
        assert "There are no open subject access requests" in cro.get("/records/subject-access-requests").text
    assert db.scalars(select(AuditEntry.detail).filter_by(action="subject access request")).all()[-1] == (
        f"Subject access request {logged.id} answered, with the export of 2 cases")


def sent_for(db, request_id: int) -> list[tuple[str, str]]:
    return sorted((m.to_address, m.subject) for m in db.scalars(select(OutboxMessage).filter_by(
        template="staff_subject_access")) if f"request {request_id} " in m.subject)


def run_worker(app, dpo_email=None) -> list[str]:
    return worker_turn(app, site_url="http://cc.example", dpo_email=dpo_email)


def test_the_worker_reminds_five_working_days_before_and_tells_the_cro_on_the_due_date_once_each(
        app, db, login_as):
    with at(2027, 2, 1, 10):
        admin = login_as("admin")  # logs it: the reminder goes to them and to the CRO
        log_request(admin, date(2027, 2, 1))  # due Monday 1 March 2027
        log_request(admin, date(2027, 2, 1), "Withdrawn Person")
        ids = select(SubjectAccessRequest.id).order_by(SubjectAccessRequest.id)
        watched, withdrawn = db.scalars(ids).all()
        page_form(admin, "/records/subject-access-requests",
                  action=f"/records/subject-access-requests/{withdrawn}/close").submit("Withdrawn")
    reminder = f"Subject access request {watched} is due in 5 working days"
    due = f"Subject access request {watched} is due today and not answered"
    with at(2027, 2, 21, 23, 59):  # Sunday: the reminder's day is Monday 22 February
        run_worker(app)
    assert sent_for(db, watched) == []
    with at(2027, 2, 22, 0, 0, 1):
        logged = run_worker(app, "dpo@example.org")
    assert sent_for(db, watched) == [("admin@example.org", reminder), ("cro@example.org", reminder)]
    assert "subject access: 1 reminder(s), 0 due today and not answered, 0 erased" in logged
    with at(2027, 2, 26, 16):
        run_worker(app, "dpo@example.org")
    assert len(sent_for(db, watched)) == 2  # once
    with at(2027, 3, 1, 0, 0, 1):
        run_worker(app, "dpo@example.org")
        run_worker(app, "dpo@example.org")
    assert sent_for(db, watched) == sorted([
        ("admin@example.org", reminder), ("cro@example.org", reminder), ("cro@example.org", due),
        ("dpo@example.org", due)])
    assert sent_for(db, withdrawn) == []  # a closed request is watched no more
    body = db.scalars(select(OutboxMessage.body).filter_by(subject=due)).first()
    assert "Due by: 1 March 2027" in body and "http://cc.example/records/subject-access-requests" in body
    assert NAME not in body and "example.com" not in body  # the emails name the request, not the person
    timer_lines = db.scalars(select(AuditEntry.detail).filter_by(actor="timer",
                                                                 action="subject access request")).all()
    assert timer_lines == [f"Subject access request {watched}: reminder sent, due 1 March 2027",
                           f"Subject access request {watched}: due today and not answered, the CRO told"]


def test_a_request_logged_after_its_reminder_day_gets_only_the_due_date_notice(app, db, login_as):
    with at(2027, 3, 1, 10):
        cro = login_as("cro")
        log_request(cro, date(2027, 2, 1))  # received a month ago, logged late: due today
        run_worker(app)
    (watched,) = db.scalars(select(SubjectAccessRequest.id)).all()
    assert sent_for(db, watched) == [
        ("cro@example.org", f"Subject access request {watched} is due today and not answered")]


def test_the_details_of_a_closed_request_are_erased_after_the_retention_period(app, db, login_as):
    with at(2027, 2, 1, 10):
        cro = login_as("cro")
        log_request(cro, date(2027, 2, 1))
        page_form(cro, "/records/subject-access-requests", button="Mark answered").submit("Mark answered")
    (closed_id,) = db.scalars(select(SubjectAccessRequest.id)).all()
    with at(2033, 2, 1, 9):  # six years less an hour
        run_worker(app)
    assert db.get(SubjectAccessRequest, closed_id).requester_name == NAME
    with at(2033, 2, 1, 11):
        logged = run_worker(app)
    db.expire_all()
    closed = db.get(SubjectAccessRequest, closed_id)
    assert (closed.requester_name, closed.requester_contact, closed.search_email, closed.search_name) == (
        None, None, None, None)
    assert closed.requester_erased_at == datetime(2033, 2, 1, 11, tzinfo=UTC)
    assert (closed.received_on, closed.due_on, closed.status, closed.cases_exported) == (
        date(2027, 2, 1), date(2027, 3, 1), "answered", 0)
    assert "subject access: 0 reminder(s), 0 due today and not answered, 1 erased" in logged

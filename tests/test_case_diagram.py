"""The case page draws the flow chart of the version the case runs on, with done, current and overdue
marked."""
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from models import Case, User
from processes.cases.case_diagram import diagram_marks
from processes.cases.submission import submit_comment
from processes.diagrams.deploy import SHIPPED_BPMN, deploy_process

from .helpers.browser import expect, sign_in, start_live_app
from .helpers.browser import new_page as _page
from .helpers.journeys import submit_online

DETAILS = {"comment_type": "query", "service_area": "waste", "comment": "When is the bin collected?",
           "customer_name": "Jo", "customer_email": "jo@example.com", "preferred_contact": "email"}


def test_marks_come_from_the_history_and_the_indexes(db, login_as):
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    case = db.scalar(select(Case).filter_by(reference=reference))
    on_time = diagram_marks(db, case, datetime(2026, 2, 3, 9, tzinfo=timezone.utc))
    assert on_time.done == ["start", "set_deadlines"]
    assert on_time.current == ["answer_query"] and on_time.overdue == []
    late = diagram_marks(db, case, datetime(2026, 3, 2, 9, tzinfo=timezone.utc))  # no worker has run yet
    assert late.overdue[0] == "answer_query"
    assert set(late.overdue[1:]) == {"query_overdue", "query_reminder", "query_ack_due"}
    assert late.named(["answer_query"]) == ["Answer the query"]


def test_the_case_page_shows_its_own_version_with_a_legend_in_words(db, app, login_as):
    with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=timezone.utc), tick=False):
        reference = submit_online(login_as("frontline"), "query")
    old_xml = db.scalar(select(Case).filter_by(reference=reference)).process_version.bpmn_xml
    newer = (SHIPPED_BPMN / "query.bpmn").read_bytes().replace(b'name="Answer the query"',
                                                               b'name="Answer it"')
    deploy_process(db, newer, app.extensions["forms"], None, "renamed")
    db.commit()
    cro = login_as("cro")
    # the version it runs on, not the newest
    assert cro.get(f"/cases/{reference}/diagram.bpmn").data == old_xml
    page = cro.get(f"/cases/{reference}").text
    assert 'data-current="answer_query"' in page and 'data-done="start set_deadlines"' in page
    assert 'data-overdue="answer_query' in page  # today is long after 2026's deadline
    assert "Waiting now: Answer the query." in page and "Overdue: Answer the query" in page
    for words in ("Done: a tick and a green fill", "Waiting now: a thick blue outline and “Now”",
                  "Overdue: a dashed red outline and “Overdue”"):
        assert words in page


def _received_long_ago(session) -> str:
    cro = session.scalar(select(User).filter_by(email="cro@example.org"))
    return submit_comment(session, cro, DETAILS, "phone",
                          datetime(2026, 1, 5, 10, tzinfo=timezone.utc)).reference


@pytest.fixture(scope="module")
def overdue_case_server(tmp_path_factory):
    """A live server with one query received long ago: escalated, and its escalated task overdue."""
    live, reference = start_live_app(tmp_path_factory.mktemp("diagram"), _received_long_ago)
    yield live.base, reference
    live.stop()


@pytest.mark.browser
def test_chromium_marks_done_current_and_overdue_with_words(overdue_case_server, browser):  # noqa: F811
    base, reference = overdue_case_server
    errors: list[str] = []
    page = _page(browser, errors)
    sign_in(page, base, "cro")
    page.goto(f"{base}/cases/{reference}")
    page.wait_for_selector("#diagram .djs-container", timeout=10_000)
    expect(page.locator("#diagram .cc-overdue-badge")).to_have_count(1)
    assert page.locator('#diagram [data-element-id="answer_query_escalated"].cc-overdue').count() == 1
    assert page.locator('#diagram [data-element-id="answer_query_escalated"].cc-current').count() == 1
    assert page.locator('#diagram [data-element-id="set_deadlines"].cc-done').count() == 1
    assert page.locator('#diagram [data-element-id="escalate_query"].cc-done').count() == 1
    assert page.locator("#diagram .cc-done-badge").count() >= 4
    assert page.locator("#diagram .cc-overdue-badge").inner_text() == "! Overdue"
    dash = page.evaluate("""getComputedStyle(document.querySelector(
        '#diagram [data-element-id="answer_query_escalated"] .djs-visual > :first-child')).strokeDasharray""")
    assert dash not in ("", "none")  # the overdue outline is dashed, not only red
    assert errors == []

"""In a real Chromium the customer opens their status page after our stage 1 response: the date until which
they may ask for a review and the Ombudsman's details are there, and axe finds nothing (issue 17, defect
5)."""
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db as app_db
from models import Case, User
from processes.cases.tasks import complete_task

from .helpers.browser import axe_violations, expect, new_page, submit_complaint
from .helpers.points import for_the_task

pytestmark = pytest.mark.browser

STAGE_1 = [("first_contact", "frontline",
            {"first_contact_outcome": "formal", "first_contact_notes": "Formal."}),
           ("acknowledge_stage1", "investigator", {"ack_method": "email"}),
           ("respond_stage1", "investigator",
            {"stage1_outcome": "not_upheld", "stage1_findings": "Collected.",
                                               "stage1_method": "email"})]


def answer_stage_1(live, reference: str) -> None:
    """The officers' part, through the procedure's own operations (their pages are not the point here)."""
    with live.app.app_context():
        session = app_db.session
        for bpmn_id, who, answers in STAGE_1:
            case = session.scalar(select(Case).filter_by(reference=reference))
            task = next(t for t in case.ready_tasks if t.bpmn_id == bpmn_id)
            officer = session.scalar(select(User).filter_by(email=f"{who}@example.org"))
            answers = {**answers, **for_the_task(case, task, answers)}
            complete_task(session, officer, task.id, MultiDict(answers), None)
            session.commit()


def test_status_page_after_stage_1_shows_the_review_date_and_the_ombudsman(live, browser):
    errors: list[str] = []
    page = new_page(browser, errors)
    reference = submit_complaint(page, live.base, "Jo Status")
    status_url = page.get_by_role("link", name="use your status page").get_attribute("href")
    answer_stage_1(live, reference)
    page.goto(live.url(status_url))
    expect(page.get_by_text("You can ask for a review until")).to_be_visible()
    expect(page.locator("[data-review-until]")).to_have_text(re.compile(r"\w{3} \d{1,2} \w{3} \d{4}"))
    expect(page.get_by_role("heading", name="The Local Government and Social Care Ombudsman")).to_be_visible()
    expect(page.get_by_role("link", name="www.lgo.org.uk")).to_have_attribute("href",
                                                                              "https://www.lgo.org.uk")
    expect(page.locator("[data-ombudsman]")).to_contain_text("0300 061 0614")
    expect(page.get_by_role("button", name="Ask for a review")).to_be_visible()
    assert axe_violations(page) == []
    assert errors == []

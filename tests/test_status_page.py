"""The customer's status page: what stage 2 and the Ombudsman offer, what the final response was, and a wrong
link that leads to the reference-and-code form (issue 17, defect 5)."""
from datetime import datetime, timezone

import lxml.html
from sqlalchemy import select

from models import OutboxMessage

from .helpers.cases import at
from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import case_of, complete, submit_online, tasks_of

UTC = timezone.utc



def marked(html: str, attribute: str) -> list[str]:
    """The texts of the elements carrying `attribute`."""
    return [" ".join(e.text_content().split())
            for e in lxml.html.fromstring(html).xpath(f"//*[@{attribute}]")]


def answered_at_stage_1(db, client, login_as) -> str:
    """A complaint received Monday 2 March 2026, acknowledged the next day and answered on Friday 6 March."""
    with at(2026, 3, 2, 9):
        reference = submit_online(client)
        complete(login_as("frontline"), tasks_of(db, reference)["first_contact"].id,
                {"first_contact_outcome": "formal", "first_contact_notes": "Formal."})
    with at(2026, 3, 3, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["acknowledge_stage1"].id,
                 {"ack_method": "email"})
    with at(2026, 3, 6, 9):
        complete(login_as("investigator"), tasks_of(db, reference)["respond_stage1"].id,
                {"stage1_outcome": "not_upheld", "stage1_findings": "We collected on time.",
                 "stage1_method": "email"})
    return reference


def test_after_stage_1_the_page_gives_the_review_date_and_the_ombudsman(db, client, login_as):
    reference = answered_at_stage_1(db, client, login_as)
    with at(2026, 3, 9, 9):
        page = client.get(f"/status/{case_of(db, reference).status_token}").text
    # 20 working days from Friday 6 March: Tuesday 7 April (Good Friday and Easter Monday skipped), the date
    # the escalation window's timer closes stage 1.
    assert marked(page, "data-review-until") == ["Tue 7 Apr 2026"]
    ombudsman = " ".join(marked(page, "data-ombudsman"))
    assert "www.lgo.org.uk" in ombudsman and "0300 061 0614" in ombudsman
    assert "Local Government and Social Care Ombudsman" in page
    assert "usually expect our complaints procedure to be finished first" in page
    assert "Sent Fri 6 Mar 2026: Not upheld" in " ".join(page.split())


def test_a_review_asked_for_is_promised_the_stage_2_acknowledgement_date(db, client, login_as):
    reference = answered_at_stage_1(db, client, login_as)
    url = f"/status/{case_of(db, reference).status_token}"
    with at(2026, 3, 10, 9):  # Tuesday 10 March: acknowledged within 5 working days, by Tuesday 17 March
        done = page_form(client, url, button="Ask for a review").fill("reasons",
                                                                      "The bin is still not emptied.") \
            .submit(follow_redirects=True).text
    assert "We will acknowledge your request by Tue 17 Mar 2026" in done
    assert tasks_of(db, reference)["acknowledge_stage2"].due_at == datetime(2026, 3, 18, tzinfo=UTC)


def test_after_the_final_response_the_page_says_what_it_was_and_how_to_go_to_the_ombudsman(db, client,
                                                                                           login_as):
    reference = answered_at_stage_1(db, client, login_as)
    url = f"/status/{case_of(db, reference).status_token}"
    with at(2026, 3, 10, 9):
        page_form(client, url, button="Ask for a review").submit()
        complete(login_as("senior"), tasks_of(db, reference)["acknowledge_stage2"].id,
                 {"ack_method": "email"})
    with at(2026, 3, 16, 9):
        complete(login_as("senior"), tasks_of(db, reference)["review_stage2"].id,
                {"stage2_outcome": "partly_upheld", "stage2_findings": "One collection was missed.",
                 "stage2_method": "email"})
        page = client.get(url).text
    assert case_of(db, reference).status == "closed"
    assert marked(page, "data-final") == ["Sent Mon 16 Mar 2026: Partly upheld"]
    assert ("That was our final response" in page
            and "www.lgo.org.uk" in " ".join(marked(page, "data-ombudsman")))
    assert "Ask for a review" not in page
    letter = db.scalar(select(OutboxMessage).filter_by(case_id=case_of(db, reference).id,
                                                       template="final_response"))
    assert ("ask the Local Government and Social Care Ombudsman to look at your complaint. The Ombudsman is "
            "free and "
            "independent: www.lgo.org.uk, telephone 0300 061 0614") in letter.body


def test_a_wrong_link_leads_to_the_reference_and_code_form(client):
    response = client.get("/status/not-a-real-token")
    assert response.status_code == 302 and response.location.endswith("/status/")
    page = client.get(response.location).text
    assert "This link has expired or is not right: enter your reference and code" in page
    assert 'name="reference"' in page and 'name="code"' in page
    # By hand: no page renders a withdraw form for a link that does not exist.
    refused = post_by_hand(client, "/status/not-a-real-token/withdraw", data={"confirm": "yes"})
    assert refused.status_code == 302 and refused.location.endswith("/status/")


def test_the_ombudsman_details_are_policy_data_the_owner_changes_in_one_place(db, client, login_as):
    owner = login_as("owner")
    refused = page_form(owner, "/policy/", action="/policy/ombudsman").fill("ombudsman_phone", " ").submit()
    assert refused.status_code == 400 and "Enter the Ombudsman&#39;s phone number" in refused.text
    saved = page_form(owner, "/policy/", action="/policy/ombudsman").fill("ombudsman_phone",
                                                                          "0300 000 0000").submit()
    assert saved.status_code == 302
    assert "Local Government and Social Care Ombudsman: 0300 000 0000" in client.get("/").text  # the footer
    reference = answered_at_stage_1(db, client, login_as)
    with at(2026, 3, 9, 9):
        page = client.get(f"/status/{case_of(db, reference).status_token}").text
    assert "0300 000 0000" in " ".join(marked(page, "data-ombudsman")) and "0300 061 0614" not in page

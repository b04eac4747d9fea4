"""A real Chromium: the investigating officer attaches EICAR to the stage 1 response (refused beside the file
field, the task left open), then a PDF with an answer missing (the PDF is kept, ticked, for the next try),
completes the task, finds the PDF on the case page with the task it came with and downloads it; then adds a
letter that came by post from the case page. axe on every page."""
from pathlib import Path

import pytest

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, read_case
from .helpers.clamd import EICAR
from .test_attachments import pdf, png

pytestmark = pytest.mark.browser

RESPOND = "Investigate and respond"
FINDINGS = "What did you find, and what did you tell the customer?"


def to_the_stage_1_response(j: Journey, reference: str):
    """First contact sends the complaint on to stage 1; the investigator acknowledges it and takes the
    response, whose page is left open."""
    j.formal_at_first_contact(reference)
    officer = j.officer("investigator")
    j.take(officer, reference, "Acknowledge the complaint")
    officer.get_by_label("Point 1", exact=True).fill("The bin was missed three weeks running")
    choose(officer, "How did you send the acknowledgement?", "Email")
    j.complete(officer, reference, "Acknowledge the complaint")
    j.take(officer, reference, RESPOND)
    return officer


def test_an_officer_attaches_a_pdf_to_the_stage_1_response_and_eicar_is_refused(live, browser,
                                                                               tmp_path: Path):
    j = Journey(browser, live.base)
    _, reference = j.send_complaint("Tomasz Filer")
    officer = to_the_stage_1_response(j, reference)
    choose(officer, "Outcome", "Upheld")
    officer.get_by_label(FINDINGS).fill("The round sheet shows the street was missed.")
    choose(officer, "How did you send the response?", "Email")
    choose(officer, "Was point 1 upheld?", "Upheld")
    officer.get_by_label("Reasons for point 1").fill("Three collections were missed.")
    files = officer.get_by_label("Attach files (optional)")
    files.set_input_files([{"name": "response.pdf", "mimeType": "application/pdf", "buffer": EICAR}])
    j.click(officer, officer.get_by_role("button", name="Complete task"))
    expect(officer.locator("#attachments-error")).to_contain_text("The selected file contains a virus")
    expect(officer.locator(".govuk-error-summary")).to_contain_text("The selected file contains a virus")
    assert officer.get_by_label(FINDINGS).input_value() == "The round sheet shows the street was missed."

    officer.get_by_label(FINDINGS).fill("")  # an answer missing: the file chosen is kept for the next try
    files.set_input_files([{"name": "response.pdf", "mimeType": "application/pdf", "buffer": pdf()},
                           {"name": "photo.png", "mimeType": "image/png", "buffer": png()}])
    j.click(officer, officer.get_by_role("button", name="Complete task"))
    expect(officer.locator(".govuk-error-summary")).to_contain_text("Enter what you found")
    kept = officer.get_by_role("group", name="Files you chose before")
    expect(kept.get_by_label(f"response.pdf (PDF document, {len(pdf())} bytes)")).to_be_checked()
    kept.get_by_label(f"photo.png (PNG image, {len(png())} bytes)").uncheck()  # not wanted after all
    officer.get_by_label(FINDINGS).fill("The round sheet shows the street was missed.")
    j.complete(officer, reference, RESPOND)

    j.nav(officer, "My tasks")
    officer.goto(f"{live.base}/cases/{reference}")
    j.check(officer)
    rows = officer.locator("[data-attachment]")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("PDF document")
    expect(rows.nth(0).locator("[data-came-with]")).to_have_text(f"The task “{RESPOND}” (Stage 1)")
    with officer.expect_download() as downloading:
        rows.nth(0).get_by_role("link", name="response.pdf").click()
    saved = tmp_path / "response.pdf"
    downloading.value.save_as(saved)
    assert saved.read_bytes() == pdf()

    later = pdf() + b"% The customer's letter, by post\n"
    officer.get_by_label("Files that came later").set_input_files(
        [{"name": "letter by post.pdf", "mimeType": "application/pdf", "buffer": later}])
    j.click(officer, officer.get_by_role("button", name="Add files"))
    expect(officer.locator("[data-attachment]")).to_have_count(2)
    expect(officer.locator("[data-attachment]").nth(1)).to_contain_text("Added to the case: Ian Investigator")
    stored = read_case(live, reference, lambda case: [(a.original_name, a.came_with, a.stage, a.scan_state)
                                                      for a in case.attachments])
    assert stored == [("response.pdf", "task", "stage1", "clean"),
                      ("letter by post.pdf", "case", None, "clean")]
    j.assert_clean()

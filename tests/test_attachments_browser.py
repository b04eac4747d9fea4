"""A real Chromium: an officer records a letter that came with EICAR (refused beside the file field, nothing
saved), then with a photo and a PDF, sees them listed on the case page and downloads the PDF; axe on every
page."""
import re
from pathlib import Path

import pytest

from .helpers.browser import expect
from .helpers.browser_journeys import Journey, choose, read_case
from .helpers.clamd import EICAR
from .test_attachments import pdf, png

pytestmark = pytest.mark.browser


def fill_record_form(officer, comment: str) -> None:
    officer.get_by_label("Complaint", exact=True).check()
    officer.get_by_role("group", name="How did it reach us?").get_by_label("Letter").check()
    officer.get_by_label("Bins, waste and recycling").check()
    officer.get_by_label("The customer's comment").fill(comment)


def test_an_officer_attaches_a_photo_and_a_pdf_and_eicar_is_refused(live, browser, tmp_path: Path):
    journey = Journey(browser, live.base)
    officer = journey.officer("frontline")
    officer.goto(live.base + "/cases/new")
    journey.check(officer)
    comment = "Glass on my drive again: photo and letter enclosed."
    fill_record_form(officer, comment)
    officer.get_by_label("Attach files (optional)").set_input_files(
        [{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": EICAR}])
    journey.click(officer, officer.get_by_role("button", name="Record comment"))
    expect(officer.locator("#attachments-error")).to_contain_text("The selected file contains a virus")
    expect(officer.locator(".govuk-error-summary")).to_contain_text("The selected file contains a virus")
    assert officer.get_by_label("The customer's comment").input_value() == comment  # what was typed is kept
    officer.get_by_label("Attach files (optional)").set_input_files(
        [{"name": "drive.png", "mimeType": "image/png", "buffer": png()},
         {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": pdf()}])
    journey.click(officer, officer.get_by_role("button", name="Record comment"))
    expect(officer.get_by_text(re.compile(r"CC-\d{4}-\d{6} recorded"))).to_be_visible()
    rows = officer.locator("[data-attachment]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("drive.png")
    expect(rows.nth(0)).to_contain_text("PNG image")
    expect(rows.nth(1)).to_contain_text("PDF document")
    expect(rows.nth(1)).to_contain_text(f"{len(pdf())} bytes")
    expect(rows.nth(1)).to_contain_text("Checked for viruses")
    reference = re.search(r"CC-\d{4}-\d{6}", officer.url).group(0)
    with officer.expect_download() as downloading:
        rows.nth(1).get_by_role("link", name="letter.pdf").click()
    download = downloading.value
    assert download.suggested_filename == "letter.pdf"
    saved = tmp_path / "letter.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == pdf()
    stored = read_case(live, reference,
                       lambda case: [(a.original_name, a.scan_state) for a in case.attachments])
    assert stored == [("drive.png", "clean"), ("letter.pdf", "clean")]
    journey.assert_clean()


def test_a_customer_attaches_a_photo_and_a_pdf_on_the_public_form_and_eicar_is_refused(live, browser):
    journey = Journey(browser, live.base)
    public = journey.open(live.base + "/")
    journey.click(public, public.get_by_role("button", name="Start now"),
                  "What would you like to tell us about?")
    choose(public, "What would you like to tell us about?", "Complaint")
    journey.click(public, public.get_by_role("button", name="Continue"), "Which service is it about?")
    choose(public, "Which service is it about?", "Bins, waste and recycling")
    journey.click(public, public.get_by_role("button", name="Continue"), "Your comment")
    public.get_by_label("Your comment").fill("The crew left glass on my drive: photo and letter attached.")
    files = public.get_by_label("Attach photos or documents (optional)")
    files.set_input_files([{"name": "drive.jpg", "mimeType": "image/jpeg", "buffer": EICAR}])
    journey.click(public, public.get_by_role("button", name="Continue"))
    expect(public.locator("#attachments-error")).to_contain_text("The selected file contains a virus")
    files.set_input_files([{"name": "drive.png", "mimeType": "image/png", "buffer": png()},
                           {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": pdf()}])
    journey.click(public, public.get_by_role("button", name="Continue"), "Your details")
    public.get_by_label("Full name").fill("Clementine Hobbs")
    public.get_by_label("Email address").fill("c.hobbs@example.org")
    choose(public, "How should we reply?", "Email")
    journey.click(public, public.get_by_role("button", name="Continue"), "Check your answers before sending")
    expect(public.locator(".govuk-summary-list")).to_contain_text("drive.png, letter.pdf")
    journey.click(public, public.get_by_role("button", name="Send"), "Comment sent")
    reference = public.locator("[data-reference]").inner_text()
    stored = read_case(live, reference,
                       lambda case: [(a.original_name, a.kind, a.scan_state) for a in case.attachments])
    assert stored == [("drive.png", "PNG image", "clean"), ("letter.pdf", "PDF document", "clean")]
    journey.assert_clean()

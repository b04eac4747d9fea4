"""The annual report's own parts, through the pages as rendered: the complaints not taken counted by service
area, the governing body's response, the Ombudsman's annual letter scanned by the run's real clamd; and the
upgrade that moves each section's self-assessment answer onto its provisions."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from app.cli import alembic_config
from models import AnnualReport, AuditEntry
from processes.records.filestore import path_of
from processes.reporting.annual import code_sections, complaints_not_taken

from .helpers.cases import SATISFIED
from .helpers.clamd import EICAR
from .helpers.database import database_of_its_own
from .helpers.forms import page_form
from .helpers.pages import error_messages
from .test_attachments import pdf

UTC = timezone.utc


def signpost(c, when, area, reason="planning_appeal", comment_type="complaint"):
    case = c.submit(when, comment_type, area, "phone")
    c.do(when[:3] + (when[3] + 1,), case, "frontline", "first_contact", first_contact_outcome="signpost",
         first_contact_notes="Not ours", signpost_reason=reason)
    return case


def _table(page: str, caption: str) -> list[list[str]]:
    """The rows of the table of the complaints not taken with that caption, as cell texts."""
    section = page.split('id="not-taken"')[1].split("</section>")[0]
    table = next(t for t in section.split("<table")[1:] if caption in t)
    rows = [r.split("</tr>")[0] for r in table.split('<tr class="govuk-table__row">')[2:]]
    return [[part.split(">")[-1] for part in r.split("</t")[:-1]] for r in rows]


def test_complaints_not_taken_are_counted_by_service_area_for_the_year(db, case_factory, login_as):
    c = case_factory
    signpost(c, (2025, 6, 2, 9), "waste")
    signpost(c, (2026, 1, 12, 9), "waste", reason="insurance")
    signpost(c, (2025, 9, 1, 9), "housing")
    signpost(c, (2026, 4, 1, 9), "housing", reason="foi")  # the next year (April 2026)
    resolved = c.submit((2025, 7, 1, 9), "complaint", "waste", "phone")
    c.do((2025, 7, 1, 10), resolved, "frontline", "first_contact", **SATISFIED, first_contact_notes="Sorted")
    request = c.submit((2025, 8, 1, 9), "complaint", "waste", "phone")  # a request for service is taken
    c.do((2025, 8, 1, 10), request, "frontline", "first_contact", first_contact_outcome="service_request",
         first_contact_notes="First report", service_request_note="Collect the missed bin")
    # 1 April 2025 to 31 March 2026, from and to midnight UK time (BST)
    lower, upper = datetime(2025, 3, 31, 23, tzinfo=UTC), datetime(2026, 3, 31, 23, tzinfo=UTC)
    assert complaints_not_taken(db, lower, upper) == [("waste", 2), ("housing", 1)]
    assert complaints_not_taken(db, lower, upper, by="reason") == [("planning_appeal", 2), ("insurance", 1)]
    page = login_as("reports").get("/reports/annual?year=2025").text
    assert _table(page, "Complaints not taken, 2025") == [
        ["Bins, waste and recycling", "2"], ["Housing", "1"], ["All service areas", "3"]]
    assert _table(page, "Complaints not taken by reason") == [
        ["Planning appeal", "2"], ["Insurance claim for loss, damage or injury", "1"]]
    assert "No complaint received in the year was turned away" in login_as("reports").get(
        "/reports/annual?year=2024").text


def test_the_cro_records_the_governing_bodys_response_and_the_director_reads_it(db, login_as):
    cro = login_as("cro")
    form = page_form(cro, "/reports/annual?year=2025", button="Save the response")
    refused = form.fill_date("Date of the response", day="30", month="2", year="2026").submit()
    assert refused.status_code == 400 and error_messages(refused.text) == [
        "Enter who responded, such as the Audit and Governance Committee",
        "Enter the date of the response as a real date, like 27 3 2027",
        "Enter the governing body's response"]
    saved = form.fill("Who responded", "Audit and Governance Committee") \
        .fill_date("Date of the response", day="21", month="7", year="2026") \
        .fill("The governing body's response", "The committee notes the report, asks for faster stage 2.") \
        .submit()
    assert saved.status_code == 302
    page = login_as("reports").get("/reports/annual?year=2025").text
    section = page.split('id="governance"')[1].split("</section>")[0]
    assert "Audit and Governance Committee, 21 July 2026:" in section
    assert "asks for faster stage 2." in section and "Entered by" in section
    assert "Save the response" not in page  # the director reads only
    (row,) = db.scalars(select(AnnualReport)).all()
    assert (row.year, row.governance_entered_by.email) == (2025, "cro@example.org")
    assert db.scalars(select(AuditEntry.detail).filter_by(action="annual report")).all() == [
        "Governing body's response to the annual report 2025 recorded"]


def test_the_ombudsmans_letter_is_scanned_attached_and_downloaded(app, db, login_as, scanner):
    cro = login_as("cro")
    infected = page_form(cro, "/reports/annual?year=2025", button="Attach the letter") \
        .attach("Attach the Ombudsman's annual letter", EICAR, "letter.txt").submit()
    assert infected.status_code == 400
    assert error_messages(infected.text) == ["The selected file contains a virus"]
    assert db.scalar(select(AnnualReport)) is None
    attached = page_form(cro, "/reports/annual?year=2025", button="Attach the letter") \
        .attach("Attach the Ombudsman's annual letter", pdf(), "../LGSCO annual letter 2026.pdf").submit()
    assert attached.status_code == 302
    (row,) = db.scalars(select(AnnualReport)).all()
    assert (row.letter_name, row.letter_kind, row.letter_scan_state) == (
        "LGSCO annual letter 2026.pdf", "PDF document", "clean")
    assert path_of(app.config["ATTACHMENTS_DIR"], row.letter_sha256).is_file()
    director = login_as("reports")
    page = director.get("/reports/annual?year=2025").text
    assert "LGSCO annual letter 2026.pdf</a>" in page and "Attach the letter" not in page
    got = director.get("/reports/annual/2025/ombudsman-letter")
    assert got.status_code == 200 and got.data == pdf()
    assert got.headers["X-Content-Type-Options"] == "nosniff" and "attachment" in got.headers[
        "Content-Disposition"]
    assert director.get("/reports/annual/2024/ombudsman-letter").status_code == 404
    assert db.scalars(select(AuditEntry.detail).filter_by(action="attachment refused")).all() == [
        "Refused the Ombudsman's letter for 2025: it contains a virus (the file was not kept)"]


@pytest.fixture()
def upgrade_url(tmp_path):
    with database_of_its_own(tmp_path, "provisions") as url:
        yield url


def test_the_upgrade_moves_each_sections_answer_onto_its_provisions(upgrade_url):
    config = alembic_config(upgrade_url)
    command.upgrade(config, "a7d2e94c1b35")
    engine = create_engine(upgrade_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO self_assessment (year, section, answer, evidence, updated_at) VALUES "
                          "(2025, 'stages', 'partly', 'Stage 2 takes 10 days', '2026-05-01 09:00:00'), "
                          "(2025, 'reporting', 'yes', 'Published in July', '2026-05-01 09:00:00')"))
    command.upgrade(config, "head")
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT section, provision, answer, evidence FROM self_assessment "
                                 "ORDER BY id")).all()
    stages = next(s for s in code_sections() if s.key == "stages")
    assert [r.provision for r in rows if r.section == "stages"] == [p.number for p in stages.provisions]
    assert {(r.answer, r.evidence) for r in rows if r.section == "stages"} == {("partly",
                                                                               "Stage 2 takes 10 days")}
    assert [(r.provision, r.answer, r.evidence) for r in rows if r.section == "reporting"] == [
        ("8.1", "yes", "Published in July"), ("8.2", "yes", "Published in July"),
        ("8.3", "yes", "Published in July")]
    command.downgrade(config, "a7d2e94c1b35")
    with engine.begin() as conn:
        back = conn.execute(text("SELECT section, answer, evidence FROM self_assessment ORDER BY id")).all()
    assert [tuple(r) for r in back] == [("stages", "partly", "Stage 2 takes 10 days"),
                                        ("reporting", "yes", "Published in July")]
    engine.dispose()

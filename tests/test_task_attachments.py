"""Files with a task's form and from the case page (issue 20), through the pages as they render, against the
run's real clamd: the stage 1 response takes a PDF, which is attached to the case with the task and stage it
came with, listed and downloaded; EICAR is refused beside the field with the task left open; a form refused
for another answer keeps the files chosen; of two people completing one task only the winner's files are
attached; an officer adds a letter that came by post from the case page."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timezone

from sqlalchemy import func, select

from models import Attachment, AuditEntry, CaseEvent
from processes.records.filestore import path_of

from .helpers.clamd import EICAR
from .helpers.forms import form_in, page_form, post_by_hand
from .helpers.journeys import at_stage1_response, case_of, complete, tasks_of
from .helpers.pages import error_messages
from .helpers.points import on_the_page
from .test_attachments import pdf, png

FILES = "Attach files (optional)"  # the task form's file input, by its label
KEPT = "Files you chose before"
RESPONSE = {"stage1_outcome": "upheld", "stage1_findings": "The round sheet shows the street missed.",
            "stage1_method": "email"}


def response_form(officer, task_id: int, answers=RESPONSE):
    """The stage 1 response's form as the page renders it, filled with `answers` and the points' outcomes."""
    form = page_form(officer, f"/tasks/{task_id}", button="Complete task")
    return form.set_all({**answers, **on_the_page(form.names, {})})


def stored_files(app) -> set:
    return {p for p in app.config["ATTACHMENTS_DIR"].rglob("*") if p.is_file()}


def test_a_pdf_with_the_stage_1_response_is_attached_with_its_task_listed_and_downloaded(app, client, db,
                                                                                      login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    task = tasks_of(db, reference)["respond_stage1"]
    task_id, task_name = task.id, task.name
    done = response_form(investigator, task_id).attach(FILES, pdf(), "Response letter.pdf").submit()
    assert done.status_code == 302, error_messages(done.text)
    case = case_of(db, reference)
    assert "respond_stage1" not in tasks_of(db, reference)
    (file,) = case.attachments
    assert (file.original_name, file.kind, file.scan_state, file.came_with, file.task_id, file.task_name,
            file.stage) == ("Response letter.pdf", "PDF document", "clean", "task", task_id, task_name,
                            "stage1")
    history = db.scalars(select(CaseEvent.summary).filter_by(case_id=case.id, kind="attached")).all()
    assert history == [f"Ian Investigator attached 1 file with “{task_name}”"]  # the count, never the name
    page = investigator.get(f"/cases/{reference}").text
    assert "Response letter.pdf" in page and f"The task “{task_name}” (Stage 1)" in page
    assert f'href="/tasks/{task_id}"' in page  # the task's link, which now says who completed it
    got = investigator.get(f"/cases/{reference}/attachments/{file.id}")
    assert got.status_code == 200 and got.data == pdf()
    assert got.headers["Content-Disposition"].startswith("attachment;")


def test_eicar_on_a_task_form_is_refused_beside_the_field_audited_and_the_task_stays_open(app, client, db,
                                                                                       login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    task_id = tasks_of(db, reference)["respond_stage1"].id
    before = stored_files(app)
    refused = response_form(investigator, task_id).attach(FILES, EICAR, "scan.pdf").submit()
    assert refused.status_code == 400
    assert error_messages(refused.text) == ["The selected file contains a virus"]
    assert 'id="attachments-error"' in refused.text and 'href="#attachments"' in refused.text
    assert "respond_stage1" in tasks_of(db, reference)
    assert case_of(db, reference).attachments == [] and stored_files(app) == before
    assert KEPT not in refused.text  # nothing taken, nothing kept
    entry = db.scalars(select(AuditEntry).filter_by(action="attachment refused")).all()[-1]
    assert entry.case_reference == reference and "scan.pdf" not in entry.detail
    # The answers stay as typed; with a clean file instead, the task completes.
    again = form_in(investigator, refused, f"http://localhost/tasks/{task_id}", button="Complete task")
    assert again.attach(FILES, png(), "photo.png").submit().status_code == 302
    assert [a.original_name for a in case_of(db, reference).attachments] == ["photo.png"]


def test_a_form_refused_for_another_answer_keeps_its_files_for_the_next_try(app, client, db, login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    task_id = tasks_of(db, reference)["respond_stage1"].id
    unfinished = response_form(investigator, task_id, {**RESPONSE, "stage1_findings": ""}) \
        .attach(FILES, pdf(), "letter.pdf").attach(FILES, png(), "photo.png").submit()
    assert unfinished.status_code == 400
    assert error_messages(unfinished.text) == ["Enter what you found and what you told the customer"]
    assert case_of(db, reference).attachments == []  # kept for this form, attached to nothing yet
    form = form_in(investigator, unfinished, f"http://localhost/tasks/{task_id}", button="Complete task")
    assert f"letter.pdf (PDF document, {len(pdf())} bytes)" in unfinished.text
    form.fill("stage1_findings", "The street was missed.") \
        .uncheck(KEPT, f"photo.png (PNG image, {len(png())} bytes)")
    assert form.attach(FILES, png(), "second photo.png").submit().status_code == 302
    assert [(a.original_name, a.came_with) for a in case_of(db, reference).attachments] == [
        ("letter.pdf", "task"), ("second photo.png", "task")]


def test_kept_files_cannot_be_pointed_at_another_task_or_forged(app, client, db, login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    task_id = tasks_of(db, reference)["respond_stage1"].id
    unfinished = response_form(investigator, task_id, {**RESPONSE, "stage1_findings": ""}) \
        .attach(FILES, pdf(), "letter.pdf").submit()
    token = form_in(investigator, unfinished, f"http://localhost/tasks/{task_id}", button="Complete task") \
        .element.xpath('.//input[@name="kept_files"]')[0].get("value")
    other_reference, other = at_stage1_response(client, db, login_as)
    other_task = tasks_of(db, other_reference)["respond_stage1"].id
    for forged in (token, token[:-4] + "AAAA"):  # another task's file, a signature that does not match
        refused = response_form(other, other_task).tamper("kept_files", forged).submit()
        assert refused.status_code == 400
        assert error_messages(refused.text) == ["A file you chose before could not be kept: choose it again"]
    assert case_of(db, other_reference).attachments == []


def test_of_two_people_completing_one_task_only_the_winners_files_are_attached(app, client, db, login_as):
    reference, ian = at_stage1_response(client, db, login_as)
    task_id = tasks_of(db, reference)["respond_stage1"].id
    isla = login_as("investigator2")
    ians, islas = response_form(ian, task_id), response_form(isla, task_id)
    islas_file = pdf() + b"% Isla's\n"
    assert ians.attach(FILES, pdf(), "ian.pdf").submit().status_code == 302
    lost = islas.attach(FILES, islas_file, "isla.pdf").submit()
    assert lost.status_code == 404 and "already been completed, perhaps by someone else" in lost.text
    (file,) = case_of(db, reference).attachments
    assert file.original_name == "ian.pdf"
    directory = app.config["ATTACHMENTS_DIR"]
    assert path_of(directory, file.sha256).is_file()
    assert not path_of(directory, hashlib.sha256(islas_file).hexdigest()).exists()


def test_a_task_form_refused_because_the_case_changed_keeps_none_of_its_files(app, client, db, login_as):
    """The task still open but the case moved on since the form was rendered: refused, nothing attached, and
    the files taken are removed from the store again."""
    reference, investigator = at_stage1_response(client, db, login_as)
    task_id = tasks_of(db, reference)["respond_stage1"].id
    form = response_form(investigator, task_id)
    before = stored_files(app)
    stale = int(form.hidden("row_version")) - 1
    refused = form.attach(FILES, pdf() + b"% stale\n", "stale.pdf").tamper("row_version", stale) \
        .submit(follow_redirects=True)
    assert "changed while you were working on it" in refused.text
    assert case_of(db, reference).attachments == [] and stored_files(app) == before
    assert "respond_stage1" in tasks_of(db, reference)


def test_with_clamd_away_the_file_waits_as_pending_and_is_not_served(app, client, db, login_as, tmp_path):
    reference, investigator = at_stage1_response(client, db, login_as)
    task_id = tasks_of(db, reference)["respond_stage1"].id
    app.config["CLAMD_SOCKET"], socket = str(tmp_path / "no-clamd.sock"), app.config["CLAMD_SOCKET"]
    try:
        done = response_form(investigator, task_id).attach(FILES, pdf() + b"% waits\n", "waits.pdf").submit()
    finally:
        app.config["CLAMD_SOCKET"] = socket
    assert done.status_code == 302
    (file,) = case_of(db, reference).attachments
    assert file.scan_state == "pending"
    assert investigator.get(f"/cases/{reference}/attachments/{file.id}").status_code == 409


def test_eleven_files_and_kept_files_past_the_limit_are_refused(app, client, db, login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    task_id = tasks_of(db, reference)["respond_stage1"].id
    form = response_form(investigator, task_id)
    for number in range(11):
        form.attach(FILES, png(), f"photo{number}.png")
    assert error_messages(form.submit().text) == ["Select no more than 10 files"]
    unfinished = response_form(investigator, task_id, {**RESPONSE, "stage1_findings": ""})
    for number in range(10):
        unfinished.attach(FILES, png(), f"photo{number}.png")
    kept = form_in(investigator, unfinished.submit(), f"http://localhost/tasks/{task_id}",
                   button="Complete task").fill("stage1_findings", "Found.")
    refused = kept.attach(FILES, pdf(), "one more.pdf").submit()
    assert refused.status_code == 400 and error_messages(refused.text) == ["Select no more than 10 files"]
    assert case_of(db, reference).attachments == []


def test_a_task_form_takes_files_past_the_two_megabyte_request_limit(app, client, db, login_as):
    frontline = login_as("frontline")
    reference, investigator = at_stage1_response(client, db, login_as)
    task_id = tasks_of(db, reference)["respond_stage1"].id
    letter = b"A long letter about the bins, line after line of it.\n" * 60_000  # 3.0 MB
    assert response_form(investigator, task_id).attach(FILES, letter, "long.txt").submit().status_code == 302
    assert [a.size for a in case_of(db, reference).attachments] == [len(letter)]
    assert frontline.get(f"/cases/{reference}").status_code == 200


def test_an_officer_adds_a_letter_that_came_by_post_from_the_case_page(app, client, db, login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    label = "Files that came later"
    empty = page_form(investigator, f"/cases/{reference}", button="Add files").submit()
    assert empty.status_code == 400 and "Select a file to add" in error_messages(empty.text)
    assert 'href="#add_files"' in empty.text and 'id="add_files-error"' in empty.text
    infected = page_form(investigator, f"/cases/{reference}", button="Add files") \
        .attach(label, EICAR, "post.pdf").submit()
    assert infected.status_code == 400
    assert error_messages(infected.text) == ["The selected file contains a virus"]
    assert db.scalars(select(AuditEntry).filter_by(action="attachment refused")).all()[-1].case_reference \
        == reference
    added = page_form(investigator, f"/cases/{reference}", button="Add files") \
        .attach(label, pdf(), "Letter by post.pdf").submit()
    assert added.status_code == 302 and added.location.endswith(f"/cases/{reference}#attachments")
    case = case_of(db, reference)
    (file,) = case.attachments
    case_id = case.id
    assert (file.came_with, file.task_id, file.uploaded_by.name) == ("case", None, "Ian Investigator")
    page = investigator.get(f"/cases/{reference}").text
    assert "Letter by post.pdf" in page and "Added to the case: Ian Investigator" in page
    assert db.scalars(select(CaseEvent.summary).filter_by(case_id=case.id, kind="attached")).all() == [
        "Ian Investigator added 1 file to the case"]
    # The administrator sees the case but works on none: no form, and a forced post is refused.
    admin = login_as("admin")
    assert "Add files" not in admin.get(f"/cases/{reference}").text
    assert post_by_hand(admin, f"/cases/{reference}/attachments").status_code == 403
    # An anonymised case offers no form, and takes no file from a forced post.
    case_of(db, reference).anonymised_at = datetime.now(timezone.utc)
    db.commit()  # a savepoint of the test's transaction
    assert "Files that came later" not in investigator.get(f"/cases/{reference}").text
    forced = post_by_hand(investigator, f"/cases/{reference}/attachments",
                          data=[("attachments", (io.BytesIO(png()), "late.png"))], follow_redirects=True)
    assert "This case has been anonymised: no files can be added to it" in forced.text
    assert db.scalar(select(func.count()).select_from(Attachment).filter_by(case_id=case_id)) == 1


def test_the_stage_1_response_page_still_sends_its_token_and_fields_as_rendered(app, client, db, login_as):
    reference, investigator = at_stage1_response(client, db, login_as)
    form = page_form(investigator, f"/tasks/{tasks_of(db, reference)['respond_stage1'].id}",
                     button="Complete task")
    assert form.element.get("enctype") == "multipart/form-data"
    assert form.hidden("csrf_token") and form.hidden("row_version")
    assert form.element.xpath('.//input[@type="file"]/@name') == ["attachments"]
    done = complete(investigator, tasks_of(db, reference)["respond_stage1"].id, RESPONSE)
    assert done.status_code == 302 and case_of(db, reference).attachments == []

"""Attachments on the staff record form (issue 20), through the page as it renders, against the run's real
clamd: EICAR refused beside the field with nothing saved, a web page renamed .png refused, a PNG and a PDF
made here accepted, listed on the case page and downloaded by the officer as attachments with nosniff; someone
who may not see the case gets 404, as for a file that does not exist."""
from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from datetime import datetime

from sqlalchemy import delete, func, select

from models import Attachment, AuditEntry, Case, CaseEvent, User, UserServiceArea
from processes.records.filestore import path_of, store

from .helpers.clamd import EICAR
from .helpers.forms import form_in, page_form
from .helpers.pages import error_messages

FILES = "Attach files (optional)"  # the label, as the page renders it


def png() -> bytes:
    """A real 2x2 PNG, made here."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pdf() -> bytes:
    """A small one-page PDF, made here."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def record_form(officer, comment="The bin crew left broken glass across my drive."):
    form = page_form(officer, "/cases/new").set_all({
        "comment_type": "complaint", "channel": "letter", "service_area": "waste", "comment": comment,
        "customer_name": "Wilhelmina Croft", "customer_address": "9 Quarry Row, Ambergate",
        "preferred_contact": "letter"})
    return form.fill_date("received_at", datetime(2026, 3, 2, 9, 30))


def cases_about(db, comment: str) -> int:
    return db.scalar(select(func.count()).select_from(Case).filter_by(comment=comment))


def test_eicar_is_refused_beside_the_field_and_nothing_is_saved(app, db, login_as):
    officer = login_as("frontline")
    comment = "EICAR came with this letter."
    before = {p for p in app.config["ATTACHMENTS_DIR"].rglob("*") if p.is_file()}  # other tests' files
    refused = record_form(officer, comment).attach(FILES, EICAR, "scan.pdf").submit()
    assert refused.status_code == 400
    assert "The selected file contains a virus" in error_messages(refused.text)
    assert 'id="attachments-error"' in refused.text and 'href="#attachments"' in refused.text
    assert cases_about(db, comment) == 0 and db.scalar(select(func.count()).select_from(Attachment)) == 0
    added = {p for p in app.config["ATTACHMENTS_DIR"].rglob("*") if p.is_file()} - before
    assert not added, added  # not even in quarantine
    refusal = db.scalars(select(AuditEntry).filter_by(action="attachment refused")).all()[-1]
    assert "virus" in refusal.detail and "scan.pdf" not in refusal.detail and "EICAR" not in refusal.detail


def test_a_web_page_renamed_png_and_too_many_files_are_refused(app, db, login_as):
    officer = login_as("frontline")
    page = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    refused = record_form(officer, "Renamed page").attach(FILES, page, "photo.png").submit()
    assert refused.status_code == 400
    assert any(m.startswith("The selected file must be a photo") for m in error_messages(refused.text))
    assert cases_about(db, "Renamed page") == 0
    form = record_form(officer, "Too many")
    for number in range(app.config["ATTACHMENTS_MAX_FILES"] + 1):
        form.attach(FILES, png(), f"photo{number}.png")
    many = form.submit()
    assert many.status_code == 400 and "Select no more than 10 files" in error_messages(many.text)
    mixed = record_form(officer, "Mixed").attach(FILES, png(), "fine.png") \
        .attach(FILES, b"", "empty.txt").submit()
    assert "empty.txt: The selected file is empty" in error_messages(mixed.text)
    assert cases_about(db, "Mixed") == 0 and db.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_png_and_a_pdf_are_attached_listed_and_downloaded_by_the_officer(app, db, login_as):
    officer = login_as("frontline")
    comment = "Photos of the glass and my letter."
    hostile_name = "../..\\..\\.evil\x07\x1b glass.png"  # a path, a dot file, control characters
    done = record_form(officer, comment).attach(FILES, png(), hostile_name) \
        .attach(FILES, pdf(), "Lettre à la mairie.pdf").submit()
    assert done.status_code == 302, error_messages(done.text)
    case = db.scalar(select(Case).filter_by(comment=comment))
    first, second = case.attachments
    assert (first.original_name, first.kind, first.mime, first.scan_state) == \
        ("evil glass.png", "PNG image", "image/png", "clean")
    assert (second.original_name, second.kind, second.size) == ("Lettre à la mairie.pdf", "PDF document",
                                                                len(pdf()))
    history = db.scalars(select(CaseEvent.summary).filter_by(case_id=case.id, kind="attached")).all()
    assert history == ["Fran Front attached 2 files"]  # the count, never the names
    page = officer.get(f"/cases/{case.reference}")
    assert "Lettre à la mairie.pdf" in page.text and "PDF document" in page.text
    assert f"{len(pdf())} bytes" in page.text and "Checked for viruses" in page.text
    for attachment, content in ((first, png()), (second, pdf())):
        got = officer.get(f"/cases/{case.reference}/attachments/{attachment.id}")
        assert got.status_code == 200 and got.data == content
        assert got.headers["Content-Disposition"].startswith("attachment;")
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Type"].startswith(attachment.mime)
    assert path_of(app.config["ATTACHMENTS_DIR"], first.sha256).read_bytes() == png()


def test_someone_who_may_not_see_the_case_gets_404_and_a_pending_file_is_not_served(app, db, login_as):
    officer = login_as("frontline")
    comment = "A photo for the waste team only."
    assert record_form(officer, comment).attach(FILES, png(), "bins.png").submit().status_code == 302
    case = db.scalar(select(Case).filter_by(comment=comment))
    (attachment,) = case.attachments
    reference, attachment_id = case.reference, attachment.id
    url = f"/cases/{reference}/attachments/{attachment_id}"
    outsider = db.scalar(select(User).filter_by(email="investigator2@example.org"))
    db.execute(delete(UserServiceArea).where(UserServiceArea.user_id == outsider.id,
                                             UserServiceArea.service_area == "waste"))
    db.expire_all()
    other = login_as("investigator2")
    assert other.get(url).status_code == 404
    assert other.get(f"/cases/{reference}/attachments/999999").status_code == 404
    assert officer.get(f"/cases/CC-0000-000000/attachments/{attachment_id}").status_code == 404
    assert officer.get(f"/cases/{reference}/attachments/{attachment_id + 1000}").status_code == 404
    assert officer.get(f"/cases/{reference}/attachments/99999999999999999999").status_code == 404
    assert officer.get(url).status_code == 200
    db.get(Attachment, attachment_id).scan_state = "pending"
    db.commit()  # a savepoint of the test's transaction
    waiting = officer.get(url)
    assert waiting.status_code == 409 and "being checked for viruses" in waiting.text
    assert b"IHDR" not in waiting.data
    assert "Being checked for viruses" in officer.get(f"/cases/{reference}").text


def test_the_ombudsman_case_file_lists_and_holds_the_clean_attachments(app, db, login_as):
    officer = login_as("frontline")
    comment = "Letter and photo for the case file."
    assert record_form(officer, comment).attach(FILES, pdf(), "../My letter.pdf") \
        .attach(FILES, png(), "drive <glass>.png").submit().status_code == 302
    case = db.scalar(select(Case).filter_by(comment=comment))
    reference = case.reference
    exported = login_as("cro").get(f"/records/case-file/{reference}.zip")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    assert files["attachments/01-My letter.pdf"] == pdf()
    assert files["attachments/02-drive _glass_.png"] == png()
    listed = json.loads(files["case.json"])["attachments"]
    assert [(a["original_name"], a["kind"], a["scan_state"]) for a in listed] == [
        ("My letter.pdf", "PDF document", "clean"), ("drive <glass>.png", "PNG image", "clean")]
    readable = files["case-file.html"].decode()
    assert "My letter.pdf" in readable and "drive &lt;glass&gt;.png" in readable
    # The customer's subject access export holds them too, in the case's folder.
    cro = login_as("cro")
    found = page_form(cro, "/records/subject-access", button="Find cases") \
        .fill("Full name", "Wilhelmina Croft").submit()
    sent = form_in(cro, found, "http://localhost/records/subject-access",
                   action="/records/subject-access/export").submit()
    with zipfile.ZipFile(io.BytesIO(sent.data)) as archive:
        assert archive.read(f"{reference}/attachments/01-My letter.pdf") == pdf()


def test_the_timer_worker_scans_files_that_waited_for_clamd(app, db, login_as, tmp_path):
    """clamd away: the file is kept in quarantine as pending and not served; the worker's run, with clamd
    back, marks it clean. An infected file that waited is removed, its row and its bytes."""
    from app.worker import TimerWorker
    from processes.cases.attachments import rules_from
    away = {"CLAMD_SOCKET": str(tmp_path / "no-clamd.sock")}
    officer = login_as("frontline")
    comment = "Sent while the scanner was down."
    app.config["CLAMD_SOCKET"], socket = away["CLAMD_SOCKET"], app.config["CLAMD_SOCKET"]
    try:
        assert record_form(officer, comment).attach(FILES, pdf() + b"% waited\n", "waited.pdf") \
            .submit().status_code == 302
    finally:
        app.config["CLAMD_SOCKET"] = socket
    case = db.scalar(select(Case).filter_by(comment=comment))
    (waiting,) = case.attachments
    reference, attachment_id, sha256, case_id = case.reference, waiting.id, waiting.sha256, case.id
    assert waiting.scan_state == "pending"
    assert officer.get(f"/cases/{reference}/attachments/{attachment_id}").status_code == 409
    # An infected file that slipped in while clamd was away (written here as the store would have).
    infected = store(app.config["ATTACHMENTS_DIR"], io.BytesIO(EICAR), 1024)
    db.add(Attachment(case_id=case_id, sha256=infected.sha256, original_name="x.txt", kind="Text document",
                      mime="text/plain", size=infected.size, scan_state="pending"))
    db.commit()
    logged = []
    with app.app_context():
        worker = TimerWorker(60, log=logged.append, uploads=rules_from(app.config))
        try:
            worker.run_once()
        finally:
            worker.release()  # the SQLite worker lock: held for the worker's life, as a running worker's is
    db.expire_all()
    assert db.get(Attachment, attachment_id).scan_state == "clean"
    assert not db.scalars(select(Attachment).filter_by(sha256=infected.sha256)).all()
    assert not path_of(app.config["ATTACHMENTS_DIR"], infected.sha256).exists()
    assert path_of(app.config["ATTACHMENTS_DIR"], sha256).exists()
    assert any("1 infected and removed" in line for line in logged), logged
    got = officer.get(f"/cases/{reference}/attachments/{attachment_id}")
    assert got.status_code == 200 and got.data == pdf() + b"% waited\n"


def test_a_customer_attaches_a_photo_and_a_pdf_on_the_public_form_and_eicar_is_refused(app, db, client):
    from .helpers.journeys import answer_page
    url = answer_page(client, "/comment/type", {"comment_type": "complaint"})
    url = answer_page(client, url, {"service_area": "waste"})
    comment = "Public: glass on the drive, photo and letter attached."
    label = "Attach photos or documents (optional)"
    infected = page_form(client, url).fill("comment", comment).attach(label, EICAR, "photo.jpg").submit()
    assert infected.status_code == 400
    assert "The selected file contains a virus" in error_messages(infected.text)
    about = page_form(client, url).fill("comment", comment).attach(label, png(), "drive.png") \
        .attach(label, pdf(), "letter.pdf").submit()
    assert about.status_code == 302, error_messages(about.text)
    check = page_form(client, about.location).set_all({
        "customer_name": "Ottilie Marsh", "customer_email": "o.marsh@example.org",
        "preferred_contact": "email"}).submit().location
    assert "drive.png, letter.pdf" in client.get(check).text
    assert page_form(client, check, button="Send").submit().location.endswith("/comment/sent")
    case = db.scalar(select(Case).filter_by(comment=comment))
    assert [(a.original_name, a.kind, a.scan_state, a.uploaded_by_id) for a in case.attachments] == [
        ("drive.png", "PNG image", "clean", None), ("letter.pdf", "PDF document", "clean", None)]
    assert db.scalars(select(CaseEvent.summary).filter_by(case_id=case.id, kind="attached")).all() == [
        "The customer attached 2 files"]


def test_files_past_the_two_megabyte_request_limit_are_taken_and_one_too_big_is_refused_beside_the_field(
        app, db, login_as):
    """MAX_CONTENT_LENGTH (2 MB) stays for every other request; the forms that take files allow the files."""
    officer = login_as("frontline")
    letter = (b"A long letter about the bins, line after line of it.\n" * 60_000)  # 3,180,000 bytes: 3.0 MB
    sent = record_form(officer, "Three megabytes").attach(FILES, letter, "long.txt").submit()
    assert sent.status_code == 302
    case = db.scalar(select(Case).filter_by(comment="Three megabytes"))
    reference = case.reference
    (taken,) = case.attachments
    assert (taken.kind, taken.size) == ("Text document", len(letter))
    assert "3.0 MB" in officer.get(f"/cases/{reference}").text
    app.config["ATTACHMENT_MAX_MB"] = 2
    try:
        big = record_form(officer, "Too big").attach(FILES, letter, "long.txt").submit()
    finally:
        app.config["ATTACHMENT_MAX_MB"] = 10
    assert big.status_code == 400 and "The selected file must be smaller than 2MB" in error_messages(big.text)
    assert cases_about(db, "Too big") == 0
    too_large = officer.post(f"/cases/{reference}/category", data={"category": "y" * (3 * 1024 * 1024)})
    assert too_large.status_code == 413  # elsewhere the 2 MB limit holds


def test_files_of_a_public_form_never_sent_are_deleted_after_a_week_and_claimed_ones_kept(app, db,
                                                                                           case_factory):
    """A customer who uploads on the public form and never sends it leaves their photos in the store with no
    row: the worker's daily run deletes them after UNCLAIMED_DAYS; a file a case holds, or one uploaded
    lately (its comment may still be sent), stays."""
    import os
    import time

    from processes.cases.attachments import UNCLAIMED_DAYS, forget_unclaimed
    directory = app.config["ATTACHMENTS_DIR"]
    old_unsent = store(directory, io.BytesIO(b"photo never sent " + os.urandom(8)), 1024)
    fresh_unsent = store(directory, io.BytesIO(b"photo of today " + os.urandom(8)), 1024)
    claimed = store(directory, io.BytesIO(b"letter of a case " + os.urandom(8)), 1024)
    case = case_factory.submit((2026, 5, 1, 8), channel="web")
    db.add(Attachment(case_id=case.id, sha256=claimed.sha256, original_name="letter.txt",
                      kind="Text document", mime="text/plain", size=claimed.size, scan_state="clean"))
    db.flush()
    week_ago = time.time() - (UNCLAIMED_DAYS * 86400 + 60)
    for stored in (old_unsent, claimed):
        os.utime(path_of(directory, stored.sha256), (week_ago, week_ago))
    assert forget_unclaimed(db, directory, time.time()) == 1
    assert not path_of(directory, old_unsent.sha256).exists()
    assert path_of(directory, fresh_unsent.sha256).exists() and path_of(directory, claimed.sha256).exists()

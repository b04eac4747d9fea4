"""The annual complaints report (the Code's section 8), printable: its figures and learning, the
self-assessment per provision of the Code, the complaints not taken, the Ombudsman's annual letter and the
governing body's response."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user

from models.reporting import ANSWERS
from processes.errors import InvalidInput
from processes.records.filestore import path_of
from processes.reporting import annual as report
from processes.reporting.figures import Filters

from ..extensions import db
from ..guard import may
from ..unit_of_work import keep_even_if_refused, on_refusal
# Read at call time: periodic and this module join views' blueprint while it loads.
from . import periodic
from .views import bp, today


def _year_offered(year: int) -> None:
    if year not in range(2000, periodic.financial_year(today()) + 1):  # the years the annual page offers
        abort(404)


def _annual_page(year: int, errors=None, values=None, form: str | None = None):
    start, end = periodic.quarter_period(year, 1)[0], periodic.quarter_period(year, 4)[1]
    title = f"Annual complaints report {year} to {year + 1}"
    return periodic._report("reports/annual.html", title, start, end,
                   year=year, sections=report.code_sections(), answers=ANSWERS,
                   assessment=report.self_assessment(db.session, year),
                   annual=report.annual_report(db.session, year),
                   not_taken=report.complaints_not_taken(db.session, *Filters(start, end).bounds),
                   not_taken_by_reason=report.complaints_not_taken(db.session, *Filters(start, end).bounds,
                                                                   by="reason"),
                   reason_labels=report.reason_labels(db.session),
                   errors=errors or {}, form_errors=errors, values=values or {}, failed_form=form,
                   can_change=may("change_improvement"))


@bp.get("/annual")
def annual():
    current = periodic.financial_year(today())
    return _annual_page(periodic._int_arg("year", current, range(2000, current + 1)))


@bp.post("/annual/<int:year>/self-assessment")
def save_assessment(year: int):
    _year_offered(year)
    on_refusal(url_for(".annual", year=year))
    try:
        report.save_self_assessment(db.session, current_user, year, request.form)
    except InvalidInput as exc:
        return _annual_page(year, exc.errors, exc.values, "self-assessment"), 400
    flash(f"Self-assessment for {year} to {year + 1} saved", "success")
    return redirect(url_for(".annual", year=year) + "#self-assessment")


@bp.post("/annual/<int:year>/governance-response")
def save_governance_response(year: int):
    _year_offered(year)
    on_refusal(url_for(".annual", year=year))
    try:
        report.save_governance_response(db.session, current_user, year, request.form, today())
    except InvalidInput as exc:
        return _annual_page(year, exc.errors, exc.values, "governance"), 400
    flash("The governing body's response is saved", "success")
    return redirect(url_for(".annual", year=year) + "#governance")


@bp.post("/annual/<int:year>/ombudsman-letter")
def attach_letter(year: int):
    _year_offered(year)
    on_refusal(url_for(".annual", year=year))
    chosen = request.files.get("letter")
    config = current_app.config
    try:
        report.attach_ombudsman_letter(db.session, current_user, year, chosen.filename if chosen else None,
                                       chosen.stream if chosen else None, config["ATTACHMENTS_DIR"],
                                       config["ATTACHMENT_MAX_MB"], config["CLAMD_SOCKET"],
                                       datetime.now(timezone.utc))
    except InvalidInput as exc:
        keep_even_if_refused()  # an infected file's audit entry stands (nothing else was written)
        return _annual_page(year, exc.errors, {}, "letter"), 400
    flash("The Ombudsman's annual letter is attached", "success")
    return redirect(url_for(".annual", year=year) + "#ombudsman-letter")


@bp.get("/annual/<int:year>/ombudsman-letter")
def letter(year: int):
    row = report.annual_report(db.session, year)
    if row is None or row.letter_sha256 is None:
        abort(404)
    if row.letter_scan_state != "clean":
        abort(409, "This file is being checked for viruses. Try again later.")
    stored = path_of(current_app.config["ATTACHMENTS_DIR"], row.letter_sha256)
    if not stored.is_file():
        abort(404)
    response = send_file(stored, mimetype=row.letter_mime, as_attachment=True, download_name=row.letter_name,
                         conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

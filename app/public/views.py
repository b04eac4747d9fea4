"""Members of the public write in: one question per page, check answers, confirmation."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from models import Case
from processes.cases.attachments import FIELD as FILES, attach_files, discard, rules_from, take_uploads
from processes.cases.promises import promises_made
from processes.cases.representatives import check_representative
from processes.cases.submission import submit_in_turns
from processes.diagrams.forms import check_values, validate_form
from processes.errors import InvalidInput, ProcedureError
from processes.records.uploads import Taken
from processes.policy.calendar import LONDON
from processes.policy.settings import current_timescales
from processes.throttle import time_to_try

from ..extensions import db, writes_late
from ..limits import caps, client_address, retry_after
from ..unit_of_work import Turns, keep_even_if_refused

bp = Blueprint("public", __name__)


def _definition() -> dict:
    return current_app.extensions["forms"]["public_comment"]


def _page(slug: str) -> tuple[int, dict]:
    for index, page in enumerate(_definition()["pages"]):
        if page["slug"] == slug:
            return index, page
    abort(404)


def _slug(index: int) -> str:
    return _definition()["pages"][index]["slug"]


@bp.get("/")
def start():
    return render_template("public/start.html", title="Tell us what you think",
                           timescales=current_timescales(db.session))


@bp.route("/comment/<slug>", methods=["GET", "POST"])
def question(slug: str):
    index, page = _page(slug)
    back = url_for(".start") if index == 0 else url_for(".question", slug=_slug(index - 1))
    values, errors = session.get("comment", {}), {}
    takes_files = page["slug"] == FILES_PAGE
    if request.method == "POST":
        result = validate_form(_definition(), request.form, only=set(page["fields"]), base=values)
        errors = dict(result.errors)
        if takes_files:
            errors.update(_take_files(errors))
        if not errors:
            session["comment"] = result.values
            last = index + 1 == len(_definition()["pages"])
            return redirect(url_for(".check") if last or request.args.get("change") else
                            url_for(".question", slug=_slug(index + 1)))
        values = result.values
    return render_template("public/question.html", title=page["title"], page=page, definition=_definition(),
                           values=values, errors=errors, form_errors=errors, back=back,
                           takes_files=takes_files, attached=session.get("attachments", [])), \
        (400 if errors else 200)


FILES_PAGE = "comment"  # the page of the public form where files are attached


def _take_files(errors: dict) -> dict:
    """Files chosen on the comment page, taken (judged, stored, scanned) and kept in the signed session until
    the comment is sent; added to those chosen before, up to the limit. Returns the refusal, if any."""
    rules, kept = rules_from(current_app.config), session.get("attachments", [])
    chosen = [(f.filename, f.stream) for f in request.files.getlist(FILES) if f.filename]
    if len(kept) + len(chosen) > rules.max_files:
        return {FILES: f"Select no more than {rules.max_files} files"}
    try:
        taken = take_uploads(db.session, None, rules, chosen)
    except InvalidInput as exc:
        keep_even_if_refused()  # an infected file's audit entry stands
        return exc.errors
    if errors:
        discard(db.session, rules.directory, taken)
        return {}
    session["attachments"] = kept + [{"name": name, **vars(file)} for name, file in taken]
    return {}


def _kept_files() -> list[tuple[str, Taken]]:
    """The files taken earlier in this session (signed: nobody can name another case's file here)."""
    return [(item["name"], Taken(item["sha256"], item["size"], item["kind"], item["mime"],
                                 item["scan_state"])) for item in session.get("attachments", [])]


def _change_url(field: str) -> str:
    slug = next(p["slug"] for p in _definition()["pages"] if field in p["fields"])
    return url_for(".question", slug=slug, change=1)


@bp.route("/comment/check", methods=["GET", "POST"])
@writes_late
def check():
    answers = session.get("comment")
    if not answers:
        return redirect(url_for(".question", slug=_slug(0)))
    errors = check_values(_definition(), answers)
    checked = None
    if answers.get("for_someone_else") == "yes" and not errors:  # the representatives' own checks too
        checked, errors = check_representative(answers, datetime.now(LONDON).date())
    if request.method == "POST" and not errors:
        if not caps()["submissions"].take(client_address()):
            return _too_many_sent()
        try:  # in turns: see submit_in_turns (what a turn wrote before a refusal is a gap in the numbers)
            details = {**answers, "representative": checked}
            case = submit_in_turns(db.session, details, "web", datetime.now(timezone.utc), Turns(db.session))
            attach_files(db.session, None, case, _kept_files())
        except ProcedureError as exc:
            return render_template("error.html", title="Sorry, we could not take your comment",
                                   message=f"{exc}. Your answers are kept: try again later."), 503
        session.pop("comment")
        session.pop("attachments", None)
        session["submitted"] = case.reference
        return redirect(url_for(".done"))
    return render_template("public/check.html", title="Check your answers before sending",
                           definition=_definition(), answers=answers, errors=errors, form_errors=errors,
                           change_url=_change_url, attached=session.get("attachments", []),
                           error_links=[{"text": m, "href": _change_url(k)} for k, m in errors.items()])


def _too_many_sent():
    """One address has sent PUBLIC_SUBMISSIONS_PER_HOUR comments in the last hour: it waits (answers kept)."""
    submissions = caps()["submissions"]
    retry = submissions.retry_at(client_address()) or datetime.now(timezone.utc)
    return render_template(
        "error.html", title="You have sent a lot of comments",
        message=f"We have had {submissions.item.amount} comments from your network in the last hour. "
                f"Your answers are kept: try again after {time_to_try(retry, datetime.now(timezone.utc))}."
    ), 429, {"Retry-After": retry_after(retry)}


@bp.get("/comment/sent")
def done():
    reference = session.get("submitted")
    case = db.session.scalar(select(Case).filter_by(reference=reference)) if reference else None
    if case is None:
        return redirect(url_for(".start"))
    acknowledge, respond = promises_made(case)
    return render_template("public/done.html", title="Comment sent", case=case, acknowledge=acknowledge,
                           respond=respond)

"""Cases: staff record comments, the CRO's overview of every open case, a case's record and history."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user
from sqlalchemy import select

from models import Case
from models.case import STAGES
from processes import access
from processes.accounts import mark_notifications_seen
from processes.cases import queries
from processes.cases.representatives import check_representative
from processes.cases.extension import EXTENSION_MESSAGE, agree_extension, extension_days_left
from processes.cases.attachments import (FIELD as FILES, add_files as add_case_files, attach_files,
                                         attachment_to_serve, discard, take_uploads)
from processes.cases.categories import category_choices, chosen_category, correct_category
from processes.cases.submission import submit_comment
from processes.diagrams.categories import current_categories
from processes.diagrams.forms import service_areas
from processes.cases.remedy_actions import mark_remedy_done, open_remedy_actions, today
from processes.cases.timers import open_incidents, retry_incident
from processes.diagrams.forms import validate_form
from processes.errors import InvalidInput, ProcedureError
from processes.messaging.outbox import failed_messages, mark_posted, resend_message
from processes.policy.calendar import as_utc
from processes.records.history import audit_case
from processes.paging import page_number
from processes.records.retention import set_legal_hold
from processes.search.cases import search_cases
from processes.typed import whole_number

from ..actions import act
from ..extensions import db, writes
from ..guard import forbid_unless, guard, may
from ..unit_of_work import keep_even_if_refused, mark_refused, on_refusal
from ..uploads import chosen_files, upload_rules

bp = Blueprint("cases", __name__, url_prefix="/cases")
guard(bp)  # every case page is for signed-in staff; each view says which permission


@bp.get("/")
def overview():
    forbid_unless("see_open_cases")
    return render_template("cases/overview.html", title="All open cases",
                           cases=queries.open_cases(db.session, current_user),
                           counts=queries.open_case_counts(db.session, datetime.now(timezone.utc)))


@bp.get("/search")
def search():
    forbid_unless("search_cases")
    typed = request.args.get("q")
    found = search_cases(db.session, current_user, typed, page_number(request.args.get("page")))
    errors = ({"q": "Enter a reference, a name, an email address, a phone number, a postcode or words from "
                    "the comment"} if typed is not None and not found.kind else {})
    return render_template("cases/search.html", title="Find a case", search=found,
                           errors=errors, form_errors=errors, stages=STAGES)


@bp.route("/new", methods=["GET", "POST"])
def record():
    forbid_unless("record_comment")
    definition = current_app.extensions["forms"]["staff_record"]
    # Most comments are recorded as they arrive: start from now, to the minute, for the officer to correct.
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    values, errors, rep_values = {"received_at": now.isoformat()}, {}, {}
    if request.method == "POST":
        result = validate_form(definition, request.form)
        values, errors, rep_values = result.values, result.errors, request.form
        values["category"] = request.form.get("category", "")
        try:
            values["category"] = chosen_category(current_categories(db.session), values.get("service_area"),
                                                 request.form.get("category"))
        except InvalidInput as exc:
            errors = {**errors, **({} if "service_area" in errors else exc.errors)}
        received = as_utc(values["received_at"]) if "received_at" in values and not errors else None
        if received and received > datetime.now(timezone.utc):
            errors = {"received_at": "The date and time received must be in the past"}
        checked = None
        if request.form.get("for_someone_else") == "yes":  # checked with the rest: every error at once
            checked, rep_errors = check_representative(request.form, now.date())
            errors = {**errors, **rep_errors}
        taken = []
        try:  # scanned before the case is saved; every refusal beside the field with the others
            taken = take_uploads(db.session, current_user, upload_rules(), chosen_files())
        except InvalidInput as exc:
            errors = {**errors, **exc.errors}
            keep_even_if_refused()  # an infected file's audit entry stands
        if errors:
            discard(db.session, upload_rules().directory, taken)
        else:
            try:
                case = submit_comment(db.session, current_user, {**values, "representative": checked},
                                      values["channel"], received)
                attach_files(db.session, current_user, case, taken)
            except ProcedureError as exc:  # said on the form, so that nothing the officer typed is lost
                mark_refused()
                discard(db.session, upload_rules().directory, taken)
                flash(str(exc), "error")
            else:
                flash(f"{case.reference} recorded", "success")
                return redirect(url_for(".show", reference=case.reference))
    areas = dict(service_areas(current_app.extensions["forms"]))
    return render_template("cases/record.html", title="Record a comment", definition=definition,
                           values=values, errors=errors, rep_values=rep_values, form_errors=errors,
                           categories=category_choices(current_categories(db.session), areas)), \
        (400 if errors else 200)


def seen(case: Case, what: str) -> None:
    """Every view of a case's personal data goes in the audit trail, also on a page that shows a refusal."""
    audit_case(db.session, current_user, "view", what, case)
    keep_even_if_refused()


def _load(reference: str) -> Case:
    case = db.session.scalar(select(Case).filter_by(reference=reference))
    if case is None:
        abort(404)
    if not access.can_view_case(db.session, current_user, case):
        abort(403)
    return case


@bp.get("/<reference>")
@writes  # audits the view
def show(reference: str, errors=None, values=None, status=200):
    case = _load(reference)
    seen(case, "Viewed the case record")
    extension = None
    if may("agree_extension") and case.awaits(EXTENSION_MESSAGE):
        stage = next((t.stage for t in case.ready_tasks if t.stage), None)
        extension = {"stage": stage, "left": extension_days_left(db.session, case, stage)}
    return render_template("cases/show.html", title=case.reference, case=case, extension=extension,
                           errors=errors or {}, values=values or {}, form_errors=errors), status


@bp.get("/<reference>/attachments/<int:attachment_id>")
@writes  # audits the download
def attachment(reference: str, attachment_id: int):
    case = db.session.scalar(select(Case).filter_by(reference=reference))
    found = case and attachment_to_serve(db.session, current_user, case, attachment_id)
    if not found:  # not this case's, or not a case this person may see: the same answer
        abort(404)
    if found.scan_state != "clean":
        return render_template("cases/attachment_pending.html", title="Being checked for viruses",
                               case=case), 409
    seen(case, f"Downloaded attachment {found.id}")
    from processes.records.filestore import path_of
    stored = path_of(current_app.config["ATTACHMENTS_DIR"], found.sha256)
    if not stored.is_file():  # the store lost it (restored from a backup without its files, say)
        abort(404)
    response = send_file(stored, mimetype=found.mime,
                         as_attachment=True, download_name=found.original_name, conditional=False,
                         etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<reference>/attachments")
def add_files(reference: str):
    case = _load(reference)
    forbid_unless("work_tasks")
    on_refusal(url_for(".show", reference=reference))
    try:
        count = add_case_files(db.session, current_user, upload_rules(), case, chosen_files())
    except InvalidInput as exc:  # beside the field; an infected file's audit entry stands (see seen)
        return show(reference, {"add_files": exc.errors[FILES]}, status=400)
    flash(f"{count} file{'s' if count != 1 else ''} added to {reference}", "success")
    return redirect(url_for(".show", reference=reference) + "#attachments")


@bp.post("/<reference>/extension")
def extend(reference: str):
    case = _load(reference)
    days = request.form.get("working_days", "").strip()
    on_refusal(url_for(".show", reference=reference))
    try:
        agree_extension(db.session, current_user, case, whole_number(days),
                        request.form.get("reason", ""))
    except InvalidInput as exc:  # refused before it wrote anything: the page's view is kept (see seen)
        return show(reference, exc.errors, request.form, 400)
    flash("Extension agreed: the deadline has moved and the officer's timers are re-set", "success")
    return redirect(url_for(".show", reference=reference))


@bp.post("/<reference>/category")
def category(reference: str):
    case = _load(reference)
    on_refusal(url_for(".show", reference=reference))
    try:
        correct_category(db.session, current_user, case, request.form.get("category"))
    except InvalidInput as exc:
        return show(reference, exc.errors, request.form, 400)
    flash("Category corrected", "success")
    return redirect(url_for(".show", reference=reference))


@bp.post("/<reference>/legal-hold")
def legal_hold(reference: str):
    case = _load(reference)
    hold = request.form.get("hold") == "yes"
    return act(lambda: set_legal_hold(db.session, current_user, case, hold),
               "Legal hold placed: this case will not be anonymised" if hold else "Legal hold lifted",
               url_for(".show", reference=reference))


@bp.get("/remedies")
def remedies():
    forbid_unless("track_remedies")
    return render_template("cases/remedies.html", title="Remedies we promised",
                           actions=open_remedy_actions(db.session, current_user), today=today())


@bp.get("/<reference>/remedies/<int:action_id>")
@writes  # audits the view
def remedy(reference: str, action_id: int, errors=None, values=None, status=200):
    case = _load(reference)
    action = next((a for a in case.remedy_actions if a.id == action_id), None)
    if action is None:
        abort(404)
    seen(case, f"Viewed promised remedy {action.number}")
    return render_template("cases/remedy.html", title="Remedy we promised", case=case, action=action,
                           today=today(), errors=errors or {}, values=values or {}), status


@bp.post("/<reference>/remedies/<int:action_id>")
def remedy_done(reference: str, action_id: int):
    case = _load(reference)
    on_refusal(url_for(".remedy", reference=reference, action_id=action_id))
    if not any(a.id == action_id for a in case.remedy_actions):
        abort(404)
    try:
        mark_remedy_done(db.session, current_user, action_id, request.form.get("note"))
    except InvalidInput as exc:
        return remedy(reference, action_id, exc.errors, request.form, 400)
    flash("Marked as done: the customer is being told", "success")
    return redirect(url_for(".show", reference=reference) + "#remedies")


@bp.get("/incidents")
def incidents():
    forbid_unless("retry_timers")
    return render_template("cases/incidents.html", title="Failed timers",
                           incidents=open_incidents(db.session))


@bp.post("/incidents/<int:incident_id>/retry")
def retry(incident_id: int):
    forbid_unless("retry_timers")
    return act(lambda: retry_incident(db.session, current_user, incident_id), "The timers ran",
               url_for(".incidents"), failed="It failed again")


@bp.get("/<reference>/diagram.bpmn")
def diagram(reference: str):
    case = _load(reference)
    return Response(case.process_version.bpmn_xml, mimetype="application/xml")


@bp.get("/notifications")
@writes  # records the newest one seen
def notifications():
    shown = queries.notifications_for(db.session, current_user)
    seen_before = current_user.notifications_seen_id
    if shown:
        mark_notifications_seen(db.session, current_user, shown[0].id)
    return render_template("cases/notifications.html", title="Notifications", notifications=shown,
                           seen_before=seen_before)


@bp.get("/messages")
def messages():
    forbid_unless("resend_messages")
    return render_template("cases/messages.html", title="Messages not sent",
                           messages=failed_messages(db.session, current_user))


@bp.post("/messages/<int:message_id>/resend")
def resend(message_id: int):
    return act(lambda: resend_message(db.session, current_user, message_id),
               "The message will be sent again shortly", url_for(".messages"))


@bp.get("/letters")
def letters():
    forbid_unless("post_letters")
    return render_template("cases/letters.html", title="Letters to post",
                           letters=queries.letters_for(db.session, current_user))


@bp.get("/letters/<int:message_id>")
@writes  # audits the view
def letter(message_id: int):
    forbid_unless("post_letters")
    from models import OutboxMessage
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.channel != "letter":
        abort(404)
    if message.case and not access.can_view_case(db.session, current_user, message.case):
        abort(403)
    if message.case:
        seen(message.case, f"Opened the letter “{message.subject}” to print")
    return render_template("cases/letter.html", title=message.subject, message=message)


@bp.post("/letters/<int:message_id>/posted")
def posted(message_id: int):
    return act(lambda: mark_posted(db.session, current_user, message_id), "Letter marked as posted",
               url_for(".letters"))


from . import representatives  # noqa: E402,F401  (its routes join this blueprint)
from . import case_actions  # noqa: E402,F401  (the CRO's case actions: routes of this blueprint)

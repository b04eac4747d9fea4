"""Records for the CRO: a case's whole file for the Ombudsman, everything about one customer for a subject
access request."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from models import Case, SubjectAccessRequest
from processes.errors import InvalidInput
from processes.records.exports import (export_case_file, export_subject_access, find_customer_cases,
                                       linked_cases)
from processes.records.subject_access import search_terms
from processes.typed import whole_number

from ..extensions import db, writes
from ..guard import guard

bp = Blueprint("records", __name__, url_prefix="/records")
guard(bp, "export_records")


def _download(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


@bp.get("/case-file/<reference>.zip")
@writes  # audits the view
def case_file(reference: str):
    case = db.session.scalar(select(Case).filter_by(reference=reference))
    if case is None:
        abort(404)
    readable = render_template("records/case_file.html", title=f"Case file {case.reference}", case=case,
                               linked=linked_cases(db.session, case))
    content = export_case_file(db.session, current_user, case, readable,
                               current_app.config["ATTACHMENTS_DIR"])
    return _download(content, f"{case.reference}-case-file.zip")


def _asked() -> tuple[str, str, str]:
    logged = _logged_request()
    if logged is not None:  # the search a logged request was made with
        terms = search_terms(logged)
        return terms["email"], terms["name"], terms["phone"]
    return request.values.get("email", ""), request.values.get("name", ""), request.values.get("phone", "")


def _logged_request() -> SubjectAccessRequest | None:
    number = whole_number(request.args.get("request"))
    return db.session.get(SubjectAccessRequest, number) if number is not None else None


@bp.route("/subject-access", methods=["GET", "POST"])
def subject_access():
    cases, errors = None, {}
    if request.method == "POST" or _logged_request() is not None:
        try:
            cases = find_customer_cases(db.session, current_user, *_asked())
        except InvalidInput as exc:
            errors = exc.errors
    email, name, phone = _asked()
    return render_template("records/subject_access.html", title="Subject access request", cases=cases,
                           errors=errors, form_errors=errors,
                           values={"email": email, "name": name, "phone": phone}), \
        (400 if errors else 200)


@bp.post("/subject-access/export")
def subject_access_export():
    try:
        cases = find_customer_cases(db.session, current_user, *_asked())
    except InvalidInput:
        abort(400)
    content = export_subject_access(db.session, current_user, cases,
                                    dict(zip(("email", "name", "phone"), _asked())),
                                    current_app.config["ATTACHMENTS_DIR"])
    return _download(content, "subject-access-export.zip")


from . import requests  # noqa: E402,F401  (its routes join this blueprint)

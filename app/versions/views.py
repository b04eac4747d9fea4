"""Process versions: history, the difference between two, rollback, and moving cases to the newest."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import Case
from processes.access import can_view_case
from processes.cases.case_diagram import diagram_marks
from processes.cases.migration import migrate_case, migrate_cases
from processes.diagrams.deploy import latest_version
from processes.diagrams.versions import diff_versions, get_version, processes, rollback_version, versions_of
from processes.errors import InvalidInput, ProcedureError
from processes.typed import whole_number

from ..extensions import db
from ..guard import forbid_unless, guard
from ..unit_of_work import on_refusal

bp = Blueprint("versions", __name__)
guard(bp)  # every page here is for signed-in staff; each view says which permission


@bp.app_template_global()
def newest_version(process_key: str):
    """For the case page: the version a case could move to."""
    return latest_version(db.session, process_key)


@bp.app_template_global()
def case_diagram_marks(case):
    """For the case page: elements done, waiting now and overdue, from the history and index tables."""
    return diagram_marks(db.session, case)


def _version(key: str, number: int):
    try:
        return get_version(db.session, key, number)
    except ProcedureError:
        abort(404)


@bp.get("/processes/versions")
def index():
    forbid_unless("change_process")
    return render_template("versions/index.html", title="Process versions", processes=processes(db.session))


@bp.get("/processes/<key>/versions")
def history(key: str):
    forbid_unless("change_process")
    versions = versions_of(db.session, key)
    if not versions:
        abort(404)
    return render_template("versions/history.html", title=f"Versions of {versions[0][0].name}", key=key,
                           versions=versions, newest=versions[0][0])


@bp.get("/processes/<key>/versions/compare")
def compare(key: str):
    forbid_unless("change_process")
    a, b = whole_number(request.args.get("a")), whole_number(request.args.get("b"))
    if a is None or b is None:
        flash("Choose two versions to compare", "error")
        return redirect(url_for(".history", key=key))
    return redirect(url_for(".diff", key=key, a=a, b=b))


@bp.get("/processes/<key>/versions/<int:a>/diff/<int:b>")
def diff(key: str, a: int, b: int):
    forbid_unless("change_process")
    old, new = _version(key, a), _version(key, b)
    return render_template("versions/diff.html", title=f"{old.name}: version {a} compared with version {b}",
                           old=old, new=new, diff=diff_versions(old, new))


@bp.route("/processes/<key>/versions/<int:number>/rollback", methods=["GET", "POST"])
def rollback(key: str, number: int):
    forbid_unless("change_process")
    version, errors = _version(key, number), {}
    if request.method == "POST":
        on_refusal(url_for(".history", key=key))
        try:
            new = rollback_version(db.session, current_user, key, number, request.form.get("comment", ""))
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(f"Version {number} is deployed again as version {new.number}: new cases start on it",
                  "success")
            return redirect(url_for(".history", key=key))
    return render_template("versions/rollback.html", title=f"Roll back to version {number}", version=version,
                           errors=errors, form_errors=errors, values=request.form), (400 if errors else 200)


@bp.post("/processes/<key>/versions/<int:number>/migrate")
def migrate_version(key: str, number: int):
    forbid_unless("move_cases")
    version = _version(key, number)
    on_refusal(url_for(".history", key=key))
    result = migrate_cases(db.session, current_user, version)
    return render_template("versions/migrated.html", title="Cases moved to the newest version",
                           version=version, newest=latest_version(db.session, key), result=result)


@bp.post("/cases/<reference>/version")
def migrate_one(reference: str):
    forbid_unless("move_cases")
    case = db.session.scalar(select(Case).filter_by(reference=reference))
    if case is None:
        abort(404)
    then = url_for("cases.show", reference=reference) if can_view_case(db.session, current_user, case) \
        else url_for(".index")
    on_refusal(then)
    outcome = migrate_case(db.session, current_user, case)  # a case it cannot move says why in its history
    if outcome.moved:
        flash(f"{reference} now runs on version {case.process_version.number}", "success")
    else:
        flash(f"{reference} was not moved: {outcome.reason}", "error")
    return redirect(then)

"""A case's representatives: record one on the case page, change their details or the consent, record that
the consent was withdrawn or that they stopped acting."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from processes.cases import representatives as operations
from processes.errors import InvalidInput
from processes.typed import whole_number

from ..extensions import db, writes
from ..guard import forbid_unless
from ..unit_of_work import on_refusal
from .views import _load, bp, seen, show


@bp.post("/<reference>/representatives")
def representative(reference: str):
    case = _load(reference)
    forbid_unless("work_tasks")
    on_refusal(url_for(".show", reference=reference))
    try:
        operations.add_representative(db.session, current_user, case, request.form)
    except InvalidInput as exc:  # beside each field, with what was typed kept
        return show(reference, exc.errors, request.form, 400)
    flash("Representative recorded", "success")
    return redirect(url_for(".show", reference=reference) + "#representatives")


def _representative(reference: str, representative_id: int):
    case = _load(reference)
    forbid_unless("work_tasks")
    found = operations.representative_of(case, representative_id)
    if found is None:
        abort(404)
    return case, found


@bp.get("/<reference>/representatives/<int:representative_id>")
@writes  # audits the view
def representative_page(reference: str, representative_id: int, errors=None, ending=None, status=200):
    """The two forms: `ending` the end form's answers as posted, else the change form's are (when errors)."""
    case, found = _representative(reference, representative_id)
    seen(case, f"Opened representative {found.id} to change")
    changes = request.form if errors and ending is None else operations.form_values(found)
    return render_template("cases/representative.html", title="Change or end a representative", case=case,
                           rep=found, errors=errors or {}, form_errors=errors, values=changes,
                           ending=ending or {}), status


def _changed(reference: str, representative_id: int, operation, success: str, ends: bool = False):
    """Run `operation` on the representative from the form as posted, back on their page if it is refused."""
    case, found = _representative(reference, representative_id)
    here = url_for(".representative_page", reference=reference, representative_id=representative_id)
    on_refusal(here)
    try:
        seen_version = whole_number(request.form.get("row_version"))
        operation(db.session, current_user, found, request.form, seen_version)
    except InvalidInput as exc:
        return representative_page(reference, representative_id, exc.errors,
                                   request.form if ends else None, 400)
    flash(success, "success")
    return redirect(url_for(".show", reference=reference) + "#representatives")


@bp.post("/<reference>/representatives/<int:representative_id>")
def change_representative(reference: str, representative_id: int):
    return _changed(reference, representative_id, operations.change_representative, "Representative changed")


@bp.post("/<reference>/representatives/<int:representative_id>/end")
def end_representative(reference: str, representative_id: int):
    return _changed(reference, representative_id, operations.end_representative,
                    "Recorded: from now on no message goes to this representative", ends=True)

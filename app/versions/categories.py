"""The process owner's categories: each service area's list, added to, renamed and retired as data."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from processes.diagrams.categories import (NAME_LIMIT, add_category, current_categories, rename_category,
                                           retire_category)
from processes.diagrams.forms import service_areas
from processes.errors import InvalidInput

from ..extensions import db
from ..guard import guard
from ..unit_of_work import on_refusal

bp = Blueprint("categories", __name__, url_prefix="/processes/categories")
guard(bp, "change_process")


def area_names() -> dict[str, str]:
    return dict(service_areas(current_app.extensions["forms"]))


def _area(area: str) -> str:
    if area not in area_names():
        abort(404)
    return area


@bp.get("/")
def index():
    return render_template("versions/categories.html", title="Categories", areas=area_names(),
                           categories=current_categories(db.session))


@bp.route("/<area>", methods=["GET", "POST"])
def area(area: str, errors=None, values=None, status=200):
    _area(area)
    if request.method == "POST":
        on_refusal(url_for(".area", area=area))
        try:
            add_category(db.session, current_user, area_names(), area, request.form.get("name"))
        except InvalidInput as exc:
            errors, values, status = exc.errors, {"name": request.form.get("name", "")[:NAME_LIMIT * 2]}, 400
        else:
            flash("Category added: new versions of the processes offer it", "success")
            return redirect(url_for(".area", area=area))
    entries = current_categories(db.session).get(area, [])
    return render_template("versions/category_area.html", title=area_names()[area], area=area,
                           area_name=area_names()[area], entries=entries, errors=errors or {},
                           values=values or {}, form_errors=errors), status


@bp.route("/<area>/<key>", methods=["GET", "POST"])
def category(area: str, key: str):
    _area(area)
    entry = next((c for c in current_categories(db.session).get(area, []) if c["key"] == key), None)
    if entry is None:
        abort(404)
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        on_refusal(url_for(".category", area=area, key=key))
        action = request.form.get("action")
        try:
            if action in ("retire", "restore"):
                retire_category(db.session, current_user, area_names(), area, key, action == "retire")
                flash("Category retired: it is no longer offered, and cases that have it keep it"
                      if action == "retire" else "Category brought back", "success")
            else:
                rename_category(db.session, current_user, area_names(), area, key, request.form.get("name"))
                flash("Category renamed", "success")
        except InvalidInput as exc:
            errors, values, status = exc.errors, {"name": request.form.get("name", "")[:NAME_LIMIT * 2]}, 400
        else:
            return redirect(url_for(".area", area=area))
    return render_template("versions/category.html", title=f"Change {entry['name']}", area=area,
                           area_name=area_names()[area], entry=entry, errors=errors, values=values,
                           form_errors=errors), status

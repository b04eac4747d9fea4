"""Administrators manage staff accounts: create, deactivate, roles and service areas."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import User
from processes.accounts import save_user
from processes.diagrams.forms import service_areas
from processes.errors import InvalidInput, NotFound

from ..extensions import db
from ..guard import guard
from ..unit_of_work import mark_refused

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard(bp, "manage_accounts")


def _areas() -> list[tuple[str, str]]:
    return service_areas(current_app.extensions["forms"])


@bp.get("/users")
def users():
    accounts = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", title="Users", accounts=accounts, areas=dict(_areas()))


def _submitted() -> dict:
    form = request.form
    return {"name": form.get("name", "").strip(), "email": form.get("email", "").strip(),
            "roles": form.getlist("roles"), "service_areas": form.getlist("service_areas"),
            "active": form.get("active", "yes") == "yes", "password": form.get("password", ""),
            "grade": form.get("grade", "").strip()}


def _values(user: User | None) -> dict:
    if user is None:
        return {"name": "", "email": "", "roles": [], "service_areas": [], "active": True, "grade": ""}
    return {"name": user.name, "email": user.email, "roles": sorted(user.role_names),
            "service_areas": sorted(user.service_area_names), "active": user.active,
            "grade": str(user.grade) if user.grade else ""}


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int | None):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    values, errors = _values(user), {}
    if request.method == "POST":
        try:
            saved = save_user(db.session, current_user, user_id, _submitted(), {a for a, _ in _areas()})
        except (InvalidInput, NotFound) as exc:  # shown on the form, so that nothing typed is lost
            mark_refused()
            values, errors = (exc.values, exc.errors) if isinstance(exc, InvalidInput) else (_submitted(), {})
            values.pop("password", None)
        else:
            flash(f"Account for {saved.name} {'created' if user_id is None else 'saved'}", "success")
            return redirect(url_for(".users"))
    title = f"Change {user.name}" if user else "Create an account"
    return render_template("admin/user.html", title=title, user=user, values=values, errors=errors,
                           form_errors=errors, areas=_areas()), (400 if errors else 200)

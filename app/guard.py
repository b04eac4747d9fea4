"""The web side of the permission table (processes.access): one guard per blueprint, one check per view."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from processes import access


def guard(bp: Blueprint, permission: str | None = None) -> None:
    """Every page of `bp` is for signed-in staff (others sign in first), with `permission` if one is given."""
    @login_required
    def check():
        if permission is not None:
            forbid_unless(permission)
    bp.before_request(check)


def forbid_unless(permission: str) -> None:
    """A 403 unless the signed-in person has the permission."""
    if not may(permission):
        abort(403)


def may(permission: str, user=None) -> bool:
    """Whether `user` (the signed-in person unless given) has the permission: for views and templates."""
    user = current_user if user is None else user
    return user.is_authenticated and access.may(user, permission)

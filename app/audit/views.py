"""The audit trail for the CRO and administrators: search it, export it, check the chain."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, render_template, request, url_for

from processes.paging import page_number
from processes.records.audit import audit_page, check_chain, search_audit

from ..csv_files import csv_response
from ..extensions import db, writes
from ..guard import guard

bp = Blueprint("audit", __name__, url_prefix="/audit")
guard(bp, "read_audit")
FIELDS = ("id", "at", "actor", "action", "case_reference", "detail", "hash")


SEARCH = ("q", "action", "reference")


def _search() -> dict[str, str]:
    """The search the query string asks for, by its field names: only those given."""
    return {name: request.args[name] for name in SEARCH if request.args.get(name)}


def _entries():
    return search_audit(db.session, request.args.get("q", ""), request.args.get("action", ""),
                        request.args.get("reference", ""))


@bp.get("/")
@writes  # moves the audit checkpoint: on SQLite the write lock from the start, so no read is refused a write
def index():
    chain = check_chain(db.session, datetime.now(timezone.utc))  # the entries since the last check
    search = _search()
    page = audit_page(db.session, page_number(request.args.get("page")), search.get("q", ""),
                      search.get("action", ""), search.get("reference", ""))
    link = url_for(".index", **search, page="") if search else url_for(".index") + "?page="
    return render_template("audit/index.html", title="Audit trail", page=page, entries=page.items, link=link,
                           chain=chain, args=search)


@bp.get("/export.csv")
def export():
    rows = ([entry.id, entry.at.isoformat(), entry.actor, entry.action, entry.case_reference, entry.detail,
             entry.hash] for entry in _entries())
    return csv_response(FIELDS, rows, "audit-trail.csv")

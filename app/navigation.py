"""Where each role starts, the header's links and what it counts: the sign-in redirect, the home link and the
navigation read these tables, and the navigation shows a link only to those with its page's permission."""
from __future__ import annotations

from typing import NamedTuple

from flask import Flask, request, url_for
from flask_login import current_user

from models import User
from processes.access import ADMIN, CASE_ROLES, CRO, DIRECTOR, OWNER, READER
from processes.cases.queries import NEW_NOTIFICATIONS_UP_TO, new_notification_count

from .extensions import db
from .guard import may

# (roles, the page they start on): the first row with one of the user's roles wins. Officers who handle cases
# start on their tasks even if they also read reports or own the process; everyone else on their main page.
LANDINGS = (
    ((CRO,), "cases.overview"),  # the overview of every open case, with its counts
    ((ADMIN,), "admin.users"),
    (CASE_ROLES, "tasks.my_tasks"),
    ((OWNER,), "modeller.index"),  # the flow charts
    ((READER, DIRECTOR), "reports.index"),  # the dashboard
)
DEFAULT_LANDING = "tasks.my_tasks"


class Link(NamedTuple):
    endpoint: str
    text: str
    permission: str | None = None  # None: every signed-in person
    section: str | None = None  # the endpoints (a prefix) that keep the link current; else its own page only


# The header's links in order, each with the permission its page checks.
LINKS = (
    Link("tasks.my_tasks", "My tasks"),
    Link("tasks.team_tasks", "Team tasks"),
    Link("cases.search", "Find a case", "search_cases"),
    Link("cases.record", "Record a comment", "record_comment"),
    Link("cases.overview", "All open cases", "see_open_cases"),
    Link("cases.incidents", "Failed timers", "retry_timers"),
    Link("cases.messages", "Messages not sent", "resend_messages"),
    Link("audit.index", "Audit trail", "read_audit", "audit."),
    Link("records.subject_access", "Subject access", "export_records", "records."),
    Link("cases.letters", "Letters to post", "post_letters", "cases.letter"),
    Link("admin.users", "Users", "manage_accounts", "admin."),
    Link("reports.index", "Reports", "read_reports", "reports."),
    Link("policy.index", "Calendar and timescales", "change_policy", "policy."),
    Link("modeller.index", "Flow charts", "change_process", "modeller."),
    Link("versions.index", "Process versions", "change_process", "versions."),
    Link("categories.index", "Categories", "change_process", "categories."),
)


def landing_endpoint(user: User) -> str:
    return next((endpoint for roles, endpoint in LANDINGS if user.has_role(*roles)), DEFAULT_LANDING)


def home_url() -> str:
    """The signed-in person's landing page; the public start page for everyone else."""
    if current_user.is_authenticated:
        return url_for(landing_endpoint(current_user))
    return url_for("public.start")


def nav_links() -> list[dict]:
    """The signed-in person's header links, as govukServiceNavigation takes them."""
    here = request.endpoint or ""
    return [{"href": url_for(link.endpoint), "text": link.text,
             "active": here == link.endpoint or bool(link.section and here.startswith(link.section))}
            for link in LINKS if link.permission is None or may(link.permission)]


def new_notifications() -> str:
    """The header's count of new notifications: "" for none, "99+" past the bound."""
    count = new_notification_count(db.session, current_user)
    return ("" if count == 0 else f"{NEW_NOTIFICATIONS_UP_TO}+" if count > NEW_NOTIFICATIONS_UP_TO
            else str(count))


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"home_url": home_url, "new_notifications": new_notifications,
                                   "nav_links": nav_links, "may": may})

"""Where each role starts and what the header counts: the one table the sign-in redirect and the home link read."""
from __future__ import annotations

from flask import Flask, url_for
from flask_login import current_user

from models import User
from processes.access import CASE_ROLES
from processes.cases.queries import NEW_NOTIFICATIONS_UP_TO, new_notification_count

from .extensions import db

# (roles, the page they start on): the first row with one of the user's roles wins. Officers who handle cases
# start on their tasks even if they also read reports or own the process; everyone else on their main page.
LANDINGS = (
    (("customer_relations_officer",), "cases.overview"),  # the overview of every open case, with its counts
    (("administrator",), "admin.users"),
    (CASE_ROLES, "tasks.my_tasks"),
    (("process_owner",), "modeller.index"),  # the flow charts
    (("reports_reader",), "reports.index"),  # the dashboard
)
DEFAULT_LANDING = "tasks.my_tasks"


def landing_endpoint(user: User) -> str:
    return next((endpoint for roles, endpoint in LANDINGS if user.has_role(*roles)), DEFAULT_LANDING)


def home_url() -> str:
    """The signed-in person's landing page; the public start page for everyone else."""
    if current_user.is_authenticated:
        return url_for(landing_endpoint(current_user))
    return url_for("public.start")


def new_notifications() -> str:
    """The header's count of new notifications: "" for none, "99+" past the bound."""
    count = new_notification_count(db.session, current_user)
    return "" if count == 0 else f"{NEW_NOTIFICATIONS_UP_TO}+" if count > NEW_NOTIFICATIONS_UP_TO else str(count)


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"home_url": home_url, "new_notifications": new_notifications})

"""Customer Comments: the council's complaints, compliments, queries and suggestions procedure."""
from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import logout_user
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from . import input_guard, limits, security, unit_of_work
from .config import Config, check_config
from .extensions import csrf, db, login_manager


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)
    check_config(app.config)
    register_templates(app)
    register_forms(app)
    db.init_app(app)
    unit_of_work.init_app(app)
    register_login(app)
    csrf.init_app(app)
    security.init_app(app)
    limits.init_app(app)  # the caps on guessing, and ProxyFix when TRUSTED_PROXIES says
    input_guard.init_app(app)  # before the blueprints: their <int:...> rules use its converter
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_templates(app: Flask) -> None:
    from . import formatting, navigation
    app.jinja_loader = ChoiceLoader([
        PackageLoader("app"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    formatting.init_app(app)
    navigation.init_app(app)


def register_forms(app: Flask) -> None:
    from processes.diagrams.forms import load_forms
    app.extensions["forms"] = load_forms(app.config["FORMS_DIR"])


def smtp_settings(app: Flask):
    from processes.messaging.outbox import SmtpSettings
    c = app.config
    return SmtpSettings(host=c["MAIL_HOST"], port=c["MAIL_PORT"], security=c["MAIL_SECURITY"],
                        username=c["MAIL_USERNAME"], password=c["MAIL_PASSWORD"], sender=c["MAIL_FROM"],
                        ca_file=c["MAIL_CA_FILE"])


def register_login(app: Flask) -> None:
    from models import USER_WITH_ROLES_AND_AREAS, User
    from processes.typed import whole_number
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page"

    @login_manager.user_loader
    def load_user(session_id: str):
        """None (so: sign in again) for an unknown, deactivated or changed account: see User.get_id."""
        user_id, _, stamp = session_id.partition(":")
        number = whole_number(user_id)
        user = db.session.get(User, number, options=USER_WITH_ROLES_AND_AREAS) if number is not None else None
        return user if user is not None and user.active and stamp == user.session_stamp() else None

    app.before_request(end_idle_sessions)


def end_idle_sessions():
    """Staff sessions end after SESSION_IDLE_MINUTES without a request (public answers are not affected)."""
    if "_user_id" not in session:
        return None
    now, seen = int(time.time()), session.get("seen_at")
    if seen is not None and now - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        logout_user()
        session.pop("seen_at", None)
        flash("You were signed out because you had not done anything for a while. Sign in again.", "error")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if seen is None or now - seen >= 30:
        session["seen_at"] = now
    return None


def register_blueprints(app: Flask) -> None:
    from . import assets
    from .admin import views as admin
    from .audit import views as audit
    from .auth import views as auth
    from .cases import views as cases
    from .modeller import views as modeller
    from .policy import views as policy
    from .public import views as public
    from .records import views as records
    from .reports import views as reports
    from .status import views as status
    from .tasks import views as tasks
    from .versions import categories, views as versions
    for module in (assets, auth, public, status, tasks, cases, policy, audit, admin, records, modeller,
                   reports, versions, categories):
        app.register_blueprint(module.bp)


def register_error_handlers(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        def handler(error):
            if code == 500:
                unit_of_work.discard_failed_work()
            described = getattr(error, "description", None)
            custom = described if described and described != type(error).description else None
            return render_template("error.html", title=title, message=custom or message), code
        return handler
    app.register_error_handler(400, page(400, "There is a problem with what was sent",
                                         "Go back and check what you entered."))
    app.register_error_handler(403, page(403, "You cannot see this page",
                                         "Your account does not have access to it."))
    app.register_error_handler(404, page(404, "Page not found",
                                         "If you typed the web address, check it is correct."))
    app.register_error_handler(405, page(405, "Page not found",
                                         "If you typed the web address, check it is correct."))
    app.register_error_handler(413,
                               page(413, "That was too large", "What you sent was larger than we accept."))
    app.register_error_handler(500, page(500, "Sorry, there is a problem with the service",
                                         "Try again later. Nothing you entered was saved."))
    from flask_wtf.csrf import CSRFError
    app.register_error_handler(CSRFError, page(400, "Your form expired",
                                               "Go back, reload the page and try again. Nothing was saved."))


def register_commands(app: Flask) -> None:
    from . import cli
    cli.init_app(app)

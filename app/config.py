"""Every setting, declared once with its default; secrets have no default outside development."""
from __future__ import annotations

import os
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent


class Config:
    ENV = os.environ.get("CC_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'customer-comments.db'}")
    FORMS_DIR = Path(os.environ.get("FORMS_DIR", ROOT / "forms"))
    NODE_MODULES = Path(os.environ.get("NODE_MODULES", ROOT / "node_modules"))
    TIMER_POLL_SECONDS = float(os.environ.get("TIMER_POLL_SECONDS", "1"))
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")  # where links in emails point
    MAIL_HOST = os.environ.get("MAIL_HOST")  # no host: messages wait in the outbox
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_SECURITY = os.environ.get("MAIL_SECURITY", "none")  # none | starttls | tls
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "customer.comments@example.org")
    MAIL_CA_FILE = os.environ.get("MAIL_CA_FILE")  # trust this certificate authority for the mail server
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "6"))
    # the data protection officer, also told when a subject access request falls due unanswered (optional)
    DPO_EMAIL = os.environ.get("DPO_EMAIL") or None
    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "Amber Valley Borough Council")
    SERVICE_NAME = "Customer Comments"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = ENV == "production"
    REMEMBER_COOKIE_HTTPONLY = True
    # staff are signed out after this idle
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    # failed sign-ins one client address may make in so many minutes before it must wait
    SIGN_IN_ADDRESS_FAILURES = int(os.environ.get("SIGN_IN_ADDRESS_FAILURES", "20"))
    SIGN_IN_ADDRESS_MINUTES = int(os.environ.get("SIGN_IN_ADDRESS_MINUTES", "15"))
    # The caps on guessing (app/limits.py) count in Redis when this is set, so several app servers share them
    # (redis://host:6379/0); in each process's memory otherwise.
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "cc")  # apps sharing a Redis count apart
    # wrong status codes per reference, then a cool-off of so many minutes (the emailed link keeps working)
    STATUS_CODE_TRIES = int(os.environ.get("STATUS_CODE_TRIES", "5"))
    STATUS_COOL_OFF_MINUTES = int(os.environ.get("STATUS_COOL_OFF_MINUTES", "60"))
    # wrong status codes from one client address across all references in that time
    STATUS_ADDRESS_TRIES = int(os.environ.get("STATUS_ADDRESS_TRIES", "20"))
    # comments one client address may send from the public form in an hour
    PUBLIC_SUBMISSIONS_PER_HOUR = int(os.environ.get("PUBLIC_SUBMISSIONS_PER_HOUR", "20"))
    # proxies in front of the app whose X-Forwarded-For to believe; 0: none, the connecting address counts
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Attachments: stored under their sha256 outside the database, in a folder every app server shares
    ATTACHMENTS_DIR = Path(os.environ.get("ATTACHMENTS_DIR", ROOT / "instance" / "attachments"))
    ATTACHMENTS_MAX_FILES = int(os.environ.get("ATTACHMENTS_MAX_FILES", "10"))  # per comment
    ATTACHMENT_MAX_MB = int(os.environ.get("ATTACHMENT_MAX_MB", "10"))  # each
    # clamd that scans every file: a unix socket's path or host:port (the council's, kept up to date by
    # freshclam; `make run` and the tests start one of their own with clamav/eicar.hdb)
    CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", str(ROOT / "instance" / "clamd" / "clamd.sock"))
    # a long complaint takes a while to type; the token lives as long as the session
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024


class ConfigError(click.ClickException):
    """A setting the app cannot start without. A ClickException, so that `flask --app wsgi timers run` prints
    this one line ("Error: ...") and exits 1, instead of a traceback; gunicorn shows it as any other error."""


def check_config(config) -> None:
    """Refuse to start in production without the secrets it needs."""
    if config.get("ENV") == "production" and not config.get("SECRET_KEY"):
        raise ConfigError("Set SECRET_KEY to a long random string (or CC_ENV=development for a local run): "
                          "the app does not start in production without it")
    if config.get("ENV") != "production" and not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = "development-only-not-secret"

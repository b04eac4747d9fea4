"""Every setting, declared once with its default; secrets have no default outside development."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Config:
    ENV = os.environ.get("CC_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'customer-comments.db'}")
    FORMS_DIR = Path(os.environ.get("FORMS_DIR", ROOT / "forms"))
    NODE_MODULES = Path(os.environ.get("NODE_MODULES", ROOT / "node_modules"))
    TIMER_POLL_SECONDS = float(os.environ.get("TIMER_POLL_SECONDS", "1"))
    TIMER_LEASE_SECONDS = float(os.environ.get("TIMER_LEASE_SECONDS", "10"))
    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "Amber Valley Borough Council")
    SERVICE_NAME = "Customer Comments"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = ENV == "production"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a long complaint takes a while to type; the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024


def check_config(config) -> None:
    """Refuse to start in production without the secrets it needs."""
    if config.get("ENV") == "production" and not config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production (set CC_ENV=development for a local run)")
    if config.get("ENV") != "production" and not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = "development-only-not-secret"

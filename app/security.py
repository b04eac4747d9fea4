"""Security headers, including a content security policy under which GOV.UK Frontend and bpmn-js work, and
no caching of pages with personal data."""
from __future__ import annotations

import secrets

from flask import Flask, g, request
from flask_login import current_user

# The customer's own pages: the comment form's answers and the status of their case, on what may be a shared
# or library computer (the browser's back button and disk cache must not show them to the next person).
CUSTOMER_BLUEPRINTS = ("public", "status")
SHARED_FILES = ("static", "assets")  # stylesheets, scripts and fonts: the same for everyone, so cached


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def shows_personal_data() -> bool:
    """Every page a signed-in member of staff sees may show a customer's details; so may a customer's own."""
    if request.endpoint == "static" or request.blueprint in SHARED_FILES:
        return False
    return current_user.is_authenticated or request.blueprint in CUSTOMER_BLUEPRINTS


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"cspNonce": csp_nonce()})

    @app.after_request
    def headers(response):
        # bpmn-js writes style attributes on the SVG it draws, hence 'unsafe-inline' for styles only.
        response.headers.setdefault("Content-Security-Policy", "; ".join([
            "default-src 'self'", f"script-src 'self' 'nonce-{csp_nonce()}'",
            "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
            "connect-src 'self'", "object-src 'none'",
            "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"]))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if shows_personal_data():
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

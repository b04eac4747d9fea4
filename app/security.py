"""Security headers, including a content security policy under which GOV.UK Frontend and bpmn-js work."""
from __future__ import annotations

import secrets

from flask import Flask, g


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"cspNonce": csp_nonce()})

    @app.after_request
    def headers(response):
        # bpmn-js writes style attributes on the SVG it draws, hence 'unsafe-inline' for styles only.
        response.headers.setdefault("Content-Security-Policy", "; ".join([
            "default-src 'self'", f"script-src 'self' 'nonce-{csp_nonce()}'",
                                                                          "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'", "object-src 'none'",
            "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"]))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

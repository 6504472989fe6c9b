"""The REST API for a shop's own systems and platforms.

``/oauth/token`` issues Bearer tokens (``oauth.py``); ``/api/...`` serves shipments, their status and
new orders (``views.py``), declared once in ``core.resource`` so the OpenAPI document
(``openapi.py``) is generated from the code. ``platforms.py`` takes WooCommerce and Shopify order
webhooks; ``admin_views.py`` is where admins manage API clients and the platforms' secrets.
"""
import flask_babel
from flask import current_app, g, request

from app.i18n import default_language

API_PREFIXES = ("/api/", "/oauth/")


def init_app(app):
    """The API's token server, CLI and per-request hooks (its blueprints are registered in ``app._register_blueprints``)."""
    from app.api import cli, oauth

    oauth.init_app(app)
    cli.init_app(app)

    @app.before_request
    def _api_request():
        if not request.path.startswith(API_PREFIXES):
            return
        # Bodies are small JSON documents; anything larger is refused with 413 before it is read.
        # A shop platform's order of many lines is larger, and a platform that is refused retries and
        # then drops it: its webhooks take up to the app's own limit.
        request.max_content_length = current_app.config["MAX_BODY_BYTES"] \
            if request.path.startswith("/api/platforms/") else current_app.config.get("API_MAX_BODY_BYTES", 256 * 1024)
        # status_label and error texts follow Accept-Language only (no cookie, no session).
        g._locale = (request.accept_languages.best_match(current_app.config["LANGUAGES"])
                     or default_language())
        flask_babel.refresh()  # forget a locale cached earlier in this application context

    @app.after_request
    def _api_vary(response):
        if request.path.startswith(API_PREFIXES):
            response.vary.add("Accept-Language")
        return response

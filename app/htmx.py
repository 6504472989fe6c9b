"""The one place that decides between a full page and an htmx partial.

htmx-flask 0.1.0 (2022, unmaintained) only reads the ``HX-*`` headers; it neither sets
``Vary: HX-Request`` nor treats boosted and history-restore requests as page loads, which
is what breaks caches and the back button. This helper is as small and does both.
"""
from flask import render_template, request


def is_partial_request():
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page, partial, **context):
    """Render ``partial`` alone for an htmx request, else the page that includes it."""
    return render_template(partial if is_partial_request() else page, **context)


def hx_redirect(response, url):
    response.headers["HX-Redirect"] = url
    return response


def init_app(app):
    @app.after_request
    def _vary_on_hx_request(response):
        response.vary.add("HX-Request")
        return response

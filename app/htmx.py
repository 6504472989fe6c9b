"""The one place that decides between a full page and an htmx partial.

htmx-flask 0.1.0 (2022, unmaintained) only reads the ``HX-*`` headers; it neither sets
``Vary: HX-Request`` nor treats boosted and history-restore requests as page loads, which
is what breaks caches and the back button. This helper is as small and does both.
"""
from flask import render_template, request


def is_partial_request():
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    # read from the WSGI environ, where ``request.headers`` reads them too, without the exception
    # a missing header costs there (every poll asks this)
    environ = request.environ
    return (
        environ.get("HTTP_HX_REQUEST") == "true"
        and environ.get("HTTP_HX_BOOSTED") != "true"
        and environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
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
        if any(name.lower() == "vary" for name, _value in response.headers):
            response.vary.add("HX-Request")  # merged into the view's own Vary
        else:
            response.headers.add("Vary", "HX-Request")  # the usual case, without parsing a header set
        return response

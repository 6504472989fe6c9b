"""Site-wide pages: home, health check, language switch."""
import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app import settings
from app.auth.services import choose_language
from app.auth.views import safe_next
from app.extensions import db
from app.health import check_database
from app.i18n import default_language, remember_language, supported

bp = Blueprint("web", __name__)
log = logging.getLogger(__name__)


@bp.route("/")
def home():
    return render_template("home.html")


@bp.route("/healthz")
def healthz():
    """200 when the database can be read and written now; 503 naming what is wrong (app/health.py).
    Anyone may ask, so the database's own error text goes to the log, not into the answer."""
    scheduler = "running" if current_app.extensions.get("posylka_scheduler_running") else "off"
    problem = check_database(db.engine, float(current_app.config["HEALTHZ_TIMEOUT_SECONDS"]))
    if problem is None:
        response = jsonify({"status": "ok", "database": "ok", "scheduler": scheduler})
    else:
        log.warning("/healthz: database %s: %s", problem.code, problem.cause or problem.detail)
        response = jsonify({"status": "error", "database": f"error: {problem.code}", "detail": problem.detail,
                            "scheduler": scheduler})
        response.status_code = 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember a hand-picked language (cookie; and the profile of a logged-in user)."""
    code = supported(request.form.get("lang", "")) or default_language()
    if current_user.is_authenticated:
        choose_language(current_user, code)
        db.session.commit()
    target = safe_next(request.form.get("next"))
    response = redirect(page_at_or_above(target) if target else url_for("web.home"))
    return remember_language(response, code)


def page_at_or_above(target):
    """``target`` if it is a page; else the nearest page above it. A refused form is answered at the
    form's own address, which takes only POST ('/admin/orders/7/shipments', '/account/privacy/erase'):
    the language buttons there lead back to the page the form belongs to ('/admin/orders/7'), not to
    'This action is not allowed here'."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    asked = path = urlsplit(target).path
    while path:
        try:
            adapter.match(path, method="GET")
        except RequestRedirect:
            pass  # a missing final slash: the router adds it
        except (MethodNotAllowed, NotFound) as error:
            if isinstance(error, NotFound) and path == asked:
                return target  # an address no page has stays as it was (its 404 says so)
            path = path.rstrip("/").rpartition("/")[0]  # '/admin/users/4/reset-password' -> '/admin/users'
            continue
        return target if path == asked else path
    return url_for("web.home")


def init_app(app):
    # Browsers fetch /favicon.ico by themselves (for a JSON answer, say): it is a static file and is
    # served as one (endpoint "static": no log-in session touched, no access-log line).
    app.add_url_rule("/favicon.ico", endpoint="static", defaults={"filename": "favicon.ico"})
    # templates read admin-editable settings (shop name, poll interval) as setting("NAME")
    app.jinja_env.globals["setting"] = lambda key, default=None: settings.get(key, default, display=True)

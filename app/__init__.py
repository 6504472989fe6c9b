"""Posylka: order and delivery tracking for small online shops.

``create_app`` builds a configured application. It starts no threads and touches no
network: the scheduler is started by the serving entry point (``wsgi.py``).
"""
import os
import secrets

from flask import Config as FlaskConfig
from flask import Flask

from config import Config, database_url


def create_app(config=None):
    app = Flask(__name__, instance_relative_config=True)
    from app.text import FormRequest

    app.request_class = FormRequest  # form fields with LF line breaks: a textarea's length counts each once
    app.json.ensure_ascii = False  # JSON answers in UTF-8 as people read them, not \u-escaped
    app.config.from_object(Config)
    os.makedirs(app.instance_path, exist_ok=True)
    # instance/config.py may set the same names as the environment
    instance = FlaskConfig(app.instance_path)
    instance.from_pyfile("config.py", silent=True)
    app.config.update(instance)
    from app.settings import explicit_keys

    # What the operator set on purpose: carrier settings among them win over stored admin values
    app.config["EXPLICIT_SETTINGS"] = explicit_keys(os.environ, instance) & set(app.config)
    if config is not None:
        if isinstance(config, dict):
            app.config.update(config)
        else:
            app.config.from_object(config)
    _finish_config(app)

    from app import extensions as ext
    from app import models  # noqa: F401  (the whole schema, for Alembic)

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)
    ext.cache.init_app(app)

    from app import i18n

    i18n.init_app(app)

    from app import logs, security

    security.init_app(app)
    logs.init_app(app)

    from app.auth import init_app as init_auth

    init_auth(app)

    _register_blueprints(app)

    from app import analytics, api, feedback, notify

    api.init_app(app)
    analytics.init_app(app)
    feedback.init_app(app)

    notify.init_app(app)

    from app.attention.services import on_status_changed as attention_follows
    from app.orders.lifecycle import status_changed

    status_changed.connect(attention_follows, weak=False)  # an order moved on leaves the Attention page at once

    from app import errors, htmx, web

    errors.init_app(app)
    htmx.init_app(app)
    web.init_app(app)

    from app import cli

    cli.init_app(app)
    return app


def _finish_config(app):
    """Fill in defaults that depend on the instance folder, and Flask's names for our settings."""
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "tracking.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
    app.config["CACHE_DIR"] = app.config.get("CACHE_DIR") or os.path.join(app.instance_path, "cache")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from app.database import protect_sqlite_file

        protect_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
        # A SQLite file has no server connection that could go stale: a ping before every
        # checkout would only be one more statement per request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {},
                                                       pool_pre_ping=False)


def _instance_secret(app):
    """Read the generated secret key, creating it (mode 0600) on first start. Never printed."""
    path = os.path.join(app.instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as fh:
            key = fh.read().strip()
            if key:
                return key
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    try:
        os.link(path + ".tmp", path)  # first writer wins if two processes start at once
    except FileExistsError:
        os.unlink(path + ".tmp")
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    os.unlink(path + ".tmp")
    return key


def _register_blueprints(app):
    """Every blueprint, in this one list; no other module registers one.

    Public and customer pages are in each domain's ``views.py`` (``customer_views.py``); staff pages are in
    each domain's ``admin_views.py``, on one blueprint named ``<domain>_admin`` whose url_prefix is under
    /admin (the ``app.admin`` package, all staff pages, is ``admin``); then the API.
    """
    from app.admin.views import bp as admin_bp
    from app.analytics.admin_views import bp as analytics_admin_bp
    from app.api import openapi, platforms, views  # noqa: F401  (their resources join the /api blueprint on import)
    from app.api.admin_views import bp as api_admin_bp
    from app.api.core import bp as api_bp
    from app.api.oauth import bp as oauth_bp
    from app.attention.admin_views import bp as attention_admin_bp
    from app.auth.views import bp as auth_bp
    from app.carriers.admin_views import bp as carriers_admin_bp
    from app.carriers.views import bp as carriers_bp
    from app.feedback.views import bp as feedback_bp
    from app.notify.admin_views import bp as notify_admin_bp
    from app.notify.kpi_views import bp as kpis_bp
    from app.notify.messenger_views import bp as messengers_bp
    from app.notify.views import bp as notify_bp
    from app.notify.views import sw_bp as notify_sw_bp
    from app.privacy.admin_views import bp as privacy_admin_bp
    from app.privacy.views import bp as privacy_bp
    from app.returns.admin_views import bp as returns_admin_bp
    from app.returns.views import bp as returns_bp
    from app.tracking.admin_views import bp as tracking_admin_bp
    from app.tracking.customer_views import bp as orders_bp
    from app.tracking.views import bp as tracking_bp
    from app.web import bp as web_bp

    for bp in (
        # public and customer pages
        web_bp, auth_bp, orders_bp, tracking_bp, feedback_bp, kpis_bp, notify_bp, notify_sw_bp, messengers_bp,
        privacy_bp, carriers_bp, returns_bp,
        # staff pages (/admin)
        admin_bp, analytics_admin_bp, api_admin_bp, attention_admin_bp, carriers_admin_bp, notify_admin_bp,
        privacy_admin_bp, returns_admin_bp, tracking_admin_bp,
        # the API (/oauth, /api)
        oauth_bp, api_bp,
    ):
        app.register_blueprint(bp)

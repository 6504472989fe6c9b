from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import settings
from app.auth.forms import LoginForm
from app.auth.services import authenticate
from app.extensions import db, limiter

bp = Blueprint("auth", __name__)


def safe_next(target):
    """Only same-site relative paths are followed after log-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user):
    return url_for("admin.orders") if user.is_staff else url_for("orders.my_orders")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            flash(_("Wrong e-mail or password."), "error")
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
    demo = settings.get("demo_loaded") == "1"
    return render_template("auth/login.html", form=form, demo=demo)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("web.home"))

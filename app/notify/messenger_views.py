"""Messenger pages: a customer's "connect Telegram/Viber" button, and the bots' webhooks."""
from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import csrf, db
from app.notify import channels, messengers
from app.orders import access

bp = Blueprint("messengers", __name__, url_prefix="/notifications/messengers")


@bp.route("/<channel>/connect", methods=["POST"])
def connect(channel):
    """Give the customer a one-time deep link into the shop's bot."""
    if channel not in dict(messengers.options()):
        abort(404)
    customer, order = access.customer_of(current_user, request.form.get("tracking_token", ""))
    if customer is None:
        flash(_("Open your order page again to connect a messenger."), "error")
        return redirect(request.referrer or url_for("tracking.lookup"), 303)
    token = messengers.create_invite(customer, channel, order=order)
    db.session.commit()
    return link_page(channel, token)


def link_page(channel, token):
    """A page with the one-time link, not a redirect: the CSP's form-action 'self' (rightly) stops a
    form from leading to another site, and the person sees what the link is for before opening it."""
    response = make_response(render_template("notify/messenger_link.html", link=messengers.deep_link(channel, token),
                                             messenger=channels.LABELS[channel]))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/telegram/webhook", methods=["POST"])
@csrf.exempt  # Telegram's secret token header is the credential
def telegram_webhook():
    from app.notify.channels import telegram

    status, answer = telegram.handle_webhook(request.headers, request.get_data(cache=False))
    return jsonify(answer), status


@bp.route("/viber/webhook", methods=["POST"])
@csrf.exempt  # the X-Viber-Content-Signature HMAC is the credential
def viber_webhook():
    import time

    from app.notify.channels import viber

    status, answer = viber.handle_webhook(request.headers, request.get_data(cache=False),
                                          now_ms=int(time.time() * 1000))
    return jsonify(answer), status

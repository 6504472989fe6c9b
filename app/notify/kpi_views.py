"""The message KPIs' public endpoints: the open pixel, the click redirect, SMS delivery reports."""
from flask import Blueprint, Response, abort, redirect, request

from app.extensions import csrf, db
from app.notify import kpis
from app.notify.models import Notification

bp = Blueprint("kpis", __name__, url_prefix="/m")


@bp.route("/o/<token>.gif")
def pixel(token):
    parts = kpis.read_token(token)
    if parts and len(parts) == 2 and parts[1] == "o" and isinstance(parts[0], int) and kpis.pixel_on():
        kpis.record_open(parts[0])
    response = Response(kpis.PIXEL, mimetype="image/gif")
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/c/<token>")
def click(token):
    """Count the first click, then go where the message pointed (worked out here, never from the URL)."""
    parts = kpis.read_token(token)
    if not parts or len(parts) != 2 or not isinstance(parts[0], int) or parts[1] not in ("t", "f"):
        abort(404)
    message = db.session.get(Notification, parts[0])
    if message is None or message.order is None:
        abort(404)
    if parts[1] == "f":
        from app.feedback.services import feedback_link

        target = feedback_link(message.order_id)
    else:
        from app.notify.dispatcher import tracking_link

        target = tracking_link(message.order)
    db.session.commit()  # a new link nonce, if the order had none
    kpis.record_click(message.id)
    if not target:
        abort(404)
    response = redirect(target, 302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/reports/<provider>/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token in the URL given to the gateway is the credential
def report(provider, token):
    parts = kpis.read_token(token)
    if not parts or parts != [provider, "r"] or provider != "smsapi":
        abort(404)
    values = request.values.to_dict()
    kpis.record_delivered("sms", kpis.smsapi_report(values))
    return Response("OK", mimetype="text/plain")  # SMSAPI expects "OK", or it calls again

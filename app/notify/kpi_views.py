"""The message KPIs' public endpoints: the open pixel, the click redirect, SMS delivery reports."""
from flask import Blueprint, Response, abort, redirect, render_template, request

from app.extensions import csrf
from app.notify import kpis

bp = Blueprint("kpis", __name__, url_prefix="/m")


@bp.route("/o/<token>.gif")
def pixel(token):
    kpis.opened(token)
    response = Response(kpis.PIXEL, mimetype="image/gif")
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/c/<token>")
def click(token):
    """Count the first click, then go where the message pointed (worked out here, never from the URL)."""
    target = kpis.click_target(token)
    if target is None:  # a link of an old message the order's own link would no longer open, or no link
        return render_template("tracking/invalid_link.html"), 404
    response = redirect(target, 302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/reports/<provider>/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token in the URL given to the gateway is the credential
def report(provider, token):
    if provider != "smsapi" or kpis.read_token(token) != [provider, "r"]:
        abort(404)
    kpis.record_delivered("sms", kpis.smsapi_report(request.values.to_dict()))
    return Response("OK", mimetype="text/plain")  # SMSAPI expects "OK", or it calls again

"""The carriers' public endpoint: the InPost webhook (``/carriers/inpost/webhook``)."""
from flask import Blueprint, jsonify, request

from app.carriers import services
from app.extensions import csrf, db

bp = Blueprint("carriers", __name__, url_prefix="/carriers")


@bp.route("/inpost/webhook", methods=["GET", "POST"])
@csrf.exempt
def inpost_webhook():
    """InPost checks the URL with a GET (must answer 200), then POSTs status changes."""
    if request.method == "GET":
        return jsonify(status="ok")
    token = request.args.get("token") or request.headers.get("X-Webhook-Token")
    try:
        services.verify_inpost_webhook(token, request.remote_addr)
    except services.WebhookRefused:
        return jsonify(error="forbidden"), 403
    payload = request.get_json(silent=True)
    try:
        new_events = services.handle_inpost_push(payload)
    except ValueError:
        db.session.rollback()
        return jsonify(error="unreadable payload"), 400
    db.session.commit()
    return jsonify(status="ok", new_events=new_events)

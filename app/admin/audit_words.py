"""The audit log page: finding rows (``search``), and reading them as sentences: who did what to
which order, with a link to it.

The stored row keeps codes and JSON (``app.audit``); ``describe`` turns a page of rows into what
a person reads, in their language, with one query for the orders and one for the people.
"""
import json
from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func

from app.admin.orderlist import local_day_start
from app.admin.reasons import RETURN_REASONS, reason_label
from app.audit import AuditLog
from app.auth.models import User
from app.extensions import db
from app.orders import statuses
from app.orders.models import Order

PER_PAGE = 50


@dataclass
class Found:
    rows: list
    total: int
    pages: int
    #: every action the log holds (the filter's choices)
    actions: list


def search(*, actor="", action="", object_id="", date_from=None, date_to=None, page=1):
    """One page of the audit log, newest first: ``actor`` is part of who acted, ``action`` and
    ``object_id`` exact, the dates whole days in the shop's time zone."""
    select = db.select(AuditLog)
    if actor:
        select = select.where(AuditLog.actor_label.contains(actor.lower(), autoescape=True))
    if action:
        select = select.where(AuditLog.action == action)
    if object_id:
        select = select.where(AuditLog.object_id == object_id)
    if date_from:
        select = select.where(AuditLog.created_at >= local_day_start(date_from))
    if date_to:
        select = select.where(AuditLog.created_at < local_day_start(date_to + timedelta(days=1)))
    total = db.session.execute(select.with_only_columns(func.count(AuditLog.id))).scalar_one()
    rows = db.session.execute(select.order_by(AuditLog.id.desc()).limit(PER_PAGE)
                              .offset((page - 1) * PER_PAGE)).scalars().all()
    actions = db.session.execute(db.select(AuditLog.action).distinct().order_by(AuditLog.action)).scalars().all()
    return Found(rows, total, max(1, -(-total // PER_PAGE)), actions)


SENTENCES = {
    "order.change_status": _l("Changed order %(order)s from “%(before)s” to “%(after)s”"),
    "order.correct_status": _l("Corrected order %(order)s from “%(before)s” to “%(after)s”"),
    "order.undo_receipt": _l("Undid the customer's “received” on order %(order)s: back to “%(after)s”"),
    "order.create": _l("Created order %(order)s"),
    "order.update": _l("Edited order %(order)s: %(fields)s"),
    "shipment.add": _l("Added parcel %(number)s to order %(order)s"),
    "shipment.remove": _l("Removed parcel %(number)s from order %(order)s"),
    "order.return_requested": _l("Asked to return order %(order)s"),
    "order.revoke_links": _l("Revoked the tracking links of order %(order)s"),
    "orders.import": _l("Imported %(n)s orders"),
    "orders.export": _l("Exported the orders list"),
    "privacy.view": _l("Saw a customer's contact details"),
    "privacy.export": _l("Exported a customer's data"),
    "privacy.erase": _l("Erased a customer's personal data"),
    "privacy.rectify": _l("Corrected their own name or phone"),
    "user.create": _l("Created an account"),
    "user.activate": _l("Turned an account back on"),
    "user.deactivate": _l("Turned an account off"),
    "user.reset_password": _l("Reset an account's password"),
    "user.change_password": _l("Changed their own password"),
    "user.reset_password_by_link": _l("Set a new password through an e-mailed link"),
    "settings.update": _l("Changed the shop's settings"),
    "carriers.settings": _l("Changed a carrier's settings"),
    "notification.settings": _l("Changed the notification settings"),
    "notification.resend": _l("Sent a message again"),
    "notification.template_save": _l("Edited a message template"),
    "notification.template_reset": _l("Restored a message template"),
    "api_client.create": _l("Created an API client"),
    "api_client.revoke": _l("Revoked an API client"),
    "messenger.connected": _l("Connected a %(channel)s chat to a customer"),
    "messenger.stopped": _l("Stopped a customer's %(channel)s chat"),
    "messenger.refused": _l("Refused a %(channel)s message or link"),
    "notification.messenger_connect": _l("Connected the shop's %(channel)s bot"),
    "alerts.invite": _l("Asked for a link to get the shop's alerts in %(channel)s"),
    "alerts.chat_connected": _l("Connected a %(channel)s chat for the shop's alerts"),
    "platform.order_refused": _l("Refused an order from %(platform)s"),
    "platform.pull_failed": _l("Could not read the orders of %(platform)s"),
    "api.stores": _l("Changed the store connections"),
    "api.status_sync": _l("Changed the statuses sent back to the platforms"),
    "api.platform_secrets": _l("Changed the platforms' secret keys"),
    "carriers.mapping_override": _l("Changed what a carrier's code means"),
    "carriers.webhook_settings": _l("Changed a carrier's webhook settings"),
    "notification.ab_test": _l("Changed an A/B test of a message"),
    "webhook.create": _l("Added a webhook"),
    "webhook.update": _l("Changed a webhook"),
    "settings.branding": _l("Changed the shop's colours and logo"),
    "settings.help": _l("Changed the help texts for customers"),
    "settings.command_line": _l("Changed a setting from the command line"),
    "order.follow": _l("Someone began to follow order %(order)s"),
    "order.unfollow": _l("Someone stopped following order %(order)s"),
    "order.problem_reported": _l("Reported a problem with order %(order)s"),
    "order.problem_handled": _l("Marked the problem with order %(order)s as handled"),
    "order.return_case_opened": _l("Opened a return or exchange of order %(order)s"),
    "order.return_case_approved": _l("Approved a return or exchange of order %(order)s"),
    "order.return_case_refused": _l("Refused a return or exchange of order %(order)s"),
    "order.return_waybill_added": _l("Added the return parcel to order %(order)s"),
    "order.return_received": _l("Received the returned items of order %(order)s"),
    "order.item_outcome": _l("Settled a returned item of order %(order)s"),
    "order.refund_recorded": _l("Recorded a refund for order %(order)s"),
    "attention.notify": _l("Wrote to the customer about order %(order)s"),
    "attention.dismiss": _l("Dismissed a warning about order %(order)s"),
}

#: A row of an order whose personal data went (erasure, retention) has no details left: these actions
#: are then told without the statuses, fields or parcel their sentence names.
WITHOUT_DETAILS = {
    "order.change_status": _l("Changed the status of order %(order)s"),
    "order.correct_status": _l("Corrected the status of order %(order)s"),
    "order.undo_receipt": _l("Undid the customer's “received” on order %(order)s"),
    "order.update": _l("Edited order %(order)s"),
    "shipment.add": _l("Added a parcel to order %(order)s"),
    "shipment.remove": _l("Removed a parcel from order %(order)s"),
}


class _Blanks(dict):
    def __missing__(self, key):
        return "…"


def action_label(action):
    """What an action is called in the filter: its sentence with "…" for the order and values (a code
    the app no longer writes is shown as it is)."""
    template = SENTENCES.get(action)
    return str(template) % _Blanks() if template is not None else action


def action_choices(actions):
    """(code, label) for the filter, by label: the code stays the value."""
    return sorted(((a, action_label(a)) for a in actions), key=lambda choice: choice[1].lower())


@dataclass
class Entry:
    row: object
    who: str
    sentence: Markup
    note: str


def _data(text):
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def describe(rows):
    """An ``Entry`` per audit row, in the reader's language."""
    order_ids = {int(r.object_id) for r in rows if r.object_type == "order" and (r.object_id or "").isdigit()}
    orders = dict(db.session.execute(db.select(Order.id, Order.number).where(Order.id.in_(order_ids))).all()) \
        if order_ids else {}
    accounts = {r.id: int(r.object_id) for r in rows if r.object_type == "user" and (r.object_id or "").isdigit()
                and r.object_id != str(r.actor_user_id)}  # another's account, not one's own password
    user_ids = {r.actor_user_id for r in rows if r.actor_user_id} | set(accounts.values())
    people = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(user_ids))).scalars()} \
        if user_ids else {}
    names = {user_id: u.name or u.email for user_id, u in people.items()}
    entries = []
    for row in rows:
        before, after = _data(row.before), _data(row.after)
        order = Markup("")
        if row.object_type == "order" and (row.object_id or "").isdigit():
            number = orders.get(int(row.object_id))
            order = (Markup('<a href="{}">{}</a>').format(url_for("admin.order", order_id=int(row.object_id)), number)
                     if number else Markup("#{}").format(row.object_id))
        elif row.object_type == "order" and row.object_id:  # written with the order's number (Attention)
            order = Markup("{}").format(row.object_id)
        values = {
            "order": order,
            "before": statuses.label(before.get("status")) if before.get("status") in statuses.ALL else "",
            "after": statuses.label(after.get("status")) if after.get("status") in statuses.ALL else "",
            "fields": ", ".join(sorted(after)),
            "number": after.get("tracking_number") or before.get("tracking_number") or "",
            "n": after.get("orders", ""),
            "channel": str(after.get("channel") or (row.object_id if row.object_type == "settings" else "") or "")
            .title(),
            "platform": str(after.get("platform") or "").title(),
        }
        template = SENTENCES.get(row.action)
        if row.before is None and row.after is None and row.action in WITHOUT_DETAILS:
            template = WITHOUT_DETAILS[row.action]
        sentence = Markup(str(template)) % values if template is not None else Markup("{}").format(row.action)
        note = after.get("note") or after.get("reason") or after.get("detail") or after.get("error") or ""
        if note in RETURN_REASONS:  # a reason's code (a return case): its words
            note = str(reason_label(note))
        if row.id in accounts and not note:  # whose account was switched off, made or reset
            account = people.get(accounts[row.id])
            note = account.email if account else after.get("email") or ""
        entries.append(Entry(row, names.get(row.actor_user_id) or row.actor_label or "—", sentence,
                             note if isinstance(note, str) else ""))
    return entries

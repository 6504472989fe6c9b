"""The answers are the customer's: in their export, erased with them; comments blanked after retention."""
from flask_babel import lazy_gettext as _l

from app import settings
from app.extensions import db
from app.feedback.models import CustomerFeedback
from app.orders.models import Order
from app.privacy.registry import PersonalData, RetentionRule, count, months_before, register, register_rule


def _old_comments(now):
    cutoff = months_before(now, settings.get_int("RETENTION_MONTHS"))
    return db.select(CustomerFeedback.id).where(CustomerFeedback.comment.is_not(None),
                                                CustomerFeedback.asked_at < cutoff)


def _blank_old_comments(now):
    done = db.session.execute(db.update(CustomerFeedback).where(CustomerFeedback.id.in_(_old_comments(now)))
                              .values(comment=None).execution_options(synchronize_session=False)).rowcount or 0
    db.session.commit()
    return done


register(PersonalData(CustomerFeedback, lambda c: db.select(CustomerFeedback).where(
    CustomerFeedback.order_id.in_(db.select(Order.id).where(Order.customer_id == c.id)))
    .order_by(CustomerFeedback.id), erase="delete",
    export=("order_id", "rating", "comment", "asked_at", "answered_at"), label=_l("Delivery ratings")))
register_rule(RetentionRule(
    "feedback", _l("Comments customers wrote with their delivery rating are deleted (the rating is kept)"),
    preview=lambda now: count(_old_comments(now)),
    apply=_blank_old_comments))

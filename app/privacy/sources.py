"""The foundation's tables that hold a customer's data (other domains register their own)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, or_

from app.api.models import PlatformCustomer
from app.audit import AuditLog
from app.auth.models import User
from app.auth.sessions import UserSession
from app.extensions import db
from app.notify.models import (
    DeliveryAttempt,
    DevMail,
    MessengerLink,
    Notification,
    NotificationPreference,
    PushSubscription,
)
from app.orders.models import CarrierEvent, Customer, Order, OrderItem, Shipment, StatusEvent
from app.privacy.registry import PersonalData, register
from app.returns.models import ReturnCase
from app.tracking.models import OrderFollower, ProblemReport, ReturnRequest


def _order_ids(customer):
    return db.select(Order.id).where(Order.customer_id == customer.id)


def _shipment_ids(customer):
    return db.select(Shipment.id).where(Shipment.order_id.in_(_order_ids(customer)))


def _audit_rows(customer):
    conditions = [
        (AuditLog.object_type == "customer") & (AuditLog.object_id == str(customer.id)),
        (AuditLog.object_type == "order") & AuditLog.object_id.in_(
            db.select(cast(Order.id, String)).where(Order.customer_id == customer.id)),
    ]
    if customer.user_id is not None:
        conditions.append(AuditLog.actor_user_id == customer.user_id)
        # what staff did to the account itself (made it, switched it off, reset its password): these
        # rows name the account's e-mail and name
        conditions.append((AuditLog.object_type == "user") & (AuditLog.object_id == str(customer.user_id)))
    return db.select(AuditLog).where(or_(*conditions)).order_by(AuditLog.id)


def _notifications(customer):
    return db.select(Notification.id).where(or_(Notification.customer_id == customer.id,
                                                Notification.order_id.in_(_order_ids(customer))))


def _messages_to(customer):
    """The messages sent to the customer: not the shop's webhook deliveries about their orders, nor
    the news sent to people following an order (their addresses and mail are theirs: GDPR Art. 15(4))."""
    others = db.select(OrderFollower.address).where(
        OrderFollower.order_id.in_(_order_ids(customer)),
        OrderFollower.address.not_in([a for a in (customer.email, customer.phone) if a]))
    return (db.select(Notification).where(Notification.customer_id == customer.id, Notification.channel != "webhook",
                                          or_(Notification.recipient.is_(None), Notification.recipient.not_in(others)))
            .order_by(Notification.id))


# ``export`` is the allow-list of what a customer's own copy contains (tests/test_privacy.py lists it
# again). Left out on purpose: staff notes and actors, carriers' raw answers, delivery errors and
# attempts, webhook rows, audit rows, the dev mailbox, credentials and token hashes.
#
# Order matters for erasure: rows found through the customer's e-mail go before the customer row is
# blanked, and sessions go before the user row they hang on.
def _followers_emails(customer):
    """The addresses following the customer's orders by e-mail (app.tracking.follow)."""
    return db.select(OrderFollower.address).where(OrderFollower.order_id.in_(_order_ids(customer)),
                                                  OrderFollower.channel == "email")


# (the dev mailbox goes before the followers: it finds their mails through them)
register(PersonalData(DevMail, lambda c: db.select(DevMail).where(
    or_(DevMail.recipient == c.email, DevMail.recipient.in_(_followers_emails(c)))).order_by(DevMail.id),
    erase="delete", label=_l("Copies in the test mailbox")))
register(PersonalData(Notification, lambda c: db.select(Notification).where(Notification.id.in_(_notifications(c)))
                      .order_by(Notification.id), export_rows=_messages_to,
                      export=("id", "order_id", "channel", "kind", "status", "recipient", "subject", "body",
                              "state", "created_at", "sent_at", "read_at"), label=_l("Messages sent")))
register(PersonalData(DeliveryAttempt, lambda c: db.select(DeliveryAttempt)
                      .where(DeliveryAttempt.notification_id.in_(_notifications(c))).order_by(DeliveryAttempt.id),
                      label=_l("Message delivery attempts")))
register(PersonalData(NotificationPreference, lambda c: db.select(NotificationPreference)
                      .where(NotificationPreference.customer_id == c.id), erase="delete",
                      export=("email_enabled", "email_consent_at", "sms_enabled", "sms_consent_at", "push_enabled",
                              "push_consent_at", "telegram_enabled", "telegram_consent_at", "viber_enabled",
                              "viber_consent_at", "sms_only_without_messenger", "updated_at"), label=_l("Notification settings")))
register(PersonalData(PushSubscription, lambda c: db.select(PushSubscription)
                      .where(PushSubscription.customer_id == c.id).order_by(PushSubscription.id), erase="delete",
                      export=("endpoint", "created_at"), label=_l("Browser notification subscriptions")))
register(PersonalData(MessengerLink, lambda c: db.select(MessengerLink)
                      .where(MessengerLink.customer_id == c.id).order_by(MessengerLink.id), erase="delete",
                      export=("channel", "chat_id", "consent_at", "stopped_at"), label=_l("Messenger chats")))
register(PersonalData(ReturnRequest, lambda c: db.select(ReturnRequest).where(ReturnRequest.order_id.in_(_order_ids(c)))
                      .order_by(ReturnRequest.id), export=("order_id", "reason", "created_at"), label=_l("Return requests")))
register(PersonalData(ReturnCase, lambda c: db.select(ReturnCase).where(ReturnCase.order_id.in_(_order_ids(c)))
                      .order_by(ReturnCase.id),
                      export=("order_id", "kind", "state", "reason", "comment", "staff_message", "created_at",
                              "refund_amount", "refund_method", "refund_date"), label=_l("Returns and exchanges")))
# people following an order without an account: erased with the customer's data; the customer's copy
# says that someone follows, by which channel and since when, but not who (their address is theirs)
register(PersonalData(OrderFollower, lambda c: db.select(OrderFollower).where(OrderFollower.order_id.in_(_order_ids(c)))
                      .order_by(OrderFollower.id), erase="delete",
                      export=("order_id", "channel", "consent_at", "consent_text", "unsubscribed_at"),
                      label=_l("People following an order")))
# "report a problem": the customer's words, exported and erased with them
register(PersonalData(ProblemReport, lambda c: db.select(ProblemReport).where(ProblemReport.order_id.in_(_order_ids(c)))
                      .order_by(ProblemReport.id), erase="delete", export=("order_id", "message", "created_at"),
                      label=_l("Problem reports")))
# the platform's account id: erased, so that the platform's next order starts a new customer (the
# shop's own reference, not exported)
register(PersonalData(PlatformCustomer, lambda c: db.select(PlatformCustomer).where(PlatformCustomer.customer_id == c.id)
                      .order_by(PlatformCustomer.id), erase="delete", label=_l("Accounts on selling platforms")))
register(PersonalData(Customer, lambda c: db.select(Customer).where(Customer.id == c.id),
                      export=("name", "email", "phone", "language", "created_at"), label=_l("Contact details")))
register(PersonalData(UserSession, lambda c: db.select(UserSession).where(UserSession.user_id == c.user_id)
                      .order_by(UserSession.id), erase="delete",
                      export=("created_at", "last_seen_at", "expires_at", "remembered", "ip", "user_agent"),
                      label=_l("Log-ins and devices")))
register(PersonalData(User, lambda c: db.select(User).where(User.id == c.user_id), erase="delete",
                      export=("email", "name", "language", "created_at", "last_login_at"), label=_l("Account")))
register(PersonalData(Order, lambda c: db.select(Order).where(Order.customer_id == c.id).order_by(Order.id),
                      export=("id", "number", "status", "status_changed_at", "currency", "problem_note",
                              "delivery_carrier", "delivery_country", "delivery_city", "delivery_region",
                              "delivery_pickup_point", "delivery_address", "delivery_postcode", "created_at"), label=_l("Orders")))
register(PersonalData(OrderItem, lambda c: db.select(OrderItem).where(OrderItem.order_id.in_(_order_ids(c)))
                      .order_by(OrderItem.id), export=("order_id", "name", "sku", "size", "color", "quantity", "price"),
                      label=_l("Order items")))
register(PersonalData(Shipment, lambda c: db.select(Shipment).where(Shipment.order_id.in_(_order_ids(c)))
                      .order_by(Shipment.id),
                      export=("id", "order_id", "carrier", "tracking_number", "scheduled_delivery_date", "created_at"),
                      label=_l("Parcels")))
register(PersonalData(StatusEvent, lambda c: db.select(StatusEvent).where(StatusEvent.order_id.in_(_order_ids(c)))
                      .order_by(StatusEvent.id), export=("order_id", "status", "previous_status", "created_at"), label=_l("Order history")))
register(PersonalData(CarrierEvent, lambda c: db.select(CarrierEvent)
                      .where(CarrierEvent.shipment_id.in_(_shipment_ids(c))).order_by(CarrierEvent.id),
                      export=("shipment_id", "occurred_at", "raw_text", "location"), label=_l("Carrier events")))
register(PersonalData(AuditLog, _audit_rows, label=_l("Audit log entries")))

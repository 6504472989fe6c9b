"""The foundation's tables that hold a customer's data (other domains register their own)."""
from sqlalchemy import String, cast, or_

from app.api.models import PlatformCustomer
from app.audit import AuditLog
from app.auth.models import User
from app.auth.sessions import UserSession
from app.extensions import db
from app.notify.models import DeliveryAttempt, DevMail, Notification, NotificationPreference, PushSubscription
from app.orders.models import CarrierEvent, Customer, Order, OrderItem, Shipment, StatusEvent
from app.privacy.registry import PersonalData, register
from app.tracking.models import ReturnRequest


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
    return db.select(AuditLog).where(or_(*conditions)).order_by(AuditLog.id)


def _notifications(customer):
    return db.select(Notification.id).where(or_(Notification.customer_id == customer.id,
                                                Notification.order_id.in_(_order_ids(customer))))


# Order matters for erasure: rows found through the customer's e-mail go before the customer row is
# blanked, and sessions go before the user row they hang on.
register(PersonalData(DevMail, lambda c: db.select(DevMail).where(DevMail.recipient == c.email).order_by(DevMail.id),
                      erase="delete"))
register(PersonalData(Notification, lambda c: db.select(Notification).where(Notification.id.in_(_notifications(c)))
                      .order_by(Notification.id), hidden=("claim_token",)))
register(PersonalData(DeliveryAttempt, lambda c: db.select(DeliveryAttempt)
                      .where(DeliveryAttempt.notification_id.in_(_notifications(c))).order_by(DeliveryAttempt.id)))
register(PersonalData(NotificationPreference, lambda c: db.select(NotificationPreference)
                      .where(NotificationPreference.customer_id == c.id), erase="delete"))
register(PersonalData(PushSubscription, lambda c: db.select(PushSubscription)
                      .where(PushSubscription.customer_id == c.id).order_by(PushSubscription.id), erase="delete",
                      hidden=("p256dh", "auth")))
register(PersonalData(ReturnRequest, lambda c: db.select(ReturnRequest).where(ReturnRequest.order_id.in_(_order_ids(c)))
                      .order_by(ReturnRequest.id)))
# the platform's account id: erased, so that the platform's next order starts a new customer
register(PersonalData(PlatformCustomer, lambda c: db.select(PlatformCustomer).where(PlatformCustomer.customer_id == c.id)
                      .order_by(PlatformCustomer.id), erase="delete"))
register(PersonalData(Customer, lambda c: db.select(Customer).where(Customer.id == c.id)))
register(PersonalData(UserSession, lambda c: db.select(UserSession).where(UserSession.user_id == c.user_id)
                      .order_by(UserSession.id), erase="delete", hidden=("token_hash",)))
register(PersonalData(User, lambda c: db.select(User).where(User.id == c.user_id), erase="delete",
                      hidden=("password_hash", "session_version")))
register(PersonalData(Order, lambda c: db.select(Order).where(Order.customer_id == c.id).order_by(Order.id),
                      hidden=("link_nonce",)))
register(PersonalData(OrderItem, lambda c: db.select(OrderItem).where(OrderItem.order_id.in_(_order_ids(c)))
                      .order_by(OrderItem.id)))
register(PersonalData(Shipment, lambda c: db.select(Shipment).where(Shipment.order_id.in_(_order_ids(c)))
                      .order_by(Shipment.id)))
register(PersonalData(StatusEvent, lambda c: db.select(StatusEvent).where(StatusEvent.order_id.in_(_order_ids(c)))
                      .order_by(StatusEvent.id)))
register(PersonalData(CarrierEvent, lambda c: db.select(CarrierEvent)
                      .where(CarrierEvent.shipment_id.in_(_shipment_ids(c))).order_by(CarrierEvent.id)))
register(PersonalData(AuditLog, _audit_rows))

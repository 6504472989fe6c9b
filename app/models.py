"""Imports every model so that Alembic and ``db.create_all`` see the whole schema."""
from app.analytics.stages import OrderStage  # noqa: F401
from app.api.models import ApiClient, ApiToken, IdempotencyKey, PlatformCustomer, PlatformDelivery, PlatformOrder  # noqa: F401
from app.attention.models import DeliveryException  # noqa: F401
from app.audit import AuditLog  # noqa: F401
from app.auth.models import User  # noqa: F401
from app.auth.sessions import UserSession  # noqa: F401
from app.carriers.models import CarrierState, SchedulerLease, SyncRun, TransitStat  # noqa: F401
from app.feedback.models import CustomerFeedback  # noqa: F401
from app.integrations.models import PlatformPull  # noqa: F401
from app.notify.models import (  # noqa: F401
    DeliveryAttempt,
    DevMail,
    MessengerInvite,
    MessengerLink,
    MessengerUpdate,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    PickupWatch,
    PushSubscription,
    ShopAlert,
    WebhookEndpoint,
)
from app.orders.models import CarrierEvent, Customer, Order, OrderItem, Shipment, StatusEvent  # noqa: F401
from app.queued import QueuedRequest  # noqa: F401
from app.returns.models import ItemOutcome, ReturnCase, ReturnCaseItem  # noqa: F401
from app.settings import Setting  # noqa: F401
from app.tracking.models import ReturnRequest  # noqa: F401

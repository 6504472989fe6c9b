"""Retention for the logs the newer features keep: the same ``RETENTION_MONTHS`` policy.

* Notifications that are done (sent, failed, skipped) and older than the period are deleted with
  their delivery attempts; queued or sending ones are never touched.
* The development mailbox keeps mail for the same period.
* API tokens that have expired or were revoked are deleted (they can no longer be used), and API
  clients' idempotency keys after the day they answer for.
* Platform webhook deliveries (kept so a replay changes nothing) and carrier sync runs older
  than the period are deleted.
"""
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.api.models import ApiToken, IdempotencyKey, PlatformDelivery, finished_tokens
from app.carriers.models import CarrierState, SyncRun
from app.extensions import db
from app.notify.models import QUEUED, SENDING, DeliveryAttempt, DevMail, Notification
from app.privacy.retention import delete_rule, order_cutoff


def _older_than_retention(column):
    """The rows whose ``column`` (a time) is older than ``RETENTION_MONTHS``."""
    return lambda now: db.select(column.class_).where(column < order_cutoff(now))


def _old_notifications(now):
    return db.select(Notification).where(Notification.state.not_in((QUEUED, SENDING)),
                                         Notification.created_at < order_cutoff(now))


def _delete_attempts(notification_ids):
    # SQLite enforces ON DELETE CASCADE only with foreign keys on; delete the children explicitly.
    db.session.execute(db.delete(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(notification_ids))
                       .execution_options(synchronize_session=False))


delete_rule("notifications", _l("Sent, failed and skipped notifications and their delivery attempts are deleted"),
            _old_notifications, Notification, before=_delete_attempts)
delete_rule("dev_mailbox", _l("Mail in the development mailbox is deleted"),
            _older_than_retention(DevMail.created_at), DevMail)
delete_rule("api_tokens", _l("Expired or revoked API access tokens are deleted"),
            lambda now: db.select(ApiToken).where(finished_tokens(now)), ApiToken)
delete_rule("api_idempotency_keys", _l("API clients' idempotency keys older than a day are deleted"),
            lambda now: db.select(IdempotencyKey).where(IdempotencyKey.created_at <= now - timedelta(hours=24)),
            IdempotencyKey)
delete_rule("platform_deliveries", _l("Records of processed shop platform webhooks are deleted"),
            _older_than_retention(PlatformDelivery.received_at), PlatformDelivery)
delete_rule("sync_runs", _l("Carrier sync run logs are deleted"), _older_than_retention(SyncRun.started_at), SyncRun)


def scrub_parcel_numbers(numbers):
    """Remove parcel numbers from the carrier sync's error texts (sync runs, carrier states).

    Anonymising an order (retention or erasure) replaces its parcel numbers; the sync's log lines
    may still name them ("2045…: not found"), so they are blanked there too. The caller commits.
    """
    for number in {n for n in numbers if n and len(n) >= 4}:
        for model, column in ((SyncRun, SyncRun.errors), (CarrierState, CarrierState.last_error)):
            db.session.execute(db.update(model).where(column.contains(number, autoescape=True))
                               .values({column.key: db.func.replace(column, number, "—")})
                               .execution_options(synchronize_session=False))

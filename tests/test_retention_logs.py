"""Retention for notification logs, the dev mailbox, API tokens, platform deliveries, sync runs
and sessions: old rows go, recent ones stay, and the preview counts what the run touches."""
from datetime import timedelta

from app.api.models import ApiClient, ApiToken, PlatformDelivery
from app.auth.sessions import UserSession
from app.carriers.models import SyncRun
from app.clock import utcnow
from app.notify.models import DeliveryAttempt, DevMail, Notification
from app.privacy import retention
from tests.conftest import PASSWORD

OLD, NEW = timedelta(days=400), timedelta(days=10)
LOG_RULES = ("notifications", "dev_mailbox", "api_tokens", "platform_deliveries", "sync_runs", "sessions")


def _seed(db, make_user, make_order):
    now = utcnow()
    order = make_order(status="in_transit")
    rows = {}

    def notification(age, state, tag):
        row = Notification(event_id=f"ev-{tag}", order_id=order.id, channel="email", recipient=f"{tag}@example.com",
                           state=state, created_at=now - age, next_attempt_at=now - age, body=f"body {tag}")
        row.attempt_log.append(DeliveryAttempt(outcome="ok", started_at=now - age, error=None))
        db.session.add(row)
        rows[tag] = row

    notification(OLD, "sent", "old-sent")
    notification(OLD, "failed", "old-failed")
    notification(OLD, "queued", "old-queued")   # still due: never purged
    notification(NEW, "sent", "new-sent")
    db.session.add_all([DevMail(recipient="old@example.com", subject="old", created_at=now - OLD),
                        DevMail(recipient="new@example.com", subject="new", created_at=now - NEW)])
    client = ApiClient(name="shop", client_id="cid-retention", secret_hash="x" * 64, scope="orders:read")
    db.session.add(client)
    db.session.flush()
    db.session.add_all([
        ApiToken(client_id=client.id, token_hash="a" * 64, issued_at=now - OLD, expires_at=now - OLD + timedelta(hours=1)),
        ApiToken(client_id=client.id, token_hash="b" * 64, issued_at=now, expires_at=now + timedelta(hours=1),
                 revoked_at=now),
        ApiToken(client_id=client.id, token_hash="c" * 64, issued_at=now, expires_at=now + timedelta(hours=1)),
        PlatformDelivery(platform="shopify", content_key="1:old", delivery_id="old", received_at=now - OLD),
        PlatformDelivery(platform="shopify", content_key="1:new", delivery_id="new", received_at=now - NEW),
        SyncRun(carrier="nova_poshta", started_at=now - OLD, finished_at=now - OLD),
        SyncRun(carrier="nova_poshta", started_at=now - NEW, finished_at=now - NEW),
    ])
    user = make_user("customer")
    db.session.add_all([
        UserSession(user_id=user.id, token_hash="d" * 64, created_at=now - OLD, last_seen_at=now - OLD,
                    expires_at=now - OLD + timedelta(days=1)),
        UserSession(user_id=user.id, token_hash="e" * 64, created_at=now, last_seen_at=now,
                    expires_at=now + timedelta(days=1)),
    ])
    db.session.commit()
    return rows


def test_old_logs_are_purged_and_recent_ones_kept(app, db, make_user, make_order, runner):
    rows = _seed(db, make_user, make_order)
    preview = {rule.name: count for rule, count, _sample in retention.preview()}
    assert {name: preview[name] for name in LOG_RULES} == {
        "notifications": 2, "dev_mailbox": 1, "api_tokens": 2, "platform_deliveries": 1, "sync_runs": 1,
        "sessions": 1}

    dry = runner.invoke(args=["retention", "--dry-run"])
    assert dry.exit_code == 0
    counts = retention.run()
    assert {name: counts[name] for name in LOG_RULES} == {name: preview[name] for name in LOG_RULES}

    db.session.expire_all()
    mine = [n for n in db.session.query(Notification) if n.event_id.startswith("ev-")]
    assert sorted(n.event_id for n in mine) == ["ev-new-sent", "ev-old-queued"]
    kept = {rows["new-sent"].id, rows["old-queued"].id}
    assert {a.notification_id for a in db.session.query(DeliveryAttempt)} == kept
    assert [m.subject for m in db.session.query(DevMail)] == ["new"]
    assert [t.token_hash for t in db.session.query(ApiToken)] == ["c" * 64]
    assert [d.delivery_id for d in db.session.query(PlatformDelivery)] == ["new"]
    assert db.session.query(SyncRun).count() == 1
    assert [s.token_hash for s in db.session.query(UserSession)] == ["e" * 64]

    again = {rule.name: count for rule, count, _sample in retention.preview()}
    assert all(again[name] == 0 for name in LOG_RULES)


def test_admin_preview_lists_the_log_rules(app, db, make_user, make_order, client, login):
    _seed(db, make_user, make_order)
    login(make_user("admin").email)
    html = client.get("/admin/privacy").get_data(as_text=True)
    assert 'id="retention-notifications">2<' in html and 'id="retention-api_tokens">2<' in html
    assert 'id="retention-sync_runs">1<' in html and 'id="retention-dev_mailbox">1<' in html
    client.post("/admin/privacy/retention", follow_redirects=True)
    db.session.expire_all()
    assert db.session.query(Notification).filter(Notification.event_id.like("ev-%")).count() == 2
    assert db.session.query(SyncRun).count() == 1


def test_parcel_numbers_leave_the_sync_logs_with_the_order(app, db, make_user, make_order, client, login):
    from app.carriers.models import CarrierState
    from tests.test_privacy import _dump

    user = make_user("customer")
    kept = make_order(status="in_transit")
    erased = make_order(customer=user.customer, status="delivered")
    aged = make_order(status="delivered")
    numbers = {o: o.shipments[0].tracking_number for o in (kept, erased, aged)}
    db.session.add(SyncRun(carrier="nova_poshta", started_at=utcnow(),
                           errors="\n".join(f"{n}: not found" for n in numbers.values())))
    db.session.add(CarrierState(carrier="nova_poshta", last_error=f"{numbers[erased]}: HTTP 500"))
    aged.status_changed_at = utcnow() - OLD
    db.session.commit()

    login(user.email)
    assert client.post("/account/privacy/erase", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    retention.run()
    dump = _dump(db)
    assert numbers[erased].lower() not in dump and numbers[aged].lower() not in dump
    assert numbers[kept].lower() in dump  # an order still on its way keeps its number in the log

"""The polled tracking partial and the unread badge: ``304`` while nothing changed, and never an
answer older than the last change, whoever made it (this process, a raw SQL statement, another
process)."""
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from app.orders import lifecycle, links

HX = {"HX-Request": "true"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _changed(client, url, etag):
    response = client.get(url, headers={**HX, "If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    return response.get_data(as_text=True)


def test_a_status_change_reaches_the_next_poll(db, client, polling_customer):
    _, order, url, etag = polling_customer("shipped")
    lifecycle.change_status(order, "in_transit", source="staff", note="Прибуло до Львова")
    db.session.commit()
    assert "Прибуло до Львова" in _changed(client, url, etag)


def test_a_change_by_a_plain_sql_statement_reaches_the_next_poll(db, client, polling_customer):
    _, order, url, etag = polling_customer("shipped")
    db.session.execute(text("UPDATE orders SET version = version + 1 WHERE id > 0 AND number = :n"),
                       {"n": order.number})
    db.session.commit()
    _changed(client, url, etag)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_change_by_another_process_reaches_the_next_poll(db, client, polling_customer, db_url):
    _, order, url, etag = polling_customer("shipped")
    script = "\n".join([
        "import sys; sys.path.insert(0, sys.argv[1])",
        "from app import create_app", "from config import TestConfig",
        "app = create_app(type('C', (TestConfig,), {'SQLALCHEMY_DATABASE_URI': sys.argv[2]}))",
        "with app.app_context():",
        "    from app.database import writing", "    from app.extensions import db",
        "    from app.orders import lifecycle", "    from app.orders.models import Order",
        "    with writing():",
        "        order = db.session.execute(db.select(Order).filter_by(number=sys.argv[3])).scalar_one()",
        "        lifecycle.change_status(order, 'in_transit', source='staff', note='Змінено з консолі')",
        "        db.session.commit()", ""])
    done = subprocess.run([sys.executable, "-c", script, ROOT, db_url, order.number], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Змінено з консолі" in _changed(client, url, etag)


@pytest.mark.parametrize("kind", ["t", "widget"])
def test_a_signed_link_poll_answers_304_until_the_order_changes(db, client, make_order, kind):
    order = make_order(status="shipped")
    token = links.make_token(order)
    db.session.commit()
    url = f"/{kind}/{token}/progress"
    etag = client.get(url, headers=HX).headers["ETag"]
    unchanged = client.get(url, headers={**HX, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    lifecycle.change_status(order, "in_transit", source="staff", note="Вже в дорозі")
    db.session.commit()
    assert "Вже в дорозі" in _changed(client, url, etag)
    links.revoke_links(order)
    db.session.commit()
    revoked = client.get(url, headers={**HX, "If-None-Match": etag})
    assert revoked.status_code == 286 and "Вже в дорозі" not in revoked.get_data(as_text=True)


def test_the_unread_badge_answers_304_until_a_message_arrives(db, client, polling_customer):
    from app.notify.models import Notification

    user, order, _, _ = polling_customer("shipped")
    first = client.get("/notifications/unread", headers=HX)
    assert first.status_code == 200 and ">1</span>" in first.get_data(as_text=True)  # the "shipped" message
    assert client.get("/notifications/unread", headers={**HX, "If-None-Match": first.headers["ETag"]}).status_code == 304
    db.session.add(Notification(event_id="badge-test", order_id=order.id, customer_id=user.customer.id,
                                channel="inapp", kind="status", status="shipped", recipient="", state="sent"))
    db.session.commit()
    changed = client.get("/notifications/unread", headers={**HX, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and ">2</span>" in changed.get_data(as_text=True)

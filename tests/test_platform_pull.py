"""Magento 2 and PrestaShop orders pulled from local stand-ins answering in each API's format."""
import base64
import copy
import json

import pytest
from store_fixtures import (
    MAGENTO_ORDER,
    PRESTASHOP_LINKED,
    magento_page,
    magento_shipments,
    prestashop_order,
)
from werkzeug import Response

from app import settings
from app.api.models import PlatformOrder
from app.audit import AuditLog
from app.integrations import pull
from app.integrations.models import PlatformPull
from app.orders.models import Order


def json_response(data, status=200):
    return Response(json.dumps(data), status=status, content_type="application/json")


def orders(db, platform):
    db.session.expire_all()
    return db.session.execute(db.select(Order).join(PlatformOrder, PlatformOrder.order_id == Order.id)
                              .where(PlatformOrder.platform == platform).order_by(Order.id)).scalars().all()


def audit(db, action):
    return db.session.execute(db.select(AuditLog).filter_by(action=action)).scalars().all()


def run(db, platform, **kwargs):
    from tests.conftest import write_transaction

    with write_transaction(db):  # as the scheduler runs its jobs
        return pull.pull(platform, **kwargs)


def press_pull_now(client, platform):
    return client.post(f"/admin/api-clients/stores/{platform}/pull", follow_redirects=True).get_data(as_text=True)


def pulled_by_the_scheduler(db, client, platform):
    """Run the scheduler's job for the queued "pull now"; the store's panel as the page polls it."""
    from tests.conftest import write_transaction

    with write_transaction(db):
        pull.run_requested_pulls()
    panel = client.get(f"/admin/api-clients/stores/{platform}/pull").get_data(as_text=True)
    assert "hx-trigger" not in panel  # finished: the panel stops polling
    return panel


@pytest.fixture
def magento(db, httpserver):
    """A Magento stand-in; ``answers["orders"]`` and ``answers["tracks"]`` say what it holds."""
    answers = {"orders": [copy.deepcopy(MAGENTO_ORDER)], "tracks": [], "calls": []}

    def orders_handler(request):
        answers["calls"].append(("orders", request.headers.get("Authorization"), dict(request.args)))
        size = int(request.args["searchCriteria[pageSize]"])
        page = int(request.args["searchCriteria[currentPage]"])
        since = request.args["searchCriteria[filter_groups][0][filters][0][value]"]
        matching = [o for o in answers["orders"] if o["updated_at"] >= since]
        chunk = matching[(page - 1) * size:page * size] or matching[-size:]  # past the end: the last page again
        return json_response(magento_page(chunk, total=len(matching)))

    httpserver.expect_request("/rest/V1/orders").respond_with_handler(orders_handler)
    httpserver.expect_request("/rest/V1/shipments").respond_with_handler(
        lambda request: json_response(magento_shipments(*answers["tracks"])))
    settings.put("MAGENTO_URL", httpserver.url_for("/").rstrip("/"))
    settings.put("MAGENTO_TOKEN", "mag-integration-token", secret=True)
    db.session.commit()
    return answers


def test_a_magento_order_appears_once_with_items_and_a_later_update_changes_it(
        magento, db, make_user, login, client):
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    page = client.get("/admin/api-clients/").get_data(as_text=True)
    assert "Magento" in page and "PrestaShop" in page
    page = press_pull_now(client, "magento")
    assert "Читання магазину поставлено в чергу" in page and 'hx-trigger="every 2s"' in page  # the row polls
    assert not orders(db, "magento") and not magento["calls"]  # queued: nothing is read inside the request
    assert "прийнято замовлень: 1, відхилено: 0" in pulled_by_the_scheduler(db, client, "magento")
    [order] = orders(db, "magento")
    assert [(i.name, i.sku, i.quantity) for i in order.items] == [("Футболка червона", "TS-RED-M", 2),
                                                                  ("Чашка", "MUG-01", 1)]
    assert order.customer.email == "iryna.bondar@example.com" and order.customer.name == "Ірина Бондар"
    assert order.delivery_city == "Львів" and order.delivery_address == "вул. Городоцька, 15 кв. 3"
    assert order.status == "new" and not order.shipments
    assert order.cod_amount is not None and float(order.cod_amount) == 2150  # paid by "cashondelivery"
    kind, auth, args = magento["calls"][0]
    assert auth == "Bearer mag-integration-token"
    assert args["searchCriteria[filter_groups][0][filters][0][field]"] == "updated_at"
    assert args["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "gteq"
    assert args["searchCriteria[sortOrders][0][field]"] == "updated_at"

    # the shop ships it: a later run sees the new updated_at and the shipment's track
    magento["orders"][0]["updated_at"] = "2026-12-05 15:00:00"
    magento["tracks"] = [("Нова Пошта", "20450000111222")]
    assert run(db, "magento") == (1, 0)
    [order] = orders(db, "magento")
    assert order.status == "shipped" and [s.tracking_number for s in order.shipments] == ["20450000111222"]
    assert magento["calls"][-1][2]["searchCriteria[filter_groups][0][filters][0][value]"] == "2026-12-05 09:20:11"
    assert db.session.get(PlatformPull, "magento").pulled_until == "2026-12-05 15:00:00"

    run(db, "magento")  # the same order again (updated_at >= the cursor): nothing doubles
    [order] = orders(db, "magento")
    assert order.status == "shipped" and len(order.shipments) == 1
    assert db.session.execute(db.select(PlatformOrder).filter_by(platform="magento")).scalars().all().__len__() == 1


def test_magento_pages_stop_at_total_count(magento, db):
    magento["orders"] = []
    for n in range(3):
        order = copy.deepcopy(MAGENTO_ORDER)
        order.update(entity_id=400 + n, increment_id=f"00000040{n}", updated_at=f"2026-12-05 1{n}:00:00",
                     customer_email=f"buyer{n}@example.com", customer_is_guest=1)
        magento["orders"].append(order)
    assert run(db, "magento", page_size=2) == (3, 0)
    pages = [call[2]["searchCriteria[currentPage]"] for call in magento["calls"]]
    assert pages == ["1", "2"]  # a third page would have answered page 2 again
    assert len(orders(db, "magento")) == 3


def test_bad_platform_answers_are_refused_and_logged_and_nothing_is_half_written(magento, db, httpserver, make_user,
                                                                                   login, client):
    from app.notify import alerts
    from tests.conftest import write_transaction

    hostile = copy.deepcopy(MAGENTO_ORDER)
    hostile.update(entity_id=501, updated_at="2026-12-05 11:00:00", customer_is_guest=1,
                   customer_email="hostile@example.com")
    address = hostile["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    address.update(firstname="<script>alert(1)</script>\u202e" + "Щ" * 10000, lastname="🙂",
                   city="<img src=x onerror=alert(2)>")
    empty = copy.deepcopy(MAGENTO_ORDER)
    empty.update(entity_id=502, updated_at="2026-12-05 12:00:00", items=[], customer_is_guest=1,
                 customer_email="empty@example.com")
    magento["orders"] = [hostile, empty]
    assert run(db, "magento") == (1, 1)
    [order] = orders(db, "magento")
    assert len(order.customer.name) <= 200 and order.customer.name.startswith("<script>")  # kept as text
    make_user("staff", email="desk@example.com")
    login("desk@example.com")
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "<img src=x" not in page
    client.post("/logout")
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    log_page = client.get("/admin/audit").get_data(as_text=True)
    assert "Відхилено замовлення з Magento" in log_page
    refused = audit(db, "platform.order_refused")
    assert len(refused) == 1 and refused[0].object_id == "magento:502"
    assert db.session.get(PlatformPull, "magento").pulled_until == "2026-12-05 12:00:00"

    httpserver.clear()
    httpserver.expect_request("/rest/V1/orders").respond_with_data("<html>Service Unavailable</html>",
                                                                   content_type="text/html")
    assert run(db, "magento") == (0, 0)
    state = db.session.get(PlatformPull, "magento")
    assert "not JSON" in state.last_error and state.pulled_until == "2026-12-05 12:00:00"
    assert "not JSON" in audit(db, "platform.pull_failed")[0].after_data["error"]
    assert len(orders(db, "magento")) == 1
    with write_transaction(db):
        conditions = {c.key: c for c in alerts.platforms(None)}
    assert conditions["platform:magento"].failing
    press_pull_now(client, "magento")  # staff's "pull now" says the same
    panel = pulled_by_the_scheduler(db, client, "magento")
    assert "Читання не вдалося о" in panel and "not JSON" in panel and 'class="field-error"' in panel


def test_pull_now_takes_the_scheduled_pulls_lock_and_is_skipped_while_another_pull_runs(magento, db, make_user,
                                                                                        login, client):
    from app import locks

    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    press_pull_now(client, "magento")
    assert "Читання поставлено в чергу о" in client.get("/admin/api-clients/").get_data(as_text=True)
    with locks.exclusive("platform-pull-magento"):  # another process is pulling this store
        assert "Читання пропущено о" in pulled_by_the_scheduler(db, client, "magento")
        pull.pull_all()  # the scheduled pull skips it too
    assert not magento["calls"] and not orders(db, "magento")
    press_pull_now(client, "magento")
    assert "прийнято замовлень: 1" in pulled_by_the_scheduler(db, client, "magento")


def test_pull_now_for_a_store_not_connected_queues_nothing(db, make_user, login, client):
    from app.queued import QueuedRequest

    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    assert "Спершу вкажіть адресу й ключ магазину." in press_pull_now(client, "prestashop")
    assert 'id="pull-prestashop"' not in client.get("/admin/api-clients/").get_data(as_text=True)
    assert db.session.execute(db.select(QueuedRequest)).scalars().all() == []


def test_a_prestashop_order_appears_once_and_a_later_update_adds_its_tracking(db, httpserver, make_user, login,
                                                                               client):
    held = {"orders": [prestashop_order()], "calls": []}

    def orders_handler(request):
        held["calls"].append((request.headers.get("Authorization"), dict(request.args)))
        since = request.args["filter[date_upd]"].strip("[]").split(",")[0]
        matching = [o for o in held["orders"] if o["date_upd"] >= since]
        offset, count = (int(x) for x in request.args["limit"].split(","))
        chunk = matching[offset:offset + count]
        return json_response({"orders": chunk} if chunk else [])  # the webservice's empty answer is []

    httpserver.expect_request("/api/orders").respond_with_handler(orders_handler)
    for path, body in PRESTASHOP_LINKED.items():
        httpserver.expect_request(f"/api/{path}").respond_with_json(body)
    make_user("admin", email="boss@example.com")
    login("boss@example.com")
    saved = client.post("/admin/api-clients/stores", data={"PRESTASHOP_URL": httpserver.url_for("/").rstrip("/"),
                                                           "PRESTASHOP_KEY": "ZQ88PRJX5VWQHCWE4EE7SQ7HPNX00RAJ"})
    assert saved.status_code == 302
    assert settings.get("PRESTASHOP_KEY") == "ZQ88PRJX5VWQHCWE4EE7SQ7HPNX00RAJ"
    assert run(db, "prestashop") == (1, 0)
    [order] = orders(db, "prestashop")
    assert [(i.name, i.sku, i.quantity, str(i.price)) for i in order.items] == [
        ("Шкарпетки вовняні - Розмір : L", "SOCK-W-L", 3, "630.00")]
    assert order.customer.email == "taras.melnyk@example.com" and order.customer.phone == "+380931112233"
    assert order.delivery_city == "Вінниця" and order.delivery_country == "UA" and not order.shipments
    assert float(order.cod_amount) == 1890  # the ps_cashondelivery module
    auth, args = held["calls"][0]
    assert auth == "Basic " + base64.b64encode(b"ZQ88PRJX5VWQHCWE4EE7SQ7HPNX00RAJ:").decode()
    assert args["output_format"] == "JSON" and args["display"] == "full" and args["date"] == "1"
    assert args["sort"] == "[date_upd_ASC]" and args["filter[date_upd]"].startswith("[1970-01-01 00:00:00,")

    held["orders"] = [prestashop_order(date_upd="2026-12-05 18:30:00", current_state="4",
                                       shipping_number="20450000333444")]
    assert run(db, "prestashop") == (1, 0)
    [order] = orders(db, "prestashop")
    assert order.status == "shipped" and [s.tracking_number for s in order.shipments] == ["20450000333444"]
    assert order.shipments[0].carrier == "nova_poshta"
    held["orders"] = []
    assert run(db, "prestashop") == (0, 0)
    assert db.session.get(PlatformPull, "prestashop").last_error is None


def test_a_magento_guest_order_without_a_shipping_address_and_with_decimal_quantities(magento, db):
    from platform_payloads import MAGENTO_GUEST_ORDER

    magento["orders"] = [copy.deepcopy(MAGENTO_GUEST_ORDER)]
    assert run(db, "magento") == (1, 0)
    [order] = orders(db, "magento")
    # 2.0 is 2; 1.5 m of fabric is one whole line's worth more, never dropped or cut to 1
    assert [(i.sku, i.quantity) for i in order.items] == [("LIN-150", 2), ("BTN-10", 2)]
    assert order.customer.name == "Oksana Lys" and order.customer.email == "guest.buyer@example.com"
    assert order.delivery_city == "Wrocław" and order.delivery_country == "PL" and order.currency == "EUR"


def test_prestashop_quantities_as_strings_and_a_line_at_zero(db, httpserver):
    from platform_payloads import PRESTASHOP_ROWS

    order = prestashop_order(associations={"order_rows": copy.deepcopy(PRESTASHOP_ROWS)})
    httpserver.expect_request("/api/orders").respond_with_json({"orders": [order]})
    for path, body in PRESTASHOP_LINKED.items():
        httpserver.expect_request(f"/api/{path}").respond_with_json(body)
    settings.put("PRESTASHOP_URL", httpserver.url_for("/").rstrip("/"))
    settings.put("PRESTASHOP_KEY", "ZQ88PRJX5VWQHCWE4EE7SQ7HPNX00RAJ", secret=True)
    db.session.commit()
    assert run(db, "prestashop") == (1, 0)
    [taken] = orders(db, "prestashop")
    assert [(i.sku, i.quantity, str(i.price)) for i in taken.items] == [("SCF-GR", 2, "390.00")]


def test_a_magento_order_refunded_after_its_shipment_is_flagged_not_cancelled(magento, db, make_user, login, client):
    """Magento cannot cancel a shipped order; the shop refunds it with credit memos, and once nothing is
    left to refund the order's state is "closed" (Magento\\Sales\\Model\\ResourceModel\\Order\\Handler\\State).
    The parcel is on its way: the order keeps its status and staff find it on the Attention page."""
    magento["tracks"] = [("Нова Пошта", "20450000111333")]
    assert run(db, "magento") == (1, 0)
    [order] = orders(db, "magento")
    assert order.status == "shipped"
    magento["orders"][0].update(state="closed", status="closed", updated_at="2026-12-06 10:00:00")
    assert run(db, "magento") == (1, 0)
    [order] = orders(db, "magento")
    assert order.status == "shipped"
    make_user("staff", email="packer@example.com")
    login("packer@example.com")
    page = client.get("/admin/attention/").get_data(as_text=True)
    assert order.number in page and "Скасовано в магазині після відправлення" in page
    assert "Кошти повернуто в Magento." in page


def test_a_prestashop_order_refunded_before_shipping_is_cancelled_and_after_shipping_flagged(db, httpserver):
    """PrestaShop's "Refunded" state (PS_OS_REFUND, 7 in a new install) as "Canceled" (6) is read."""
    from app.attention import services as attention

    sent = dict(id=13, reference="XKBKNABJL", shipping_number="20450000333555")  # handed to Nova Poshta
    held = {"orders": [prestashop_order(id=12), prestashop_order(current_state="4", **sent)]}
    httpserver.expect_request("/api/orders").respond_with_handler(
        lambda request: json_response({"orders": held["orders"]} if held["orders"] else []))
    for path, body in PRESTASHOP_LINKED.items():
        httpserver.expect_request(f"/api/{path}").respond_with_json(body)
    settings.put("PRESTASHOP_URL", httpserver.url_for("/").rstrip("/"))
    settings.put("PRESTASHOP_KEY", "ZQ88PRJX5VWQHCWE4EE7SQ7HPNX00RAJ", secret=True)
    db.session.commit()
    assert run(db, "prestashop") == (2, 0)
    unshipped, shipped = orders(db, "prestashop")
    assert (unshipped.status, shipped.status) == ("new", "shipped")
    held["orders"] = [prestashop_order(id=12, current_state="7", date_upd="2026-12-06 09:00:00"),
                      prestashop_order(current_state="7", date_upd="2026-12-06 09:00:00", **sent)]
    assert run(db, "prestashop") == (2, 0)
    unshipped, shipped = orders(db, "prestashop")
    assert unshipped.status == "cancelled" and unshipped.history[-1].note == "Кошти повернуто в PrestaShop."
    assert shipped.status == "shipped"
    assert attention.counts()["cancelled_in_store"] == 1 and attention.listed()[0].order_id == shipped.id

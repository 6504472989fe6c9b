"""Staff workspace: access, the orders list, status changes, the editor, import/export, audit, users."""
import csv
import html
import io
import json
import os
import re
from datetime import datetime

import pytest
from flask import url_for

from app.audit import AuditLog
from app.auth.models import User
from app.orders.models import Order, StatusEvent

STAFF_PAGES = ["/admin/orders", "/admin/orders/new", "/admin/orders/import", "/admin/orders/export.csv",
               "/admin/orders/export.json", "/admin/orders/{order}", "/admin/analytics/",
               "/admin/analytics/monthly", "/admin/analytics/monthly.csv",
               "/admin/carriers/detect?tracking_number=20450000000001"]
ADMIN_PAGES = ["/admin/users", "/admin/audit", "/admin/settings"]


def _text(response):
    return response.get_data(as_text=True)


def test_role_page_access_matrix(app, make_user, make_order, client, login):
    order = make_order()
    users = {role: make_user(role) for role in ("customer", "staff", "admin")}
    pages = [(p.format(order=order.id), False) for p in STAFF_PAGES] + [(p, True) for p in ADMIN_PAGES]
    for path, _admin_only in pages:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    for role, user in users.items():
        login(user.email)
        for path, admin_only in pages:
            code = client.get(path).status_code
            expected = 200 if role == "admin" or (role == "staff" and not admin_only) else 403
            assert code == expected, (role, path, code)
        client.post("/logout")
    # the 403 page is the friendly translated one
    login(users["staff"].email)
    page = client.get("/admin/users")
    assert page.status_code == 403 and "У вас немає доступу" in _text(page)
    # admin-only actions refuse staff too
    for path in ["/admin/users", f"/admin/users/{users['customer'].id}/active",
                 f"/admin/users/{users['customer'].id}/reset-password", "/admin/settings",
                 f"/admin/orders/{order.id}/correct"]:
        assert client.post(path, data={"active": "0"}).status_code == 403, path


def _readme_access_table():
    """[(path, staff may open it)] from the README's "Who sees what" table (GET pages only)."""
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    with open(readme, encoding="utf-8") as fh:
        section = fh.read().split("**Who sees what**", 1)[1].split("\n\n", 2)[1]
    rows = []
    for line in section.splitlines()[2:]:
        page, staff, admin = (cell.strip() for cell in line.strip("|").split("|"))
        assert admin == "yes" and staff in ("yes", "no"), line
        if "(POST" not in page:
            rows += [(path, staff == "yes") for path in re.findall(r"`(/[^`]+)`", page)]
    return rows


def test_readme_says_truly_who_sees_what(app, make_user, make_order, client, login):
    rows = _readme_access_table()
    paths = {path for path, _ in rows}
    assert {"/admin/carriers/", "/admin/settings", "/admin/users"} <= paths
    assert not {"/admin/carriers/", "/admin/settings", "/admin/users"} & {p for p, staff in rows if staff}
    order = make_order()
    for role in ("staff", "admin"):
        login(make_user(role).email)
        for path, staff_may in rows:
            code = client.get(path.replace("<id>", str(order.id))).status_code
            assert code == (200 if role == "admin" or staff_may else 403), (role, path, code)
        client.post("/logout")


@pytest.fixture
def sample(db, make_order):
    from app.orders.models import Customer

    def customer(name, email, phone):
        c = Customer(name=name, email=email, phone=phone)
        db.session.add(c)
        return c

    olena = customer("Олена Коваль", "olena@example.com", "+380671234567")
    piotr = customer("Piotr Wiśniewski", "piotr@example.com", "+48 512 345 678")  # kept as typed
    orders = {
        "lviv_new": make_order(customer=olena, status="new", tracking_number="20450000000001",
                               created_at=datetime(2026, 3, 1, 10, 0)),
        "kyiv_shipped": make_order(customer=olena, status="shipped", carrier="ukrposhta",
                                   tracking_number="RA123456789UA",
                                   delivery={"city": "Київ", "region": "м. Київ"},
                                   created_at=datetime(2026, 3, 10, 10, 0)),
        "pl_delivered": make_order(customer=piotr, status="delivered", carrier="inpost",
                                   tracking_number="602634398121365987475714",
                                   delivery={"city": "Kraków", "region": "małopolskie", "country": "PL"},
                                   created_at=datetime(2026, 4, 2, 10, 0), currency="PLN"),
    }
    return orders


def _numbers(response):
    return set(__import__("re").findall(r'data-order="([^"]+)"', _text(response)))


def test_filters_and_counts(app, sample, make_user, client, login):
    login(make_user("staff").email)
    n = {k: o.number for k, o in sample.items()}
    assert _numbers(client.get("/admin/orders")) == set(n.values())
    assert _numbers(client.get("/admin/orders?status=shipped")) == {n["kyiv_shipped"]}
    assert _numbers(client.get("/admin/orders?carrier=inpost")) == {n["pl_delivered"]}
    assert _numbers(client.get("/admin/orders?region=Львівська")) == {n["lviv_new"]}
    assert _numbers(client.get("/admin/orders?date_from=2026-03-05&date_to=2026-03-31")) == {n["kyiv_shipped"]}
    assert _numbers(client.get("/admin/orders?date_to=2026-03-01")) == {n["lviv_new"]}
    # counts per status follow the other filters, whatever status is picked
    page = _text(client.get("/admin/orders?customer=&region=Львівська&status=delivered"))
    assert 'data-status="new">Нове <strong>1</strong>' in page
    assert 'data-status="delivered">Доставлено <strong>0</strong>' in page
    # sort
    ordered = __import__("re").findall(r'data-order="([^"]+)"', _text(client.get("/admin/orders?sort=created")))
    assert ordered == [n["lviv_new"], n["kyiv_shipped"], n["pl_delivered"]]
    # an unknown choice (status, sort, page) falls back to the default; a date that is no date is a 400 naming it
    assert client.get("/admin/orders?status=bogus&page=-3&sort=x").status_code == 200
    assert client.get("/admin/orders?date_from=yesterday").status_code == 400


def test_status_counts_follow_every_change(app, db, sample, make_user, make_order, client, login):
    """The unfiltered counts are kept between views (app/admin/orderlist.py) and are still right
    after a status change, a new order and a correction, from this process or another."""
    from app.orders import lifecycle

    def counts():
        page = _text(client.get("/admin/orders"))
        return {code: int(n) for code, n in __import__("re").findall(
            r'data-status="([a-z_]+)">[^<]*<strong>(\d+)</strong>', page)}

    admin = make_user("admin")
    login(admin.email)
    assert counts()["shipped"] == 1 and counts()["new"] == 1
    lifecycle.change_status(sample["kyiv_shipped"], "in_transit", source="staff")
    db.session.commit()
    assert counts()["shipped"] == 0 and counts()["in_transit"] == 1
    make_order()
    assert counts()["new"] == 2
    lifecycle.change_status(sample["pl_delivered"], "shipped", source="staff", note="a mistake",
                            correction=True, actor_user=admin)
    db.session.commit()
    seen = counts()
    assert seen["delivered"] == 0 and seen["shipped"] == 1
    assert seen == {status: db.session.query(Order).filter_by(status=status).count() for status in seen}

@pytest.mark.parametrize("query,key", [
    ("PS-100001", "lviv_new"), ("ps-100001", "lviv_new"), ("ps 100001", "lviv_new"), ("100001", "lviv_new"),
    ("RA123456789UA", "kyiv_shipped"),
    ("ra 123456789 ua", "kyiv_shipped"), ("wiśniewski", "pl_delivered"), ("коваль", None),
    ("512345678", "pl_delivered"), ("piotr@example.com", "pl_delivered"),
    # a phone number as people write it: brackets, dashes, the country code or not
    ("(067) 123-45-67", None), ("+38 (067) 123-45-67", None), ("0671234567", None), ("+48 512-345-678", "pl_delivered"),
])
def test_search(app, sample, make_user, client, login, query, key):
    login(make_user("staff").email)
    found = _numbers(client.get("/admin/orders", query_string={"q": query}))
    if key is None:  # both of Olena's orders, found by a lower-case Cyrillic name
        assert found == {sample["lviv_new"].number, sample["kyiv_shipped"].number}
    else:
        assert found == {sample[key].number}


def test_htmx_filter_returns_only_the_table_and_pages(app, db, make_order, make_user, client, login):
    from app import settings

    for _ in range(7):
        make_order()
    settings.put("ORDERS_PER_PAGE", "5")
    db.session.commit()
    login(make_user("staff").email)
    partial = client.get("/admin/orders?status=new", headers={"HX-Request": "true"})
    body = _text(partial)
    assert "<html" not in body and "orders-table" in body and "HX-Request" in partial.headers["Vary"]
    assert len(_numbers(partial)) == 5 and "Сторінка 1 з 2" in body
    assert len(_numbers(client.get("/admin/orders?status=new&page=2"))) == 2
    assert "<html" in _text(client.get("/admin/orders", headers={"HX-Request": "true", "HX-Boosted": "true"}))


def test_bulk_change_gives_each_order_its_own_outcome(app, db, make_order, make_user, client, login):
    ok1, ok2, done = make_order(status="new"), make_order(status="new"), make_order(status="delivered")
    staff = make_user("staff")
    login(staff.email)
    response = client.post("/admin/orders/bulk-status", data={
        "order_ids": [ok1.id, done.id, ok2.id, 999999], "status": "awaiting_shipment", "note": "packed"})
    body = _text(response)
    assert response.status_code == 200
    assert "Змінено: 2. Відхилено: 2." in body
    assert f'class="failed" data-order="{done.number}"' in body and "Доставлено" in body
    for order in (ok1, ok2, done):
        db.session.refresh(order)
    assert ok1.status == ok2.status == "awaiting_shipment" and done.status == "delivered"
    assert db.session.execute(db.select(AuditLog).filter_by(action="order.change_status")).scalars().all()


def test_sending_off_an_order_needs_its_parcel_on_both_paths(app, db, make_order, make_user, client, login):
    """New → delivered skips shipping: the parcel rule of "shipped" applies all the same, to the
    order page's form and to a bulk change (which skips the order and says why)."""
    bare, parcelled = make_order(status="new", tracking_number=False), make_order(status="new")
    login(make_user("staff").email)
    single = client.post(f"/admin/orders/{bare.id}", data={"status": "delivered", "version": bare.version})
    assert single.status_code == 409 and "Введіть номер відстеження посилки" in _text(single)
    response = client.post("/admin/orders/bulk-status", data={"order_ids": [bare.id, parcelled.id],
                                                              "status": "delivered"})
    body = _text(response)
    assert "Змінено: 1. Відхилено: 1." in body
    assert f'class="failed" data-order="{bare.number}"' in body
    assert "Посилки ще немає: додайте її номер відстеження (або відправте без нього) на сторінці замовлення." in body
    db.session.refresh(bare)
    db.session.refresh(parcelled)
    assert bare.status == "new" and parcelled.status == "delivered"
    # the order page's explicit choice still lets it go without a tracking number
    ok = client.post(f"/admin/orders/{bare.id}", data={"status": "delivered", "version": bare.version,
                                                      "without_tracking": "y"})
    assert ok.status_code == 302
    db.session.refresh(bare)
    assert bare.status == "delivered" and not bare.shipments


def test_bulk_return_needs_a_reason_and_keeps_it(app, db, make_order, make_user, client, login):
    orders = [make_order(status="in_transit") for _ in range(2)]
    login(make_user("staff").email)
    ids = [o.id for o in orders]
    refused = client.post("/admin/orders/bulk-status", data={"order_ids": ids, "status": "returned"})
    assert "Оберіть причину повернення" in _text(refused)
    assert all(db.session.get(Order, i).status == "in_transit" for i in ids)
    client.post("/admin/orders/bulk-status", data={"order_ids": ids, "status": "returned", "reason": "wrong_size",
                                                   "note": "XL instead of M"})
    events = db.session.execute(db.select(StatusEvent).filter_by(status="returned")).scalars().all()
    assert {e.reason_code for e in events} == {"wrong_size"}
    assert events[0].note == "Не підійшов розмір. XL instead of M"


def test_status_form_return_reason_and_stale_version(app, db, make_order, make_user, client, login):
    order = make_order(status="delivered")
    login(make_user("staff").email)
    url = f"/admin/orders/{order.id}"
    missing = client.post(url, data={"status": "returned", "version": order.version})
    assert missing.status_code == 409 and "Оберіть причину повернення" in _text(missing)
    other_without_text = client.post(url, data={"status": "returned", "reason": "other", "version": order.version})
    assert other_without_text.status_code == 409
    stale = client.post(url, data={"status": "returned", "reason": "defect", "version": order.version - 1})
    assert stale.status_code == 409 and "змінив хтось інший" in _text(stale)
    db.session.refresh(order)
    assert order.status == "delivered"
    ok = client.post(url, data={"status": "returned", "reason": "defect", "note": "seam", "version": order.version},
                     headers={"HX-Request": "true"})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"] == url
    refused = client.post(url, data={"status": "new", "version": order.version + 1}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and 'id="status-card"' in _text(refused) and "<html" not in _text(refused)
    db.session.refresh(order)
    assert order.status == "returned" and order.history[-1].reason_code == "defect"


def test_admin_correction_needs_reason_and_is_audited(app, db, make_order, make_user, client, login):
    order = make_order(status="delivered")
    login(make_user("staff").email)
    assert client.post(f"/admin/orders/{order.id}/correct", data={"correction-status": "in_transit"}).status_code == 403
    client.post("/logout")
    admin = make_user("admin")
    login(admin.email)
    url = f"/admin/orders/{order.id}/correct"
    no_reason = client.post(url, data={"correction-status": "in_transit", "correction-version": order.version})
    assert no_reason.status_code == 422
    ok = client.post(url, data={"correction-status": "in_transit", "correction-note": "Carrier delivered to a neighbour",
                                "correction-version": order.version})
    assert ok.status_code == 302
    db.session.refresh(order)
    assert order.status == "in_transit" and order.history[-1].is_correction
    row = db.session.execute(db.select(AuditLog).filter_by(action="order.correct_status")).scalar_one()
    assert row.actor_label == admin.email and row.before_data == {"status": "delivered"}


def _edit_data(order, **override):
    data = {"customer_name": "Олена Коваль-Петренко", "customer_email": "olena@example.com",
            "customer_phone": "+380671234567", "delivery_country": "UA", "delivery_region": "Львівська",
            "delivery_city": "Львів", "delivery_pickup_point": "Відділення №3", "version": order.version,
            "items-0-name": "Сукня льняна", "items-0-sku": "DR-104", "items-0-size": "L", "items-0-color": "синій",
            "items-0-quantity": "2", "items-0-price": "1450.00",
            "items-1-name": "Шарф", "items-1-quantity": "1", "items-1-price": "750"}
    data.update(override)
    return data


def test_order_editor_saves_items_and_refuses_a_stale_form(app, db, make_order, make_user, client, login):
    order = make_order()
    login(make_user("staff").email)
    stale = client.post(f"/admin/orders/{order.id}/edit", data=_edit_data(order, version=order.version + 5))
    assert stale.status_code == 409 and "змінив хтось інший" in _text(stale)
    db.session.refresh(order)
    assert [i.size for i in order.items] == ["M"]
    bad = client.post(f"/admin/orders/{order.id}/edit", data=_edit_data(order, **{"items-1-price": "abc"}))
    assert bad.status_code == 422 and "Введіть ціну" in _text(bad)
    saved = client.post(f"/admin/orders/{order.id}/edit", data=_edit_data(order))
    assert saved.status_code == 302
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert [(i.name, i.size, i.quantity) for i in order.items] == [("Сукня льняна", "L", 2), ("Шарф", None, 1)]
    assert order.customer.name == "Олена Коваль-Петренко" and str(order.total) == "3650.00"
    audit = db.session.execute(db.select(AuditLog).filter_by(action="order.update")).scalar_one()
    assert audit.before_data["items"][0]["size"] == "M" and audit.after_data["items"][0]["size"] == "L"
    assert "delivery" in audit.after_data and "note" not in audit.after_data


def test_new_order_with_detected_and_overridden_carrier(app, db, make_user, client, login):
    login(make_user("staff").email)
    base = {"customer_name": "Ігор Бойко", "customer_phone": "+380673334455", "delivery_city": "Одеса",
            "items-0-name": "Футболка", "items-0-quantity": "1", "items-0-price": "450"}
    hint = client.get("/admin/carriers/detect?tracking_number=20450000000077")
    assert "Нова пошта" in _text(hint)
    assert client.post("/admin/orders/new", data={**base, "tracking_number": "20450000000077"}).status_code == 302
    assert client.post("/admin/orders/new", data={**base, "tracking_number": "20450000000078",
                                                  "carrier": "sandbox"}).status_code == 302
    shipments = [o.shipments[0] for o in db.session.execute(db.select(Order).order_by(Order.id)).scalars()]
    assert [(s.carrier, s.tracking_number) for s in shipments] == [("nova_poshta", "20450000000077"),
                                                                    ("sandbox", "20450000000078")]
    unknown = client.post("/admin/orders/new", data={**base, "tracking_number": "XYZ123"})
    assert unknown.status_code == 422 and "формат номера не розпізнано" in _text(unknown)
    empty = client.post("/admin/orders/new", data={"customer_name": "X"})
    assert empty.status_code == 422
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 2


def test_several_shipments_per_order(app, db, make_order, make_user, client, login):
    order = make_order(tracking_number="20450000000001")
    other = make_order(tracking_number="20450000000002")
    login(make_user("staff").email)
    url = f"/admin/orders/{order.id}/shipments"
    assert client.post(url, data={"tracking_number": "RA123456789UA", "version": order.version}).status_code == 302
    duplicate = client.post(url, data={"tracking_number": other.shipments[0].tracking_number})
    assert duplicate.status_code == 422 and "вже використано" in _text(duplicate)
    db.session.refresh(order)
    assert [s.carrier for s in order.shipments] == ["nova_poshta", "ukrposhta"]
    first = order.shipments[0]
    assert client.post(f"/admin/orders/{order.id}/shipments/{first.id}/delete",
                       data={"version": order.version}).status_code == 302
    db.session.expire_all()
    assert [s.tracking_number for s in db.session.get(Order, order.id).shipments] == ["RA123456789UA"]
    actions = set(db.session.execute(db.select(AuditLog.action)).scalars())
    assert {"shipment.add", "shipment.remove"} <= actions



@pytest.mark.parametrize("typed", ["😀😀", "абв", "ТТН: 20450000000001", "20450000000001, 20450000000002", "1"])
def test_a_parcel_whose_number_is_no_tracking_number_is_refused(app, db, make_order, make_user, client, login, typed):
    """A busy desk pastes the wrong thing into the waybill field with the carrier chosen by hand: an emoji,
    a word, the label copied with the number, two numbers, a stray "1". Before, each became a parcel the carrier can
    never find (and its 'number' then blocked a CSV import as 'already used by another order')."""
    order = make_order(tracking_number=False)
    login(make_user("staff").email)
    answer = client.post(f"/admin/orders/{order.id}/shipments",
                         data={"tracking_number": typed, "carrier": "nova_poshta", "version": order.version})
    assert answer.status_code == 422
    assert "латинських літер, цифр і дефісів" in _text(answer)
    db.session.expire_all()
    assert db.session.get(Order, order.id).shipments == []
    created = client.post("/admin/orders/new", data={
        "customer_name": "Олена", "customer_email": "olena@example.com", "delivery_country": "UA",
        "items-0-name": "Сукня", "items-0-quantity": "1", "items-0-price": "450",
        "tracking_number": typed, "carrier": "nova_poshta"})
    assert created.status_code == 422 and "латинських літер, цифр і дефісів" in _text(created)
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 1


IMPORT_HEADER = ("order_number,customer_name,customer_email,customer_phone,region,city,carrier,tracking_number,"
                 "item_name,item_size,item_quantity,item_price,status,status_note\n")


def _upload(client, text, name="orders.csv"):
    return client.post("/admin/orders/import", data={"file": (io.BytesIO(text.encode("utf-8")), name)},
                       content_type="multipart/form-data")


def test_import_creates_orders_grouping_items(app, db, make_user, client, login):
    login(make_user("staff").email)
    text = IMPORT_HEADER + (
        "SHOP-1,Олена Коваль,olena@example.com,+380671234567,Львівська,Львів,,20450000000111,Сукня,M,1,1450.00,,\n"
        "SHOP-1,Олена Коваль,olena@example.com,+380671234567,Львівська,Львів,,,Шарф,,2,750,,\n"
        "SHOP-2,Anna Nowak,anna@example.com,+48601234567,mazowieckie,Warszawa,inpost,602634398121365987475799,"
        "Sweter,S,1,300,delivered,\n"
        "SHOP-3,Ігор Бойко,,+380673334455,Одеська,Одеса,,,Худі,L,1,1190,cancelled,Клієнт передумав\n")
    response = _upload(client, text)
    assert response.status_code == 200 and "Імпортовано замовлень: 3" in _text(response)
    orders = {o.number: o for o in db.session.execute(db.select(Order)).scalars()}
    assert set(orders) == {"SHOP-1", "SHOP-2", "SHOP-3"}
    assert [(i.name, i.quantity) for i in orders["SHOP-1"].items] == [("Сукня", 1), ("Шарф", 2)]
    assert orders["SHOP-1"].shipments[0].carrier == "nova_poshta"
    assert orders["SHOP-2"].status == "delivered" and {e.source for e in orders["SHOP-2"].history} == {"import"}
    assert orders["SHOP-3"].status == "cancelled" and orders["SHOP-3"].history[-1].note == "Клієнт передумав"
    assert db.session.execute(db.select(AuditLog).filter_by(action="orders.import")).scalar_one()


def test_import_with_bad_rows_names_row_and_column_and_imports_nothing(app, db, make_order, make_user, client, login):
    existing = make_order(tracking_number="20450000000999")
    login(make_user("staff").email)
    text = IMPORT_HEADER + (
        "A-1,Олена Коваль,olena@example.com,,Львівська,Львів,,20450000000111,Сукня,M,1,1450.00,,\n"
        "A-2,,olena@example,,Львівська,Львів,dpd,123,Сукня,M,0,abc,,\n"
        f"A-3,Ігор,,,,,,{existing.shipments[0].tracking_number},Худі,L,1,10,returned,\n"
        f"{existing.number},Ігор,,,,,,,Худі,L,1,10,flying,\n")
    response = _upload(client, text)
    body = _text(response)
    assert response.status_code == 422 and "Нічого не імпортовано" in body
    errors = set(__import__("re").findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*><code[^>]*>([a-z_]*)</code>", body))
    assert {("3", "customer_name"), ("3", "customer_email"), ("3", "carrier"), ("3", "item_quantity"),
            ("3", "item_price"), ("4", "tracking_number"), ("4", "status_note"), ("5", "status"),
            ("5", "order_number")} <= errors
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 1
    for value in ("olena@example", "dpd", "abc", "flying", existing.number):  # each bad value is shown
        assert f'<code class="import-value">{value}</code>' in body
    missing_column = _upload(client, "customer_name,item_name\nX,Y\n")
    assert missing_column.status_code == 422 and "<code>item_price</code>" in _text(missing_column)
    no_file = client.post("/admin/orders/import", data={}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "field-error" in _text(no_file)
    binary = client.post("/admin/orders/import", data={"file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.csv")},
                         content_type="multipart/form-data")
    assert binary.status_code == 422 and "UTF-8" in _text(binary)


def test_import_names_a_tracking_number_that_is_no_number(app, db, make_user, client, login):
    login(make_user("staff").email)
    text = IMPORT_HEADER + "A-1,Олена Коваль,olena@example.com,,Львівська,Львів,nova_poshta,ТТН: 20450000000111,Сукня,M,1,1450.00,,\n"
    response = _upload(client, text)
    body = _text(response)
    assert response.status_code == 422 and "латинських літер, цифр і дефісів" in body
    assert '<code class="import-value">ТТН: 20450000000111</code>' in body
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0


def test_import_takes_a_spreadsheet_as_excel_saves_it(app, db, make_user, client, login):
    """Excel in Ukrainian: a BOM, semicolons, column names as typed, the empty columns after the
    last one (";;"), blank lines and local dates (the shop's time zone, Europe/Kyiv)."""
    login(make_user("staff").email)
    text = ("\ufeffOrder Number;Created At;Customer Name;Customer Phone;Item Name;Item Quantity;Item Price;;\r\n"
            "XL-1;07.12.2026 10:15;Олена Коваль;067 123 45 67;Сукня льняна;1;1 450,00;;\r\n"
            ";;;;;;;;\r\n\r\n"
            "XL-2;7.12.2026;Ірина Шевченко;;Блуза;2;890;;\r\n")
    response = _upload(client, text)
    assert response.status_code == 200, _text(response)[:2000]
    assert "Імпортовано замовлень: 2" in _text(response)
    orders = {o.number: o for o in db.session.execute(db.select(Order)).scalars()}
    assert orders["XL-1"].created_at == datetime(2026, 12, 7, 8, 15)  # 10:15 in Kyiv is 08:15 UTC
    assert orders["XL-2"].created_at == datetime(2026, 12, 6, 22, 0)
    assert [(i.name, i.quantity) for i in orders["XL-2"].items] == [("Блуза", 2)]


def test_import_refuses_a_row_pasted_twice(app, db, make_user, client, login):
    """A row pasted twice would make a second order (or the item twice); the file is refused and the
    repeat named, so the customer is not sent two orders' messages."""
    login(make_user("staff").email)
    text = ("customer_name;customer_phone;item_name;item_price\n"
            "Петро;0671234570;Шарф;300\n"
            "Марія;0671234569;Сукня;1450\n"
            "Петро;0671234570;Шарф;300\n")
    response = _upload(client, text)
    body = _text(response)
    assert response.status_code == 422 and "Нічого не імпортовано" in body
    assert "Повторює рядок 2" in body and "<td data-label=\"Рядок\">4</td>" in body
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 0
    bad_date = _upload(client, "customer_name;item_name;item_price;created_at\nX;Y;1;31.02.2026\n")
    assert bad_date.status_code == 422 and "31.03.2026 14:05" in _text(bad_date)


def test_export_csv_and_json_follow_the_filters(app, sample, make_user, client, login):
    login(make_user("staff").email)
    response = client.get("/admin/orders/export.csv?carrier=ukrposhta")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_text(response).lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["order_number"] == sample["kyiv_shipped"].number and row["status"] == "shipped"
    assert row["tracking_number"] == "RA123456789UA" and row["carrier"] == "ukrposhta"
    assert row["customer_name"] == "Олена Коваль" and row["item_price"] == "1450.00" and row["region"] == "м. Київ"
    data = json.loads(_text(client.get("/admin/orders/export.json?status=delivered")))
    assert [o["number"] for o in data] == [sample["pl_delivered"].number]
    assert data[0]["shipments"][0]["carrier"] == "inpost" and data[0]["delivery"]["country"] == "PL"
    assert data[0]["items"][0]["sku"] == "DR-104"
    everything = json.loads(_text(client.get("/admin/orders/export.json")))
    assert len(everything) == 3


def test_every_export_is_in_the_audit_log_with_its_format_and_filters(app, db, sample, make_user, client, login):
    login(make_user("staff").email)
    client.get("/admin/orders/export.csv?carrier=ukrposhta")
    client.get("/admin/orders/export.json?status=delivered")
    db.session.expire_all()
    entries = db.session.execute(db.select(AuditLog).filter_by(action="orders.export").order_by(AuditLog.id)).scalars()
    assert [(e.after_data["format"], e.after_data["filters"]) for e in entries] == [
        ("csv", {"carrier": "ukrposhta"}), ("json", {"status": "delivered"})]


def test_exported_csv_imports_back(app, db, sample, make_user, client, login):
    login(make_user("staff").email)
    exported = _text(client.get("/admin/orders/export.csv")).lstrip("\ufeff")
    db.session.execute(db.delete(Order))
    db.session.commit()
    response = _upload(client, exported)
    assert response.status_code == 200, _text(response)
    statuses_now = {o.number: o.status for o in db.session.execute(db.select(Order)).scalars()}
    assert statuses_now == {o: s for o, s in ((v.number, k.split("_")[1]) for k, v in sample.items())}
    # a PLN order stays in złoty (the file carries each order's currency)
    currencies = {o.number: o.currency for o in db.session.execute(db.select(Order)).scalars()}
    assert currencies[sample["pl_delivered"].number] == "PLN" and currencies[sample["lviv_new"].number] == "UAH"
    polish = db.session.execute(db.select(Order).filter_by(number=sample["pl_delivered"].number)).scalar_one()
    assert "PLN" in _text(client.get(f"/admin/orders/{polish.id}")).split("Конфіденційність")[0]


def test_import_currency_is_optional_and_checked(app, db, make_user, client, login):
    login(make_user("staff").email)
    header = "order_number,customer_name,item_name,item_price,currency\n"
    refused = _upload(client, header + "C-1,Anna Nowak,Sweter,300,pln\nC-2,Anna Nowak,Sweter,300,GBX\n")
    assert refused.status_code == 422
    assert re.search(r'<tr><td[^>]*>3</td><td[^>]*><code>currency</code></td><td[^>]*><code class="import-value">GBX'
                     r'</code></td><td[^>]*>Невідома валюта «GBX»: вкажіть трилітерний код ISO 4217, наприклад UAH, PLN, '
                     r'EUR, USD.</td>',
                     _text(refused))
    ok = _upload(client, header + "C-1,Anna Nowak,Sweter,300,pln\nC-2,Олена,Сукня,1450,\nC-3,Amy,Jumper,40,gbp\n")
    assert ok.status_code == 200, _text(ok)
    assert {o.number: o.currency for o in db.session.execute(db.select(Order)).scalars()} == {
        "C-1": "PLN", "C-2": "UAH", "C-3": "GBP"}
    page = _text(client.get("/admin/orders/import"))
    assert "item_image_url,currency</code>" in page and "Експортований CSV-файл має ті самі колонки." in page
    assert "потрібні лише order_number і статус чи відправлення" in page


def _csv_text(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_an_export_imports_back_into_the_same_shop_reported_or_updated(app, db, sample, make_user, client, login):
    login(make_user("staff").email)
    exported = _text(client.get("/admin/orders/export.csv")).lstrip("\ufeff")
    # as it is: every order exists; each is reported once by its number, and no parcel is "used by another order"
    reported = _upload(client, exported)
    body = _text(reported)
    assert reported.status_code == 422 and "іншим замовленням" not in body
    errors = re.findall(r'<tr><td[^>]*>(\d+)</td><td[^>]*><code[^>]*>([a-z_]*)</code></td><td[^>]*><code class="import-value">([^<]*)'
                        r'</code>', body)
    assert sorted(value for _row, column, value in errors if column == "order_number") == sorted(
        o.number for o in sample.values())
    # updated: the file's status and a new parcel reach the existing order, nothing is duplicated
    rows = list(csv.DictReader(io.StringIO(exported)))
    shipped = next(r for r in rows if r["order_number"] == sample["kyiv_shipped"].number)
    shipped["status"] = "delivered"
    rows.append(dict(shipped, tracking_number="RA987654321UA"))
    response = client.post("/admin/orders/import", data={
        "file": (io.BytesIO(_csv_text(rows).encode()), "orders.csv"), "existing": "update"},
        content_type="multipart/form-data")
    assert response.status_code == 200, _text(response)
    assert "Оновлено замовлень, що вже були: 1" in _text(response)
    assert "Імпортовано замовлень: 0" not in _text(response)  # an update made no order: it read as a failure
    order = db.session.get(Order, sample["kyiv_shipped"].id)
    assert order.status == "delivered" and order.history[-1].source == "import"
    assert sorted(s.tracking_number for s in order.shipments) == ["RA123456789UA", "RA987654321UA"]
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 3
    # the same file again changes nothing, and says so (it said only "Imported 0 orders")
    again = client.post("/admin/orders/import", data={
        "file": (io.BytesIO(_csv_text(rows).encode()), "orders.csv"), "existing": "update"},
        content_type="multipart/form-data")
    assert "Замовлень, що вже були актуальні, лишилися без змін: 3." in _text(again)
    assert "Нічого не змінено: усі замовлення файлу вже такі, як у ньому." in _text(again)
    assert "Імпортовано замовлень: 0" not in _text(again)
    # a move the lifecycle refuses names the row, the column and the value
    delivered = next(r for r in rows if r["order_number"] == sample["pl_delivered"].number)
    delivered["status"] = "new"
    refused = client.post("/admin/orders/import", data={
        "file": (io.BytesIO(_csv_text([delivered]).encode()), "orders.csv"), "existing": "update"},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert re.search(r'<tr><td[^>]*>2</td><td[^>]*><code[^>]*>status</code></td><td[^>]*><code class="import-value">new</code>',
                     _text(refused))


def test_an_export_with_the_tracking_numbers_blanked_imports_as_the_readme_says(app, db, sample, make_user, client,
                                                                               login):
    login(make_user("staff").email)
    rows = list(csv.DictReader(io.StringIO(_text(client.get("/admin/orders/export.csv")).lstrip("\ufeff"))))
    for row in rows:
        row["order_number"], row["tracking_number"] = "", ""  # new orders, parcels not known yet
    response = _upload(client, _csv_text(rows))
    assert response.status_code == 200, _text(response)
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 6


def _error_rows(response):
    """The import report's table as (row, column, value, problem)."""
    return re.findall(r'<tr><td[^>]*>(\d+)</td><td[^>]*><code>([^<]*)</code></td><td[^>]*>(?:<code class="import-value">'
                      r'([^<]*)</code>)?</td><td[^>]*>([^<]*)</td></tr>', html.unescape(_text(response)))


def _as_ukrainian_excel_saves_it(sheet):
    """A sheet as Excel in Ukrainian saves it "as CSV": ";" between cells, 10.03.2026 12:00, decimal commas."""
    def cell(value):
        if isinstance(value, datetime):
            return value.strftime("%d.%m.%Y %H:%M")
        return "" if value is None else str(value).replace(".", ",") if isinstance(value, float) else str(value)
    return "".join(";".join(cell(c.value) for c in row) + "\r\n" for row in sheet.iter_rows())


def test_an_excel_export_saved_as_csv_in_ukrainian_updates_back(app, db, sample, make_user, client, login):
    """The Excel export's own header (in the reader's language) imports; a status written as staff see it
    («Доставлено») is taken; an edit the update does not apply (a new city) is said, not counted as nothing."""
    import openpyxl

    login(make_user("staff").email)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/admin/orders/export.xlsx").get_data())).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Номер замовлення", "Створено", "Статус"]
    shipped = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == sample["kyiv_shipped"].number)
    shipped[header.index("Статус")].value = "Доставлено"
    shipped[header.index("Місто")].value = "Одеса"
    response = client.post("/admin/orders/import", data={
        "file": (io.BytesIO(_as_ukrainian_excel_saves_it(sheet).encode("utf-8-sig")), "orders.csv"),
        "existing": "update"}, content_type="multipart/form-data")
    body = _text(response)
    assert response.status_code == 200, _error_rows(response)
    assert "Оновлено замовлень, що вже були: 1" in body and "лишилися без змін: 2." in body
    assert ("до замовлень, що вже були, ці колонки файлу не застосовано: Створено, Ім’я клієнта, E-mail, Телефон, "
            "Країна, Область, Місто,") in body
    order = db.session.get(Order, sample["kyiv_shipped"].id)
    assert order.status == "delivered" and order.delivery_city == "Київ"
    # the same header in Polish, English or Russian names the same columns; a column named twice is refused
    twice = _upload(client, "Numer zamówienia;Status;Статус;Customer name;Товар;Cena\nX-1;new;new;Anna;Sweter;300\n")
    assert twice.status_code == 422
    assert _error_rows(twice) == [("1", "status", "Статус", "Ця колонка є у файлі двічі.")]


def test_update_adds_waybills_from_four_columns_and_names_each_problem_once(app, db, make_order, make_user, client,
                                                                            login):
    items = [{"name": f"Товар {n}", "quantity": 1, "price": "100.00"} for n in range(3)]
    three_items = make_order(status="awaiting_shipment", tracking_number=False, items=items)
    new = make_order(status="new", tracking_number=False)
    login(make_user("staff").email)
    # "report": an existing order of three rows is one problem, not three
    reported = _upload(client, _text(client.get("/admin/orders/export.csv")).lstrip("\ufeff"))
    assert reported.status_code == 422
    assert sorted(value for _row, column, value, _problem in _error_rows(reported)) == sorted(
        [three_items.number, new.number])
    # "update" with only the waybill columns: an unknown number and an unknown status, each said once
    refused = client.post("/admin/orders/import", data={"existing": "update", "file": (io.BytesIO((
        "order_number,carrier,tracking_number,status\n"
        f"{three_items.number},nova_poshta,20450000000222,shipped\n"
        f"{new.number},nova_poshta,20450000000333,flying\n"
        "NO-SUCH-1,nova_poshta,20450000000444,shipped\n").encode()), "waybills.csv")},
        content_type="multipart/form-data")
    assert refused.status_code == 422
    assert _error_rows(refused) == [
        ("3", "status", "flying", "Невідомий статус «flying». Допустимі: new, awaiting_shipment, "
                                  "shipped, in_transit, delivered, returned, cancelled."),
        ("4", "order_number", "NO-SUCH-1", "Замовлення з таким номером немає, тож рядок створив би нове замовлення, "
                                           "а новому замовленню потрібні колонки, яких у файлі немає: Ім’я клієнта, "
                                           "Товар, Ціна.")]
    # the same in Russian headers, the carrier and status as staff see them: the parcels are added
    response = client.post("/admin/orders/import", data={"existing": "update", "file": (io.BytesIO((
        "Номер заказа;Перевозчик;Номер отслеживания;Статус\n"
        f"{three_items.number};nova_poshta;20450000000222;Відправлено\n"
        f"{new.number};Новая почта;20450000000333;Ожидает отправки\n").encode()), "waybills.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200, _error_rows(response)
    assert "Оновлено замовлень, що вже були: 2" in _text(response) and "не застосовано" not in _text(response)
    orders = [db.session.get(Order, o.id) for o in (three_items, new)]
    assert [(o.status, [(s.carrier, s.tracking_number) for s in o.shipments]) for o in orders] == [
        ("shipped", [("nova_poshta", "20450000000222")]), ("awaiting_shipment", [("nova_poshta", "20450000000333")])]


def _update_upload(client, rows, every_parcel=False):
    data = {"file": (io.BytesIO(_csv_text(rows).encode()), "orders.csv"), "existing": "update"}
    if every_parcel:
        data["every_parcel"] = "y"
    return client.post("/admin/orders/import", data=data, content_type="multipart/form-data")


def _parcel_numbers(client, order):
    """The parcel numbers the order page lists."""
    page = _text(client.get(f"/admin/orders/{order.id}"))
    return re.findall(r"<code>([^<]+)</code>", re.search(r'<ul class="shipments">(.*?)</ul>', page, re.S).group(1))


def test_an_export_with_a_corrected_waybill_replaces_the_parcel_when_the_file_lists_every_parcel(
        app, db, make_order, make_user, client, login):
    """The exported file, its mistyped waybill corrected, updates back: with "the file lists every
    parcel" the wrong parcel goes (it was polled and could move the order); without it the file's
    parcel is added, as a warehouse's file of new second parcels needs."""
    from app.orders.models import CarrierEvent, Shipment

    typo, fixed = "20450000000111", "20450000000222"
    order = make_order(status="shipped", tracking_number=typo)
    login(make_user("staff").email)
    form = _text(client.get("/admin/orders/import"))
    assert ('name="every_parcel" type="checkbox" value="y"> У файлі є всі відправлення його замовлень: '
            "відправлення, яких у ньому немає, прибираються із замовлення</label>") in form
    rows = list(csv.DictReader(io.StringIO(_text(client.get("/admin/orders/export.csv")).lstrip("\ufeff"))))
    rows[0]["tracking_number"] = fixed
    response = _update_upload(client, rows, every_parcel=True)
    body = _text(response)
    assert response.status_code == 200, _error_rows(response)
    assert "Оновлено замовлень, що вже були: 1" in body and "Відправлення, які змінив файл" in body
    assert (f'<li><a href="/admin/orders/{order.id}">{order.number}</a>: Замінено: {typo} → {fixed}</li>'
            in html.unescape(body))
    assert _parcel_numbers(client, order) == [fixed]
    assert db.session.execute(db.select(Shipment.tracking_number).filter_by(order_id=order.id)).scalars().all() == [fixed]

    # without the option (the default) the same kind of file adds the parcel and says so
    added = make_order(status="shipped", tracking_number="20450000000333")
    rows = [r for r in csv.DictReader(io.StringIO(_text(client.get("/admin/orders/export.csv")).lstrip("\ufeff")))
            if r["order_number"] == added.number]
    rows[0]["tracking_number"] = "20450000000444"
    response = _update_upload(client, rows)
    assert response.status_code == 200, _error_rows(response)
    assert (f"{added.number}</a>: Додано: 20450000000444 (інші відправлення замовлення залишаються)"
            in html.unescape(_text(response)))
    assert _parcel_numbers(client, added) == ["20450000000333", "20450000000444"]

    # a parcel the carrier has reported on is not removed: the file is refused on that row, nothing changes
    reported = make_order(status="shipped", tracking_number="20450000000555")
    db.session.add(CarrierEvent(shipment=db.session.get(Order, reported.id).shipments[0],
                                occurred_at=datetime(2026, 12, 1, 10), raw_code="5", raw_text="Прямує до Львова"))
    db.session.commit()
    rows = [r for r in csv.DictReader(io.StringIO(_text(client.get("/admin/orders/export.csv")).lstrip("\ufeff")))
            if r["order_number"] in (reported.number, added.number)]
    for row in rows:
        row["tracking_number"] = {reported.number: "20450000000666"}.get(row["order_number"], "20450000000777")
    refused = _update_upload(client, rows, every_parcel=True)
    assert refused.status_code == 422 and "Нічого не імпортовано" in _text(refused)
    assert [(row, column, value) for row, column, value, _problem in _error_rows(refused)] == [
        ("2", "tracking_number", "20450000000555")]
    assert "перевізник уже повідомляв про нього, тому імпорт його не прибирає" in _error_rows(refused)[0][3]
    assert _parcel_numbers(client, reported) == ["20450000000555"]
    assert _parcel_numbers(client, added) == ["20450000000333", "20450000000444"]

    # an order of two parcels: the export's line of the second (at no quantity) corrected, the first kept
    rows = [r for r in csv.DictReader(io.StringIO(_text(client.get("/admin/orders/export.csv")).lstrip("\ufeff")))
            if r["order_number"] == added.number]
    assert [(r["tracking_number"], r["item_quantity"]) for r in rows] == [("20450000000333", "1"),
                                                                          ("20450000000444", "0")]
    rows[1]["tracking_number"] = "20450000000888"
    response = _update_upload(client, rows, every_parcel=True)
    assert response.status_code == 200, _error_rows(response)
    assert f"{added.number}</a>: Замінено: 20450000000444 → 20450000000888" in html.unescape(_text(response))
    assert _parcel_numbers(client, added) == ["20450000000333", "20450000000888"]


def test_an_export_with_a_number_stored_before_todays_rule_updates_back(app, db, make_order, make_user, client,
                                                                        login):
    """A number saved before the 6–40 character rule is the order's own, not new input: the file goes in."""
    from app.orders.models import Shipment

    order = make_order(status="shipped", carrier="ukrposhta", tracking_number="RA123456789UA")
    db.session.execute(db.update(Shipment).where(Shipment.order_id == order.id).values(tracking_number="RA123"))
    db.session.commit()
    login(make_user("staff").email)
    rows = list(csv.DictReader(io.StringIO(_text(client.get("/admin/orders/export.csv")).lstrip("\ufeff"))))
    assert rows[0]["tracking_number"] == "RA123"
    rows[0]["status"] = "delivered"
    response = _update_upload(client, rows)
    assert response.status_code == 200, _error_rows(response)
    assert "Оновлено замовлень, що вже були: 1" in _text(response)
    assert db.session.get(Order, order.id).status == "delivered"
    assert _parcel_numbers(client, order) == ["RA123"]
    # a new number is still held to the rule
    rows[0]["tracking_number"], rows[0]["status"] = "RA124", ""
    refused = _update_upload(client, rows)
    assert refused.status_code == 422
    assert [(row, column, value) for row, column, value, _problem in _error_rows(refused)] == [
        ("2", "tracking_number", "RA124")]


def test_audit_log_reads_as_sentences_with_links_and_json_behind_details(app, db, make_order, make_user, client,
                                                                         login):
    order = make_order(status="delivered")
    staff = make_user("staff", name="Олена")
    admin = make_user("admin")
    login(staff.email)
    client.post(f"/admin/orders/{order.id}", data={"status": "returned", "reason": "wrong_size",
                                                   "version": order.version})
    client.post("/logout")
    login(admin.email)
    page = _text(client.get("/admin/audit"))
    row = re.search(r'<tr data-action="order.change_status">(.*?)</tr>', page, flags=re.S).group(1)
    assert "<td>Олена</td>" in row
    sentence = re.search(r'<p class="audit-sentence">(.*?)</p>', row, flags=re.S).group(1)
    assert f'Змінено замовлення <a href="/admin/orders/{order.id}">{order.number}</a>' in sentence
    assert "з «Доставлено» на «Повернення»" in sentence and "Не підійшов розмір" in sentence
    details = re.search(r"<details.*?</details>", row, flags=re.S).group(0)
    assert "&#34;status&#34;: &#34;returned&#34;" in details
    assert "{" not in sentence  # the JSON only behind the toggle


def test_audit_log_is_viewable_and_filterable_by_admins(app, db, make_order, make_user, client, login):
    order = make_order()
    staff, admin = make_user("staff"), make_user("admin")
    login(staff.email)
    client.post(f"/admin/orders/{order.id}", data={"status": "awaiting_shipment", "version": order.version})
    client.post(f"/admin/orders/{order.id}/edit", data=_edit_data(db.session.get(Order, order.id)))
    client.post("/logout")
    login(admin.email)
    page = _text(client.get("/admin/audit"))
    assert "order.change_status" in page and "order.update" in page and (staff.name or staff.email) in page
    assert "awaiting_shipment" in page  # before → after is shown
    only = client.get("/admin/audit?action=order.update", headers={"HX-Request": "true"})
    body = _text(only)
    assert "<html" not in body and 'data-action="order.update"' in body and 'data-action="order.change_status"' not in body
    assert 'data-action="order.update"' not in _text(client.get("/admin/audit?actor=nobody@example.com"))
    assert "order.update" in _text(client.get(f"/admin/audit?object_id={order.id}&actor={staff.email}"))


def test_users_create_deactivate_and_reset_password(app, db, make_user, client, login):
    admin = make_user("admin")
    login(admin.email)
    created = client.post("/admin/users", data={"email": "Nina@Example.com", "name": "Ніна", "role": "staff",
                                                "password": "long-enough-password"})
    assert created.status_code == 302
    nina = db.session.execute(db.select(User).filter_by(email="nina@example.com")).scalar_one()
    assert nina.role == "staff"
    short = client.post("/admin/users", data={"email": "x@example.com", "role": "staff", "password": "short"})
    assert short.status_code == 422
    both = _text(client.post("/admin/users", data={"email": "not-an-address", "role": "staff", "password": "short"}))
    assert "Невірна електронна адреса." in both and "щонайменше 12 символів" in both  # every error at once
    assert '<p class="flash flash-error">Перевірте виділені поля.</p>' in both  # the form is under the list
    duplicate = client.post("/admin/users", data={"email": "nina@example.com", "role": "staff",
                                                  "password": "long-enough-password"})
    assert duplicate.status_code == 422 and "уже існує" in _text(duplicate)
    customer = client.post("/admin/users", data={"email": "buyer@example.com", "role": "customer",
                                                 "password": "long-enough-password"})
    assert customer.status_code == 302
    assert db.session.execute(db.select(User).filter_by(email="buyer@example.com")).scalar_one().customer is not None
    assert client.post(f"/admin/users/{admin.id}/active", data={"active": "0"}).status_code == 302
    db.session.refresh(admin)
    assert admin.active  # an admin cannot lock themselves out
    client.post(f"/admin/users/{nina.id}/active", data={"active": "0"})
    reset = client.post(f"/admin/users/{nina.id}/reset-password")
    password = __import__("re").search(r'one-time-password"><code>([^<]+)<', _text(reset)).group(1)
    client.post("/logout")
    assert login("nina@example.com", password).status_code != 302  # deactivated
    login(admin.email)
    client.post(f"/admin/users/{nina.id}/active", data={"active": "1"})
    client.post("/logout")
    assert login("nina@example.com", password).status_code == 302
    actions = set(db.session.execute(db.select(AuditLog.action)).scalars())
    assert {"user.create", "user.deactivate", "user.activate", "user.reset_password"} <= actions
    client.post("/logout")
    login(admin.email)
    audit = _text(client.get("/admin/audit"))  # in words (the switch-off showed as "user.deactivate")
    assert "Вимкнено обліковий запис" in audit and "Знову ввімкнено обліковий запис" in audit


def test_settings_hub(app, db, make_user, make_order, client, login):
    from app import settings

    login(make_user("admin").email)
    page = _text(client.get("/admin/settings"))
    for endpoint in ("tracking_admin.branding_page", "carriers_admin.index", "notify_admin.settings_page", "api_admin.index"):
        with app.test_request_context():
            link = url_for(endpoint)
        assert f'href="{link}"' in page
        assert client.get(link).status_code == 200, link  # the page itself, not a redirect to it
    rest = {"POLL_SECONDS": "10", "SYNC_INTERVAL_MINUTES": "15", "RETENTION_MONTHS": "12"}
    bad = client.post("/admin/settings", data={"SHOP_NAME": "Льон", "DEFAULT_LANGUAGE": "uk", "ORDERS_PER_PAGE": "0",
                                               **rest})
    assert bad.status_code == 422 and settings.get("SHOP_NAME") == "Posylka"
    ok = client.post("/admin/settings", data={"SHOP_NAME": "Льон і Вовна", "DEFAULT_LANGUAGE": "uk",
                                              "ORDERS_PER_PAGE": "10", **rest})
    assert ok.status_code == 302
    assert settings.get("SHOP_NAME") == "Льон і Вовна" and settings.get("ORDERS_PER_PAGE") == "10"
    audit = db.session.execute(db.select(AuditLog).filter_by(action="settings.update")).scalar_one()
    assert audit.after_data == {"SHOP_NAME": "Льон і Вовна", "ORDERS_PER_PAGE": "10"}


def _settings_shown(page):
    return html.unescape(re.search(r'name="settings_shown"[^>]*value="([^"]*)"', page).group(1))


def test_a_stale_settings_tab_cannot_undo_another_admins_change(app, db, make_user, client, login):
    """Tab A opened the settings, tab B changed the shop name, tab A changed only the page size and saved:
    "saved", and the shop name was back to the old one. Now tab A is refused with what it typed kept."""
    from app import settings

    login(make_user("admin").email)
    fields = {"SHOP_NAME": "Posylka", "SHOP_EMAIL": "", "DEFAULT_LANGUAGE": "uk", "ORDERS_PER_PAGE": "50",
              "POLL_SECONDS": "10", "SYNC_INTERVAL_MINUTES": "15", "RETENTION_MONTHS": "12"}
    tab_a = _settings_shown(client.get("/admin/settings").get_data(as_text=True))
    tab_b = _settings_shown(client.get("/admin/settings").get_data(as_text=True))
    assert client.post("/admin/settings", data={**fields, "SHOP_NAME": "Льон і Вовна",
                                                "settings_shown": tab_b}).status_code == 302
    stale = client.post("/admin/settings", data={**fields, "ORDERS_PER_PAGE": "40", "settings_shown": tab_a})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Поки ви редагували, ці налаштування змінив хтось інший." in page
    assert re.search(r'<input[^>]*name="ORDERS_PER_PAGE"[^>]*value="40"', page)  # what was typed is kept
    assert settings.get("SHOP_NAME") == "Льон і Вовна" and settings.get("ORDERS_PER_PAGE") != "40"
    # reloaded, the page shows the new name and saves
    fresh = _settings_shown(client.get("/admin/settings").get_data(as_text=True))
    again = {**fields, "SHOP_NAME": "Льон і Вовна", "ORDERS_PER_PAGE": "40", "settings_shown": fresh}
    assert client.post("/admin/settings", data=again).status_code == 302
    assert settings.get("SHOP_NAME") == "Льон і Вовна" and settings.get("ORDERS_PER_PAGE") == "40"
    # the same form sent twice (a double click) is no conflict: what it would store is what is stored
    assert client.post("/admin/settings", data=again).status_code == 302


def test_forms_need_csrf(app, make_order, make_user, client, login):
    order = make_order()
    login(make_user("admin").email)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for path in (f"/admin/orders/{order.id}", "/admin/orders/bulk-status", "/admin/settings", "/admin/users",
                     "/admin/orders/import", f"/admin/orders/{order.id}/edit"):
            response = client.post(path, data={"status": "awaiting_shipment", "order_ids": [order.id]})
            assert response.status_code == 400, path
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert order.status == "new"


def test_users_page_calls_a_persons_name_a_name(app, make_user, client, login):
    """"Назва" is what a thing is called; a person has an "Ім'я" (pl "Imię", ru "Имя")."""
    admin = make_user("admin")
    login(admin.email)
    for language, word in (("uk", "Ім’я"), ("pl", "Imię"), ("ru", "Имя"), ("en", "Name")):
        page = _text(client.get("/admin/users", headers={"Accept-Language": language}))
        assert f">{word}</th>" in page and f'>{word}</label>' in page.replace("&#39;", "'"), language
        assert ">Назва<" not in page


def test_orders_export_is_named_by_the_shops_clock_and_says_its_charset_once(app, make_user, client, login):
    from app.clock import local_now

    login(make_user("staff").email)
    before = local_now()
    response = client.get("/admin/orders/export.csv")
    after = local_now()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    names = {f'attachment; filename="orders-{at:%Y%m%d-%H%M}.csv"' for at in (before, after)}  # Kyiv, not UTC
    assert response.headers["Content-Disposition"] in names
    assert app.config["TIMEZONE"] == "Europe/Kyiv"


def test_audit_log_names_actions_in_words_and_keeps_the_codes_as_values(app, db, make_order, make_user, client,
                                                                         login):
    from app.audit import record

    order = make_order(status="delivered")
    admin = make_user("admin")
    record("order.return_case_opened", "order", order.id, after={"case": 1, "kind": "return", "reason": "wrong_size"})
    record("privacy.erase", "customer", "7")
    db.session.commit()
    login(admin.email)
    page = _text(client.get("/admin/audit"))
    options = dict(re.findall(r'<option value="([a-z_.]+)"[^>]*>([^<]*)</option>', page))
    assert options["privacy.erase"] == "Стерто персональні дані клієнта"
    assert options["order.return_case_opened"] == "Відкрито повернення або обмін замовлення …"
    sentence = re.search(r'<tr data-action="order.return_case_opened">.*?<p class="audit-sentence">(.*?)</p>', page,
                         flags=re.S).group(1)
    assert "Відкрито повернення або обмін замовлення" in sentence and "Не підійшов розмір" in sentence
    assert "wrong_size" not in sentence and "order.return_case_opened" not in sentence


def test_a_carriers_history_entry_names_the_carrier_not_its_code(app, db, make_order, make_user, client, login):
    from app.orders import lifecycle

    order = make_order(status="shipped", carrier="nova_poshta")
    lifecycle.change_status(order, "in_transit", source="carrier", actor="nova_poshta")
    db.session.commit()
    login(make_user("staff").email)
    page = re.sub(r"\s+", " ", _text(client.get(f"/admin/orders/{order.id}")))
    assert "· Перевізник · Нова пошта</span>" in page and "nova_poshta</span>" not in page
    # the status note is shown to the customer: the form says so (it read like an internal note)
    assert "Клієнт бачить цю примітку біля кроку на своїй сторінці відстеження." in page


def test_the_orders_list_gives_each_element_its_own_id(app, sample, make_user, client, login):
    """The bulk form's status select was id="status" like the filter's, whose label then named either."""
    login(make_user("staff").email)
    ids = re.findall(r'\sid="([^"]+)"', _text(client.get("/admin/orders")))
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("path, name, limit", [("/admin/orders", "q", 200), ("/admin/users", "q", 254),
                                               ("/admin/notifications/", "q", 254), ("/admin/audit", "actor", 254),
                                               ("/admin/audit", "object_id", 64)])
def test_a_filter_box_takes_no_more_than_the_server_reads(app, make_user, client, login, path, name, limit):
    """A longer text (a pasted message) was a bare 400 naming "the filter q", and nothing at all while
    typing in the orders list's live search."""
    login(make_user("admin").email)
    page = _text(client.get(path))
    assert re.search(rf'<input[^>]*name="{name}"[^>]*maxlength="{limit}"', page), path
    assert client.get(path, query_string={name: "x" * limit}).status_code == 200


def test_a_sandbox_order_is_marked_in_the_orders_list_and_on_its_page(app, db, sample, make_user, client, login):
    """A sandbox API client's orders sit beside the real ones on the staff pages: they say what they are."""
    sandbox = sample["lviv_new"]
    sandbox.is_sandbox = True
    db.session.commit()
    login(make_user("staff").email)
    rows = dict(re.findall(r'<tr data-order="([^"]+)">(.*?)</tr>', _text(client.get("/admin/orders")), re.S))
    assert "Пісочниця" in rows[sandbox.number]
    assert all("Пісочниця" not in row for number, row in rows.items() if number != sandbox.number)
    # the order's heading (the parcel form's carrier list offers the sandbox carrier, "Пісочниця", on every order)
    def heading(order):
        return re.search(r"<h1>(.*?)</h1>", _text(client.get(f"/admin/orders/{order.id}")), re.S).group(1)

    assert "Пісочниця" in heading(sandbox)
    assert "Пісочниця" not in heading(sample["kyiv_shipped"])

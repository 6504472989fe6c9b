"""Features that meet on one page: the customer's order page and the staff order page."""
from app.database import writing
from app.tracking.models import ReturnRequest


def test_staff_see_an_open_return_request_until_the_return_is_recorded(app, db, make_user, make_order, client, login):
    customer = make_user("customer")
    order = make_order(customer=customer.customer, status="delivered")
    with writing():
        db.session.add(ReturnRequest(order_id=order.id, reason="Не підійшов розмір рукава",
                                     requested_by_user_id=customer.id))
        db.session.commit()
    login(make_user("staff").email)
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Клієнт просить про повернення" in page and "Не підійшов розмір рукава" in page
    assert f"/admin/notifications/orders/{order.id}" in page  # the order's messages are one click away
    response = client.post(f"/admin/orders/{order.id}", data={
        "status": "returned", "reason": "wrong_size", "note": "Повернули у відділенні", "version": order.version})
    assert response.status_code == 302
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Клієнт просить про повернення" not in page


def test_customer_order_page_offers_browser_notifications(app, make_user, make_order, client, login):
    customer = make_user("customer")
    order = make_order(customer=customer.customer, status="shipped")
    login(customer.email)
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert 'id="push-optin"' in page and "js/push-optin.js" in page


def test_money_reads_the_same_on_staff_and_customer_pages(app, db, make_user, make_order, client, login):
    customer = make_user("customer")
    items = [{"name": "Сукня льняна", "quantity": 1, "price": "1450.00"},
             {"name": "Шарф кашеміровий", "quantity": 2, "price": "750.00"}]
    order = make_order(customer=customer.customer, status="shipped", items=items)
    make_order(customer=customer.customer, status="new", items=items[:1], currency="PLN")
    expected = {"en": ("UAH\xa02,950.00", "PLN\xa01,450.00"), "uk": ("2\xa0950,00\xa0₴", "1\xa0450,00\xa0PLN"),
                "pl": ("2\xa0950,00\xa0UAH", "1\xa0450,00\xa0zł")}
    pages = {customer.email: (f"/orders/{order.number}", "/orders/"),
             make_user("staff").email: (f"/admin/orders/{order.id}", "/admin/orders")}
    for email, paths in pages.items():
        login(email)
        for lang, (uah, pln) in expected.items():
            for path in paths:
                html = client.get(path, query_string={"lang": lang}).get_data(as_text=True)
                assert uah in html, (lang, path)
                if path in ("/orders/", "/admin/orders"):
                    assert pln in html, (lang, path)
        client.post("/logout")

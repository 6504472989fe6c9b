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

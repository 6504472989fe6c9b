"""A carrier is named in the reader's language ("Нова пошта" to a Ukrainian customer, "Новая почта" to a
Russian one); machines (the REST API, shop platforms) keep the canonical Latin "Nova Poshta"."""
import pytest
from notify_servers import later

from app.notify.dispatcher import dispatch
from app.notify.models import DevMail
from app.orders.models import Customer

NAMES = (("uk", "Нова пошта"), ("ru", "Новая почта"), ("en", "Nova Poshta"))


def test_a_status_message_names_the_carrier_in_the_customers_language(notify, db, make_order):
    for language, _name in NAMES:
        customer = Customer(name="Олена Коваль", email=f"{language}@example.com", language=language)
        db.session.add(customer)
        db.session.commit()
        make_order(customer=customer, status="shipped")
    dispatch(now=later())
    for language, name in NAMES:
        bodies = db.session.execute(db.select(DevMail.text_body).filter_by(recipient=f"{language}@example.com")
                                    ).scalars().all()
        shipped = [body for body in bodies if name in body]
        assert shipped, (language, bodies)
        if language != "en":
            assert not any("Nova Poshta" in body for body in bodies), (language, bodies)


@pytest.mark.parametrize("language, name", NAMES)
def test_the_tracking_page_names_the_carrier_in_the_readers_language(make_user, make_order, client, login,
                                                                     language, name):
    user = make_user("customer")
    order = make_order(customer=user.customer, status="shipped", tracking_number="20450000000123")
    login(user.email)
    html = client.get(f"/orders/{order.number}", headers={"Accept-Language": language}).get_data(as_text=True)
    assert name in html
    if language != "en":
        assert "Nova Poshta" not in html

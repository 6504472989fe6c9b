"""A customer corrects their own name and phone on "My data" (GDPR Art. 16): saved and audited, a bad
phone refused with what was typed kept, nobody else's row touched, the e-mail (the log-in) read-only."""
import html

import pytest

from app import settings
from app.audit import AuditLog
from app.notify.channels.sms import SmsChannel
from app.orders.models import Customer
from tests.conftest import PASSWORD
from tests.test_csrf import _refused, _token

URL = "/account/privacy/details"


def _customer(db, customer_id):
    db.session.expire_all()
    return db.session.get(Customer, customer_id)


def test_customer_corrects_name_and_phone_and_new_messages_use_them(app, db, make_user, make_order, client, login):
    user = make_user("customer", name="Olena Old")
    order = make_order(customer=user.customer, status="processing")
    login(user.email)
    response = client.post(URL, data={"name": "  Олена Коваль ", "phone": "+380 67 765 43 21"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/privacy#details")
    customer = _customer(db, user.customer.id)
    assert (customer.name, customer.phone) == ("Олена Коваль", "+380 67 765 43 21")
    row = db.session.query(AuditLog).filter_by(action="privacy.rectify").one()
    assert row.object_id == str(customer.id) and row.actor_user_id == user.id
    assert row.after_data == {"fields": ["name", "phone"]}  # which fields, never the values
    page = client.get("/account/privacy").get_data(as_text=True)
    assert "Ваші дані збережено." in page and 'value="+380 67 765 43 21"' in page

    # the next SMS goes to the corrected number (the channel reads the customer row when queueing)
    assert SmsChannel().recipients(customer, order) == [("+380677654321", None)]


def test_a_bad_phone_is_refused_with_what_was_typed_and_nothing_changes(app, db, make_user, client, login):
    user = make_user("customer", name="Olena Old")
    before = _customer(db, user.customer.id).phone
    login(user.email)
    response = client.post(URL, data={"name": "Олена Нова", "phone": "12ab"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Enter a phone number" not in page  # in the reader's language
    assert 'value="12ab"' in page and 'value="Олена Нова"' in page
    assert page.count("+380 67 123 45 67") >= 2  # the refusal (flash and field) names an example number
    customer = _customer(db, user.customer.id)
    assert (customer.name, customer.phone) == ("Olena Old", before)
    assert db.session.query(AuditLog).filter_by(action="privacy.rectify").count() == 0

    empty = client.post(URL, data={"name": " ", "phone": ""})
    assert empty.status_code == 422 and "Вкажіть ваше ім’я." in empty.get_data(as_text=True)
    assert _customer(db, user.customer.id).name == "Olena Old"


def test_another_users_customer_is_untouched(app, db, make_user, client, login):
    me, other = make_user("customer"), make_user("customer", name="Petro Other")
    other_phone = other.customer.phone
    login(me.email)
    client.post(URL, data={"name": "Me", "phone": "+48 601 234 567", "customer_id": other.customer.id})
    assert _customer(db, me.customer.id).phone == "+48 601 234 567"
    customer = _customer(db, other.customer.id)
    assert (customer.name, customer.phone) == ("Petro Other", other_phone)


def test_the_email_is_shown_read_only_with_the_shops_contact(app, db, make_user, client, login):
    settings.put("SHOP_EMAIL", "shop@example.com")
    db.session.commit()
    user = make_user("customer")
    login(user.email)
    page = html.unescape(client.get("/account/privacy").get_data(as_text=True))
    assert f'value="{user.email}" readonly' in page
    assert "Ваш e-mail — це ваш логін" in page and 'href="mailto:shop@example.com"' in page
    client.post(URL, data={"name": "X", "phone": "", "email": "new@example.com"})
    assert db.session.get(type(user), user.id).email == user.email


def test_login_is_required(app, db, make_user, client):
    user = make_user("customer", name="Olena Old")
    response = client.post(URL, data={"name": "Stranger", "phone": ""})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _customer(db, user.customer.id).name == "Olena Old"


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_the_token_changes_nothing(self, app, db, make_user, client):
        user = make_user("customer", name="Olena Old")
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": _token(client, "/login")})
        assert _refused(client.post(URL, data={"name": "Forged", "phone": ""}))
        assert _customer(db, user.customer.id).name == "Olena Old"
        token = _token(client, "/account/privacy")
        assert client.post(URL, data={"name": "Olena New", "phone": "", "csrf_token": token}).status_code == 302
        assert _customer(db, user.customer.id).name == "Olena New"

"""What an admin changes on /admin/settings changes what people see (issue 9's correctness item)."""
import re
import time

import pytest
from sqlalchemy import create_engine, text

from app.orders import statuses

FORM = {"SHOP_NAME": "", "DEFAULT_LANGUAGE": "uk", "ORDERS_PER_PAGE": "", "POLL_SECONDS": "",
        "SYNC_INTERVAL_MINUTES": "", "RETENTION_MONTHS": ""}


@pytest.fixture
def save_settings(client, make_user, login):
    admin = make_user("admin")

    def save(**values):
        login(admin.email)
        response = client.post("/admin/settings", data={**FORM, **values})
        assert response.status_code == 302, response.get_data(as_text=True)
        client.post("/logout")

    return save


def test_shop_name_shows_in_every_page_header(client, save_settings):
    assert "<title>" in client.get("/track").get_data(as_text=True)
    save_settings(SHOP_NAME="Льон і Вовна")
    page = client.get("/track").get_data(as_text=True)
    assert re.search(r"<title>[^<]*· Льон і Вовна</title>", page)
    assert '<span class="brand-name">Льон і Вовна</span></a>' in page


def test_default_language_is_what_a_new_visitor_gets(client, save_settings):
    assert '<html lang="uk">' in client.get("/track").get_data(as_text=True)
    save_settings(DEFAULT_LANGUAGE="pl")
    page = client.get("/track").get_data(as_text=True)  # no cookie, no Accept-Language
    assert '<html lang="pl">' in page
    # the browser's language and a picked one still win over the shop's default
    assert '<html lang="en">' in client.get("/track", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_poll_interval_reaches_the_live_partial_and_its_etag(client, make_user, make_order, login, save_settings):
    user = make_user("customer")
    order = make_order(customer=user.customer, status=statuses.SHIPPED)
    login(user.email)
    url = f"/orders/{order.number}/progress"
    before = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 10s"' in before.get_data(as_text=True)
    client.post("/logout")
    save_settings(POLL_SECONDS="45")
    login(user.email)
    # the old ETag no longer matches: the page gets the new interval at its next poll
    after = client.get(url, headers={"HX-Request": "true", "If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert 'hx-trigger="every 45s"' in after.get_data(as_text=True)
    assert 'hx-trigger="every 45s"' in client.get(f"/orders/{order.number}").get_data(as_text=True)


def test_orders_per_page_sync_interval_and_retention_are_read_through_settings(app, client, make_order, make_user,
                                                                                login, save_settings):
    from app import settings

    for _ in range(6):
        make_order()
    save_settings(ORDERS_PER_PAGE="5", SYNC_INTERVAL_MINUTES="30", RETENTION_MONTHS="6")
    login(make_user("staff").email)
    page = client.get("/admin/orders").get_data(as_text=True)
    assert page.count("<tr data-order=") == 5
    # the carrier sync and the retention clean-up read these through the same function
    assert settings.get_int("SYNC_INTERVAL_MINUTES") == 30
    assert settings.get_int("RETENTION_MONTHS") == 6
    client.post("/logout")
    save_settings(ORDERS_PER_PAGE="", SYNC_INTERVAL_MINUTES="", RETENTION_MONTHS="")
    assert settings.get_int("RETENTION_MONTHS") == app.config["RETENTION_MONTHS"]


def test_settings_page_says_when_each_change_takes_effect(client, make_user, login):
    login(make_user("admin").email)
    page = client.get("/admin/settings", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "next carrier sync" in page and "next daily clean-up" in page and "(1 s)" in page


@pytest.fixture
def app_config():
    return {"SETTINGS_REFRESH_SECONDS": 1}


def test_another_process_change_is_seen_within_the_refresh_time(app, db, client, db_url):
    """The snapshot is honest: a change committed elsewhere shows within SETTINGS_REFRESH_SECONDS."""
    from app import settings

    assert settings.get("SHOP_NAME") == "Posylka"
    other = create_engine(db.engine.url)  # another server process writing the same database
    with other.begin() as conn:
        conn.execute(text("INSERT INTO settings (key, value, secret, updated_at) "
                          "VALUES ('SHOP_NAME', 'Деінде', false, CURRENT_TIMESTAMP)"))
    other.dispose()
    deadline = time.monotonic() + 3
    while settings.get("SHOP_NAME") != "Деінде":
        assert time.monotonic() < deadline, "the change was not seen within the refresh time"
        time.sleep(0.1)
    assert "Деінде" in client.get("/track").get_data(as_text=True)

"""The staff lists (orders, audit log) with a period that ends before it starts: a clear error, not "0 found"."""
import html
import re


def _text(response):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


REVERSED = "/admin/orders?date_from=2026-12-07&date_to=2026-12-01"
UK_ERROR = ("Кінцева дата 1 груд. 2026 р. раніша за початкову 7 груд. 2026 р.: період має закінчуватися не раніше дня, "
            "коли починається.")


def _alert(response):
    """The error paragraph's words, exactly (a doubled full stop would show)."""
    match = re.search(r'<p class="flash flash-error" role="alert">([^<]*)</p>', response.get_data(as_text=True))
    return " ".join(html.unescape(match.group(1)).split()) if match else None


def test_reversed_period_is_named_on_the_orders_list(app, make_order, make_user, client, login):
    make_order()
    login(make_user("staff").email)
    page = client.get(REVERSED)
    assert page.status_code == 422
    text = _text(page)
    assert _alert(page) == UK_ERROR
    assert "Знайдено замовлень" not in text
    # the filter form keeps the dates, to be corrected
    body = page.get_data(as_text=True)
    assert 'id="date_from" name="date_from" type="date" value="2026-12-07"' in body
    # an htmx filter change gets the same error in the list's fragment (htmx swaps only 2xx answers)
    fragment = client.get(REVERSED, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert _alert(fragment) == UK_ERROR
    # the export of the same filters is refused with the same words, not an empty file
    export = client.get("/admin/orders/export.csv?date_from=2026-12-07&date_to=2026-12-01")
    assert export.status_code == 400 and UK_ERROR in _text(export)
    # one day (from = to) is a period
    assert client.get("/admin/orders?date_from=2026-12-01&date_to=2026-12-01").status_code == 200


def test_reversed_period_in_english(app, make_user, client, login):
    login(make_user("staff").email)
    client.set_cookie("lang", "en")
    page = client.get(REVERSED)
    assert page.status_code == 422
    assert _alert(page) == ("The end date Dec 1, 2026 is before the start date Dec 7, 2026: the period must end on or "
                            "after the day it starts.")


def test_reversed_period_is_named_on_the_audit_log(app, make_user, client, login):
    login(make_user("admin").email)
    url = "/admin/audit?date_from=2026-12-07&date_to=2026-12-01"
    page = client.get(url)
    assert page.status_code == 422 and _alert(page) == UK_ERROR
    assert "Записів:" not in _text(page)
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and _alert(fragment) == UK_ERROR
    assert client.get("/admin/audit?date_from=2026-12-01&date_to=2026-12-07").status_code == 200

"""The shop's today (``TIMEZONE``), not the server's or UTC's: the refund form's date, the day a view is counted on."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_returns import approved_shirt_return, delivered  # noqa: F401  (a customer's delivered order)

from app.returns.models import ReturnCase

ZONES = ["Etc/GMT+12", "Etc/GMT-14"]


@pytest.fixture
def app_config(request):
    return {"TIMEZONE": request.param}


# twelve hours behind UTC and fourteen ahead: at any hour one of them is on another day than UTC
@pytest.mark.parametrize("app_config", ZONES, indirect=True)
def test_the_refund_form_offers_the_shops_today_and_takes_it(app, db, client, delivered, make_user, login,  # noqa: F811
                                                              app_config):
    user, order = delivered
    case = approved_shirt_return(db, client, login, make_user("staff"), order)
    page = client.get(f"/admin/returns/{order.number}").get_data(as_text=True)
    offered = re.search(rf'id="rf-date-{case.id}" name="date" type="date" value="([^"]+)"', page).group(1)
    assert offered == datetime.now(ZoneInfo(app_config["TIMEZONE"])).date().isoformat()
    done = client.post(f"/admin/returns/{order.number}/{case.id}/refund",
                       data={"amount": "890", "method": "card", "date": offered}, follow_redirects=True)
    assert "не може бути в майбутньому" not in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ReturnCase, case.id).refund_date.isoformat() == offered


@pytest.mark.parametrize("app_config", ZONES, indirect=True)
def test_a_tracking_page_view_counts_on_the_shops_today_in_the_analytics(app, db, make_order, make_user, client,
                                                                         login, app_config):
    from notify_servers import put_settings

    from app.notify.kpis import flush_views
    from app.orders.links import tracking_url

    put_settings(MESSAGE_TRACKING="1")
    order = make_order(status="shipped")
    with app.test_request_context():
        path = tracking_url(order, external=False)
    db.session.commit()
    assert client.get(path).status_code == 200
    flush_views(app)
    today = datetime.now(ZoneInfo(app_config["TIMEZONE"])).date().isoformat()
    login(make_user("staff").email)
    page = client.get(f"/admin/analytics/?date_from={today}&date_to={today}").get_data(as_text=True)
    assert re.search(r'data-figure="views-per-order">1,0 <span class="muted">\(1 / 1\)', page), \
        re.search(r'data-figure="views-per-order">[^\n]*', page).group(0)


@pytest.mark.parametrize("app_config", ZONES, indirect=True)
def test_a_return_arriving_within_the_shops_week_is_named_by_its_weekday(app, db, client, delivered, make_user,  # noqa: F811
                                                                        login, app_config):
    """"Arrives Thursday" for a day within the shop's coming week (its own today and six days on), "arrives
    Thu, 10 Dec" after it: the week starts on the shop's today, as the refund date does, not UTC's."""
    from babel.dates import format_date

    from app.orders.models import Shipment
    from app.tracking.presenters import format_day

    user, order = delivered
    case = approved_shirt_return(db, client, login, make_user("staff"), order)
    client.post(f"/admin/returns/{order.number}/{case.id}/waybill", data={"carrier": "nova_poshta",
                                                                         "number": "20450000007777"})
    parcel = db.session.execute(db.select(Shipment).filter_by(is_return=True)).scalar_one()
    shop_today = datetime.now(ZoneInfo(app_config["TIMEZONE"])).date()
    # the last day of the shop's week and the day after it (one of them is in UTC's week when UTC is a day behind)
    for day, weekday in ((shop_today + timedelta(days=6), True), (shop_today, True),
                         (shop_today + timedelta(days=7), False)):
        parcel.status, parcel.scheduled_delivery_date = "in_transit", day
        db.session.commit()
        page = client.get(f"/admin/returns/{order.number}").get_data(as_text=True)
        with app.test_request_context(headers={"Accept-Language": "uk"}):
            shown = format_date(day, "EEEE", locale="uk") if weekday else format_day(day)
        assert f"Ваше повернення прямує до магазину — прибуде: {shown}." in page, (day, shop_today)

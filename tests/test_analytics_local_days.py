"""The analytics count days by the shop's clock (``TIMEZONE``), not by UTC."""
import re
from datetime import date, datetime

import pytest

from app.database import writing
from app.orders import lifecycle


@pytest.fixture
def app_config():
    return {"TIMEZONE": "Europe/Kyiv"}  # UTC+2 in March


def test_a_parcel_delivered_after_midnight_in_the_shop_is_late_in_both_figures(app, db, make_order, make_user,
                                                                               client, login):
    def delivered(at):
        order = make_order(status="shipped", created_at=datetime(2026, 3, 1, 10))
        with writing():
            lifecycle.change_status(order, "delivered", source="staff", note="n", at=at)
            order.shipments[0].scheduled_delivery_date = date(2026, 3, 4)
            db.session.commit()

    delivered(datetime(2026, 3, 4, 21, 0))  # 23:00 on 4 March in Kyiv: on the expected day
    delivered(datetime(2026, 3, 4, 22, 30))  # 00:30 on 5 March in Kyiv (still the 4th in UTC): a day late
    login(make_user("staff").email)
    page = client.get("/admin/analytics/?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    shown = {name: re.sub(r"\s+", " ", value).strip()
             for name, value in re.findall(r'data-figure="([^"]+)">(.*?)</dd>', page, re.S)}
    assert re.sub(r"<[^>]+>", "", shown["late-share"]) == "50,0% (1 / 2)"
    assert re.sub(r"<[^>]+>", "", shown["on-time-rate"]) == "50,0% (1 / 2)"
    assert re.sub(r"<[^>]+>", "", shown["eta-mae"]) == "0,5"

"""The shop's own mapping (issue 14): an admin overrides what a carrier code means on the carriers
page, the default is shown beside it, the sync follows it, and every change is audited."""
import json

import pytest
from test_multi_parcel import A, _sync, nova_poshta  # noqa: F401  (the local Nova Poshta)

from app import settings
from app.audit import AuditLog
from app.carriers import overrides
from app.orders import statuses


@pytest.fixture
def app_config():
    return {"CARRIER_RETRIES": 0, "CARRIER_TIMEOUT_SECONDS": 2}


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin")
    login(user.email)
    return user


def test_an_override_changes_what_the_sync_does_and_shows_the_default(app, db, client, admin, make_order,
                                                                      nova_poshta):  # noqa: F811
    # this shop's branches hand parcels over at the counter: "7" should not light the pickup flag
    response = client.post("/admin/carriers/mapping", data={"carrier": "nova_poshta", "code": " 7 ",
                                                            "status": "in_transit", "problem": "y"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    page = client.get("/admin/carriers/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    row = page.split('class="mapping-override"')[1].split("</tr>")[0]
    assert "<code>7</code>" in row
    assert "On the way to you · delayed / problem" in row  # this shop
    assert "On the way to you · at the pickup point" in row  # the default beside it

    order = make_order(status="shipped", carrier="nova_poshta", tracking_number=A)
    nova_poshta[A] = "7"
    order, _parcels = _sync(app, db, order)
    assert order.status == statuses.IN_TRANSIT
    assert (order.at_pickup_point, order.problem) == (False, True)

    assert client.post("/admin/carriers/mapping/remove", data={"carrier": "nova_poshta", "code": "7"}
                       ).status_code == 302
    assert overrides.map_event("nova_poshta", "7").at_pickup_point is True
    audit = db.session.execute(db.select(AuditLog).where(AuditLog.action == "carriers.mapping_override")
                               .order_by(AuditLog.id)).scalars().all()
    assert [(a.object_id, a.actor_user_id) for a in audit] == [("nova_poshta:7", admin.id)] * 2
    assert audit[0].before_data is None and audit[0].after_data["status"] == "in_transit"
    assert audit[0].after_data["default"] == {"status": "in_transit", "at_pickup_point": True, "problem": False}
    assert audit[1].before_data["status"] == "in_transit" and audit[1].after_data is None


def test_an_unmapped_code_can_be_given_a_meaning(app, db, client, admin):
    assert overrides.map_event("meest", "9999") is None
    client.post("/admin/carriers/mapping", data={"carrier": "meest", "code": "9999", "status": "delivered"})
    mapped = overrides.map_event("meest", "9999")
    assert (mapped.status, mapped.at_pickup_point, mapped.problem) == ("delivered", False, False)
    # "moves nothing" is a meaning too
    client.post("/admin/carriers/mapping", data={"carrier": "dhl", "code": "Transit", "status": ""})
    assert overrides.map_event("dhl", "TRANSIT").status is None


@pytest.mark.parametrize("form, message", [
    ({"carrier": "fedex", "code": "7", "status": "delivered"}, "Оберіть перевізника."),
    ({"carrier": "nova_poshta", "code": "  ", "status": "delivered"}, "Введіть код перевізника"),
    ({"carrier": "nova_poshta", "code": "7", "status": "teleported"}, "Оберіть, що означає код."),
])
def test_a_bad_override_is_refused_with_a_clear_message_and_changes_nothing(app, db, client, admin, form,
                                                                            message):
    response = client.post("/admin/carriers/mapping", data=form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert settings.get(overrides.KEY) is None
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "carriers.mapping_override")).first() \
        is None


def test_overrides_are_one_setting_every_process_reads(app, db, client, admin):
    client.post("/admin/carriers/mapping", data={"carrier": "inpost", "code": "avizo", "status": "in_transit",
                                                 "at_pickup_point": "y"})
    assert json.loads(settings.get(overrides.KEY)) == {
        "inpost": {"avizo": {"status": "in_transit", "at_pickup_point": True, "problem": False}}}

"""A/B tests of messages: an admin gives a template a variant B and a split; each message records
the variant it was written from, and B's text is what B's customers read."""
import re

import pytest
from notify_servers import send_at_once

from app.notify import variants
from app.notify.dispatcher import dispatch
from app.notify.models import DevMail, MessageSplit, MessageVariant, Notification
from app.orders.models import Customer


@pytest.fixture
def shop(app, db):
    send_at_once()
    return app


def test_the_split_is_a_fixed_hash_of_the_message_id():
    # (id · 2654435761 mod 2³²) · 100 // 2³²: id 1 → 61, id 2 → 23, id 3 → 85, id 4 → 47
    assert [variants.assign(i, 50) for i in (1, 2, 3, 4)] == ["a", "b", "a", "b"]
    assert [variants.assign(i, 24) for i in (1, 2, 3, 4)] == ["a", "b", "a", "a"]
    assert {variants.assign(i, 0) for i in range(1, 200)} == {"a"}
    share = sum(variants.assign(i, 30) == "b" for i in range(1, 10001)) / 10000
    assert 0.28 < share < 0.32


def test_admin_sets_a_variant_and_messages_record_it(shop, db, make_user, make_order, login, client):
    admin = make_user("admin")
    login(admin.email)
    page = client.get("/admin/notifications/templates/shipped/email/ab")
    assert page.status_code == 200 and 'data-ab-running="no"' in page.get_data(as_text=True)
    bad = client.post("/admin/notifications/templates/shipped/email/ab",
                      data={"share_b": "50", "body_uk": "{{ nonsense_field }}"})
    assert bad.status_code == 422 and db.session.query(MessageSplit).count() == 0
    letters = client.post("/admin/notifications/templates/shipped/email/ab", data={"share_b": "abc", "body_uk": "Б"})
    assert letters.status_code == 422 and db.session.query(MessageSplit).count() == 0
    assert re.findall(r'id="share_b-error">([^<]*)<', letters.get_data(as_text=True)) == \
        ["Введіть ціле число від 0 до 90."]  # one clear error, not the number field's own beside the range's
    saved = client.post("/admin/notifications/templates/shipped/email/ab", data={
        "share_b": "50", "subject_uk": "Б: {{ order_number }} вже в дорозі",
        "body_uk": "Варіант Б для {{ order_number }}"})
    assert saved.status_code == 302
    assert db.session.get(MessageSplit, ("shipped", "email")).share_b == 50
    assert db.session.query(MessageVariant).filter_by(language="uk").one().body == "Варіант Б для {{ order_number }}"
    assert "A/B ●" in client.get("/admin/notifications/templates").get_data(as_text=True)

    orders = [make_order(customer=Customer(name=f"Клієнт {n}", email=f"ab{n}@example.com", language="uk"),
                         status="shipped") for n in range(6)]
    dispatch()
    rows = db.session.query(Notification).filter(Notification.channel == "email", Notification.status == "shipped",
                                                 Notification.order_id.in_([o.id for o in orders])).all()
    assert rows and {r.variant for r in rows} <= {"a", "b"}
    for row in rows:
        assert row.variant == variants.assign(row.id, 50)
        assert ("Варіант Б" in row.body) == (row.variant == "b")
    # other templates are not part of the test
    others = db.session.query(Notification).filter(Notification.channel == "email", Notification.status == "new").all()
    assert others and {r.variant for r in others} == {None}
    # stopping it
    client.post("/admin/notifications/templates/shipped/email/ab", data={"share_b": "0", "body_uk": ""})
    assert db.session.query(MessageSplit).count() == 0 and db.session.query(MessageVariant).count() == 0
    assert client.get("/admin/notifications/templates/shipped/inapp/ab").status_code == 404


def test_a_language_without_variant_b_sends_a(shop, db, make_order):
    variants.save("shipped", "email", 90, {"uk": ("", "Варіант Б")})
    db.session.commit()
    order = make_order(customer=Customer(name="Jan", email="jan@example.com", language="pl"), status="shipped")
    dispatch()
    row = db.session.query(Notification).filter_by(order_id=order.id, channel="email", status="shipped").one()
    assert row.variant == "a" and "Варіант Б" not in row.body
    assert db.session.query(DevMail).count() >= 1


def test_every_link_of_the_templates_page_answers(app, db, make_user, login, client):
    """The page offers A/B only where a test can run: in-app messages are never dispatched."""
    import re

    from app.notify.defaults import KINDS

    login(make_user("admin").email)
    body = client.get("/admin/notifications/templates").get_data(as_text=True)
    table = body.split('<table class="data">', 1)[1].split("</table>", 1)[0]
    links = set(re.findall(r'href="([^"]+)"', table))
    ab_links = {link for link in links if link.endswith("/ab")}
    assert len(ab_links) == len(KINDS) * 5 and not any("/inapp/" in link for link in ab_links)
    assert any("/inapp/uk" in link for link in links)  # its texts are still edited here
    for link in sorted(links):
        assert client.get(link).status_code == 200, link
    assert client.get("/admin/notifications/templates/new/inapp/ab").status_code == 404

"""Follow one order without an account: the signed-link page offers e-mail or SMS updates for that
order, the consent is recorded, the follower gets what the customer gets on that channel, and one
click on the link in any message stops it."""
import html
import os
import sys
from pathlib import Path

import pytest

from app import settings
from app.notify.dispatcher import dispatch
from app.notify.models import DevMail, Notification
from app.orders import lifecycle, links
from app.tracking.models import OrderFollower

sys.path.insert(0, str(Path(__file__).parent))
from notify_servers import later  # noqa: E402


def _quiet(db, sms=False):
    settings.put("NOTIFY_MERGE_SECONDS", "0")
    settings.put("NOTIFY_QUIET_HOURS", "-")
    settings.put("PUBLIC_URL", "https://shop.example")
    if sms:  # the shop has an SMS gateway: SMS is offered to followers (nothing is sent in these tests)
        settings.put("SMS_PROVIDER", "turbosms")
    db.session.commit()


def test_a_guest_follows_one_order_by_email_and_stops_with_one_click(app, db, make_order, client):
    _quiet(db)
    order = make_order(status="shipped")
    token = links.make_token(order)
    db.session.commit()
    page = client.get(f"/t/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Get the news about this order" in page and 'name="consent"' in page

    refused = client.post(f"/t/{token}/follow", data={"channel": "email", "address": "mama@example.com"},
                          headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "Tick the box to agree" in refused.get_data(as_text=True)
    assert db.session.query(OrderFollower).count() == 0
    bad = client.post(f"/t/{token}/follow", data={"channel": "email", "address": "not-an-address", "consent": "yes"},
                      headers={"Accept-Language": "en"}, follow_redirects=True)
    shown_again = bad.get_data(as_text=True)
    # the page again, the refusal on it and what was typed still in the form; the language buttons
    # lead back to the page, not to the form's POST-only address
    assert bad.status_code == 422 and "Enter an e-mail address" in shown_again
    assert 'name="address" autocomplete="email" required maxlength="254" value="not-an-address"' in shown_again
    assert 'name="consent" value="yes" required checked' in shown_again
    switched = app.test_client().post("/language", data={"lang": "pl", "next": f"/t/{token}/follow"})
    assert switched.headers["Location"] == f"/t/{token}"

    done = client.post(f"/t/{token}/follow", data={"channel": "email", "address": "Mama@Example.com ",
                                                   "consent": "yes"}, headers={"Accept-Language": "uk"},
                       follow_redirects=True)
    assert "ви отримуватимете новини про це замовлення" in done.get_data(as_text=True)
    follower = db.session.query(OrderFollower).one()
    assert (follower.address, follower.channel, follower.language) == ("mama@example.com", "email", "uk")
    assert follower.consent_at and follower.consent_text.startswith("Я погоджуюся")

    lifecycle.change_status(order, "in_transit", source="staff")
    db.session.commit()
    queued = db.session.query(Notification).filter_by(order_id=order.id, recipient="mama@example.com").all()
    assert [n.status for n in queued] == ["in_transit"]
    result = dispatch(now=later())
    db.session.expire_all()
    sent = db.session.query(Notification).filter_by(order_id=order.id, recipient="mama@example.com").one()
    assert sent.state == "sent", (result, sent.state, sent.last_error, sent.skip_reason)
    mail = db.session.query(DevMail).filter_by(recipient="mama@example.com").one()
    stop = f"https://shop.example/follow/stop/{follower.token}"
    assert stop in mail.html_body and "notifications/unsubscribe" not in mail.html_body

    path = stop.replace("https://shop.example", "")
    assert "Stop the messages" in client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # no CSRF: one click
    db.session.refresh(follower)
    assert follower.unsubscribed_at is not None
    lifecycle.change_status(order, "delivered", source="staff")
    db.session.commit()
    assert db.session.query(Notification).filter_by(order_id=order.id, recipient="mama@example.com").count() == 1
    assert client.get("/follow/stop/forged").status_code == 404


def test_without_an_sms_gateway_only_e_mail_is_offered(app, db, make_order, client):
    """With no SMS gateway set up (the demo, a shop that sends e-mail only) the form offered SMS and
    answered "Done" to a phone number, though no SMS could ever be sent."""
    _quiet(db)
    order = make_order(status="shipped")
    token = links.make_token(order)
    db.session.commit()
    page = client.get(f"/t/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="channel" value="sms"' not in page and 'name="channel" value="email"' in page
    for channel in ("email", "sms"):  # a phone typed into the e-mail field, or an old page's SMS choice
        refused = client.post(f"/t/{token}/follow", data={"channel": channel, "address": "067 555 44 33",
                                                          "consent": "yes"}, headers={"Accept-Language": "en"})
        assert refused.status_code == 422
        assert "This shop sends the news by e-mail only: enter an e-mail address." in refused.get_data(as_text=True)
    assert db.session.query(OrderFollower).count() == 0
    settings.put("SMS_PROVIDER", "turbosms")
    db.session.commit()
    assert 'name="channel" value="sms"' in client.get(f"/t/{token}").get_data(as_text=True)


def test_the_customers_own_address_is_not_sent_twice(app, db, make_order, client):
    _quiet(db)
    order = make_order(status="shipped")
    token = links.make_token(order)
    db.session.commit()
    answer = client.post(f"/t/{token}/follow", data={"channel": "email", "address": order.customer.email.upper(),
                                                     "consent": "yes"}, headers={"Accept-Language": "en"},
                         follow_redirects=True)
    assert "This address already gets the news about this order." in answer.get_data(as_text=True)
    assert db.session.query(OrderFollower).count() == 0
    lifecycle.change_status(order, "in_transit", source="staff")
    db.session.commit()
    to_customer = db.session.query(Notification).filter_by(order_id=order.id, recipient=order.customer.email,
                                                           status="in_transit").count()
    assert to_customer == 1


def test_a_finished_order_offers_no_updates_to_follow(app, db, make_order, make_user, client, login):
    """Delivered, returned or cancelled: nothing more will happen, so neither the follow form on the
    signed link nor the browser-notification button on the customer's page is offered."""
    for status in ("delivered", "returned", "cancelled"):
        user = make_user("customer", email=f"{status}@example.com")
        order = make_order(customer=user.customer, status=status)
        token = links.make_token(order)
        db.session.commit()
        page = client.get(f"/t/{token}").get_data(as_text=True)
        assert "Отримувати новини" not in page and 'name="consent"' not in page, status
        refused = client.post(f"/t/{token}/follow", data={"channel": "email", "address": "mama@example.com",
                                                          "consent": "yes"}, follow_redirects=True)
        assert "Це замовлення завершено" in refused.get_data(as_text=True)
        assert db.session.query(OrderFollower).count() == 0
        login(user.email)
        page = client.get(f"/orders/{order.number}").get_data(as_text=True)
        assert "Увімкнути сповіщення в браузері" not in page and 'id="push-optin"' not in page, status
        client.post("/logout")
    shipped = make_order(status="shipped")
    db.session.commit()
    assert 'name="consent"' in client.get(f"/t/{links.make_token(shipped)}").get_data(as_text=True)


@pytest.mark.browser
def test_the_answer_to_a_follow_or_a_report_is_shown_where_the_page_opens(app, db, make_order, live_server,
                                                                           browser, output_dir):
    """The form redirects back to its own section (#follow, #help); the flashed answer sat at the top
    of a long page, out of sight on a phone, so a refusal looked like an emptied form and nothing else."""
    _quiet(db, sms=True)
    token = links.make_token(make_order(status="shipped"))
    db.session.commit()
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/t/{token}")

    def answer_in_sight(kind, name):
        flash = page.locator(f".flash-{kind}")
        box = flash.bounding_box()
        page.screenshot(path=os.path.join(output_dir, f"{name}.png"))
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= 740, (name, box)
        return flash.inner_text()

    page.fill("#follow-address", "not-an-address")
    page.check("#follow input[name=consent]")
    page.click("#follow button[type=submit]")
    page.wait_for_load_state()
    assert "Enter an e-mail address" in answer_in_sight("error", "follow-refused")
    page.fill("#follow-address", "mama@example.com")
    page.check("#follow input[name=consent]")
    page.click("#follow button[type=submit]")
    page.wait_for_load_state()
    assert "you will get the news" in answer_in_sight("success", "follow-done")
    page.fill("#follow-address", "067 555 44 33")  # a phone, with "E-mail" still ticked: SMS is meant
    page.check("#follow input[name=consent]")
    page.click("#follow button[type=submit]")
    page.wait_for_load_state()
    assert "you will get the news" in answer_in_sight("success", "follow-by-phone-done")
    assert {(f.channel, f.address) for f in db.session.query(OrderFollower)} == {
        ("email", "mama@example.com"), ("sms", "+380675554433")}
    page.click("#help summary.button")
    page.fill("#problem-message", "The parcel has not moved for a week.")
    page.click("#help button[type=submit]")
    page.wait_for_load_state()
    assert "The shop has your message" in answer_in_sight("success", "problem-sent")
    context.close()


def test_revoking_the_links_also_stops_those_who_followed_by_a_link(app, db, make_order, make_user, client):
    """Anyone holding the signed link can ask for the order's news; those messages carry fresh tracking
    links. Revoking the order's links (it was forwarded too far) must end that too, or the follow
    keeps handing out working links."""
    _quiet(db)
    order = make_order(status="shipped")
    token = links.make_token(order)
    db.session.commit()
    stranger = app.test_client()
    assert stranger.post(f"/t/{token}/follow", data={"channel": "email", "address": "stranger@example.com",
                                                      "consent": "yes"}).status_code == 302
    assert db.session.query(OrderFollower).one().unsubscribed_at is None

    admin = app.test_client()
    admin.post("/login", data={"email": make_user("admin").email, "password": "correct-horse-battery"})
    answer = admin.post("/admin/branding/revoke", data={"order": order.number}, follow_redirects=True,
                        headers={"Accept-Language": "en"})
    assert "Those who followed the order by its link get no more news about it." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(OrderFollower).one().unsubscribed_at is not None

    lifecycle.change_status(db.session.get(type(order), order.id), "in_transit", source="staff")
    db.session.commit()
    dispatch(now=later())
    assert db.session.query(DevMail).filter_by(recipient="stranger@example.com").count() == 0
    # the customer still gets the news
    assert db.session.query(DevMail).filter_by(recipient=order.customer.email).count() >= 1


def test_an_order_follows_to_a_few_addresses_only(app, db, make_order, client):
    """Anyone holding the link could add address after address (20 an hour from each IP): an SMS for
    each on every status change, paid by the shop, and the customer's daily message cap used up by
    them. An order now has at most ORDER_FOLLOWERS_MAX active follows; one that stops frees a place."""
    _quiet(db, sms=True)
    order = make_order(status="shipped")
    token = links.make_token(order)
    db.session.commit()

    def follow(address, language="en"):
        answer = client.post(f"/t/{token}/follow", data={"channel": "sms", "address": address, "consent": "yes"},
                           headers={"Accept-Language": language}, follow_redirects=True).get_data(as_text=True)
        return html.unescape(answer)

    phones = [f"+38067123450{n}" for n in range(6)]
    for phone in phones[:5]:
        assert "you will get the news about this order" in follow(phone)
    assert "you will get the news about this order" in follow(phones[0])  # the same address again: no new place
    page = follow(phones[5])
    assert "This order's news already goes to the most addresses it may (5)." in page
    assert "you will get the news" not in page
    assert "Новини про це замовлення вже надходять на найбільшу дозволену кількість адрес (5)." in follow(phones[5], "uk")
    assert db.session.query(OrderFollower).count() == 5
    assert client.post(f"/follow/stop/{db.session.query(OrderFollower).first().token}").status_code == 200
    assert "you will get the news about this order" in follow(phones[5])
    assert db.session.query(OrderFollower).filter(OrderFollower.unsubscribed_at.is_(None)).count() == 5


def test_a_broken_link_from_a_message_leaves_a_way_on(app, db, client):
    """A customer opening an old or cut-off link from a message (stop the news, unsubscribe, the rating
    question) read that it does not work, with nowhere to go: 'write to the shop' named no address,
    'log in to change your settings' had no log-in link."""
    settings.put("SHOP_EMAIL", "shop@example.com")
    db.session.commit()
    stop = client.get("/follow/stop/garbage")
    page = stop.get_data(as_text=True)
    assert stop.status_code == 404
    assert 'href="mailto:shop@example.com"' in page and 'href="/track"' in page
    unsubscribe = client.get("/notifications/unsubscribe/garbage").get_data(as_text=True)
    assert 'href="/login?next=/notifications/settings"' in unsubscribe
    feedback = client.get("/feedback/garbage")
    assert feedback.status_code == 404 and 'href="/track"' in feedback.get_data(as_text=True)


def test_a_follower_reads_in_their_own_language_and_is_not_greeted_as_the_customer(app, db, make_order, client):
    """The customer reads Russian and is called Jan; the person following the order by the link asked in
    Polish: their mail is Polish, greets nobody by name and is not addressed to Jan."""
    from app.orders.models import Customer

    _quiet(db)
    customer = Customer(name="Jan Kowalski", email="jan@example.pl", phone="+48512345678", language="ru")
    db.session.add(customer)
    db.session.commit()
    order = make_order(customer=customer, status="shipped")
    token = links.make_token(order)
    db.session.commit()
    client.post(f"/t/{token}/follow", data={"channel": "email", "address": "anna@example.pl", "consent": "yes"},
                headers={"Accept-Language": "pl"})
    lifecycle.change_status(order, "in_transit", source="staff")
    db.session.commit()
    dispatch(now=later())
    db.session.expire_all()

    to_follower = db.session.query(DevMail).filter_by(recipient="anna@example.pl").one()
    assert to_follower.subject.startswith("Posylka: zamówienie"), to_follower.subject
    assert to_follower.text_body.startswith("Dzień dobry!"), to_follower.text_body
    assert "Jan" not in to_follower.text_body and "Jan" not in to_follower.html_body
    assert "Jan" not in to_follower.headers and "anna@example.pl" in to_follower.headers
    to_customer = db.session.query(DevMail).filter_by(recipient="jan@example.pl").order_by(DevMail.id.desc()).first()
    assert to_customer.text_body.startswith("Здравствуйте, Jan!")

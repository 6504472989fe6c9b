""""Forgot your password?": asking for a link, the e-mail (through the outbox, over real SMTP), the
link's life (signed, expiring, single-use) and the new-password form; on SQLite and PostgreSQL."""
import re
import statistics
import time
from datetime import timedelta

import pytest
from notify_servers import SmtpServer, later, send_at_once, use_smtp

from app.audit import AuditLog
from app.auth import password_reset
from app.auth.models import User
from app.clock import utcnow
from app.notify.dispatcher import dispatch
from app.notify.models import DevMail, Notification, NotificationPreference
from tests.conftest import PASSWORD

NEW = "vesna-u-lvovi-2026"
SENT_UK = "Якщо для цього e-mail є обліковий запис, ми надіслали на нього посилання"


def ask(client, email, lang="uk", **more):
    return client.post("/password/forgot", data={"email": email}, headers={"Accept-Language": lang}, **more)


def reset_rows(db):
    return db.session.execute(db.select(Notification).filter_by(kind=password_reset.KIND)
                              .order_by(Notification.id)).scalars().all()


def link_in(text):
    return re.search(r"https?://\S+/password/reset/[A-Za-z0-9_.\-]+", text).group(0)


def page_text(answer):
    """The page without its CSRF token and nonces, for comparing two answers."""
    return re.sub(r'(nonce|value)="[^"]*"', "", answer.get_data(as_text=True))


def test_the_log_in_page_links_to_the_forgotten_password_form(app, client):
    page = client.get("/login", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Забули пароль?" in page
    form = client.get("/password/forgot", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Enter the e-mail you log in with" in form and 'name="email"' in form


def test_the_answer_is_the_same_for_an_account_an_unknown_and_a_deactivated_e_mail(app, db, make_user, client):
    """Each request writes one outbox row, so the answer and its work are alike; the dispatcher then
    sends only to the active account and logs the others as skipped."""
    send_at_once()
    active, off = make_user("customer"), make_user("staff")
    off.active = False
    db.session.commit()
    answers = [ask(client, address) for address in (active.email, "nobody@example.com", off.email)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert SENT_UK in answers[0].get_data(as_text=True)
    assert page_text(answers[0]) == page_text(answers[1]) == page_text(answers[2])
    assert len(reset_rows(db)) == 3 and {r.state for r in reset_rows(db)} == {"queued"}
    result = dispatch(now=later())
    assert (result.sent, result.skipped) == (1, 2)
    db.session.expire_all()
    by_address = {row.recipient: row for row in reset_rows(db)}
    assert by_address[active.email].state == "sent"
    assert by_address["nobody@example.com"].skip_reason == by_address[off.email].skip_reason == "no_account"
    mails = db.session.execute(db.select(DevMail)).scalars().all()  # no SMTP set: the dev mailbox
    assert [m.recipient for m in mails] == [active.email]


def test_a_bad_address_is_a_translated_error_and_nothing_is_queued(app, db, client):
    answer = ask(client, "not-an-address", lang="pl")
    assert answer.status_code == 422
    assert "Podaj poprawny adres e-mail." in answer.get_data(as_text=True)
    assert reset_rows(db) == []


def test_a_customer_resets_the_password_from_the_e_mail_over_smtp(app, db, make_user, client, login):
    """The whole way: the form, the outbox, a real SMTP server, the link read from the received mail,
    the new-password form with the account page's rules; then every session of the account is over,
    the old password fails, the new one works, the link is dead and the change is audited."""
    user = make_user("customer")
    user.language = "en"
    db.session.add(NotificationPreference(customer_id=user.customer.id, email_enabled=False))  # news off
    db.session.commit()
    other_device = app.test_client()
    assert other_device.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    with SmtpServer() as smtp:
        send_at_once()
        use_smtp(smtp.port, MAIL_SENDER="Posylka <shop@example.com>")
        assert ask(client, user.email.upper(), lang="uk").status_code == 200
        assert dispatch(now=later()).sent == 1 and smtp.wait_for(1)
    mail = smtp.messages[0]
    assert mail["To"].addresses[0].addr_spec == user.email
    assert mail["Subject"] == "A new password for Posylka"  # the account's language, not the page's
    assert "List-Unsubscribe" not in mail  # nothing to unsubscribe from: the person asked for it
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "The link works once, for 60 minutes." in text and "Unsubscribe" not in text
    link = link_in(text)
    assert link.startswith("https://shop.example/password/reset/")
    assert f'href="{link}"' in html and "Set a new password" in html
    logged = reset_rows(db)[0]
    db.session.refresh(logged)
    token = link.rsplit("/", 1)[1]
    assert token not in (logged.body or "") and "[…]" in logged.body  # the log keeps no working link

    path = link.replace("https://shop.example", "")
    form = client.get(path, headers={"Accept-Language": "en"})
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "no-referrer" and "no-store" in form.headers["Cache-Control"]
    short = client.post(path, data={"new": "short", "again": "short"}, headers={"Accept-Language": "en"})
    assert short.status_code == 422
    assert "The password must be at least 12 characters long." in short.get_data(as_text=True)
    mismatch = client.post(path, data={"new": NEW, "again": NEW + "!"}, headers={"Accept-Language": "uk"})
    assert mismatch.status_code == 422 and "Паролі не збігаються." in mismatch.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)  # nothing changed yet

    done = client.post(path, data={"new": NEW, "again": NEW}, headers={"Accept-Language": "uk"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    login_page = client.get("/login", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert "Новий пароль збережено, і ви вийшли на всіх пристроях." in login_page
    assert other_device.get("/orders/").status_code == 302  # the other device is logged out
    assert login(user.email, PASSWORD).status_code == 200
    assert login(user.email, NEW).status_code == 302
    audit = db.session.execute(db.select(AuditLog).filter_by(action="user.reset_password_by_link")).scalars().all()
    assert [(a.object_id, a.actor_user_id) for a in audit] == [(str(user.id), user.id)]

    again = app.test_client().get(path, headers={"Accept-Language": "uk"})
    assert again.status_code == 404
    page = again.get_data(as_text=True)
    assert "Посилання більше не дійсне" in page and 'href="/password/forgot"' in page and "Traceback" not in page


@pytest.mark.parametrize("lang, words", [("uk", "Попросити нове посилання"), ("en", "Ask for a new link"),
                                         ("pl", "Poproś o nowy link"), ("ru", "Попросить новую ссылку")])
def test_a_tampered_or_expired_link_is_a_translated_page_with_a_way_to_ask_again(app, db, make_user, client,
                                                                                 lang, words):
    user = make_user("customer")
    good = password_reset.make_token(user, utcnow())
    expired = password_reset.make_token(user, utcnow() - timedelta(minutes=61))
    assert client.get(f"/password/reset/{good}").status_code == 200
    for token in (good[:-2] + ("AA" if not good.endswith("AA") else "BB"), expired, "x", good + "." + good):
        answer = client.get(f"/password/reset/{token}", headers={"Accept-Language": lang})
        assert answer.status_code == 404, token
        assert words in answer.get_data(as_text=True) and "Traceback" not in answer.get_data(as_text=True)
        posted = client.post(f"/password/reset/{token}", data={"new": NEW, "again": NEW})
        assert posted.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_the_link_follows_the_setting_and_dies_with_any_password_change_or_deactivation(app, db, make_user, client,
                                                                                      login):
    app.config["PASSWORD_RESET_MINUTES"] = 10
    user = make_user("customer")
    assert client.get(f"/password/reset/{password_reset.make_token(user, utcnow() - timedelta(minutes=9))}"
                      ).status_code == 200
    assert client.get(f"/password/reset/{password_reset.make_token(user, utcnow() - timedelta(minutes=11))}"
                      ).status_code == 404
    token = password_reset.make_token(user, utcnow())
    login(user.email)
    assert client.post("/logout/everywhere").status_code == 302  # "log out everywhere" ends old links too
    assert client.get(f"/password/reset/{token}").status_code == 404
    db.session.expire_all()
    user = db.session.get(User, user.id)
    token = password_reset.make_token(user, utcnow())
    user.active = False
    db.session.commit()
    assert client.get(f"/password/reset/{token}").status_code == 404


def test_a_reset_asked_long_before_it_could_be_sent_is_not_sent(app, db, make_user, client):
    send_at_once()
    user = make_user("customer")
    ask(client, user.email)
    row = reset_rows(db)[0]
    row.created_at = row.next_attempt_at = utcnow() - timedelta(minutes=61)  # the dispatcher was stopped an hour
    db.session.commit()
    result = dispatch(now=later())
    assert (result.sent, result.skipped) == (0, 1)
    db.session.expire_all()
    assert reset_rows(db)[0].skip_reason == "link_expired"


def test_the_mail_speaks_the_customers_language_else_the_page_s(app, db, make_user, client):
    send_at_once()
    polish, staff = make_user("customer"), make_user("staff")
    polish.customer.language = "pl"
    db.session.commit()
    ask(client, polish.email, lang="ru")
    ask(client, staff.email, lang="ru")
    assert dispatch(now=later()).sent == 2
    subjects = {m.recipient: m.subject for m in db.session.execute(db.select(DevMail)).scalars()}
    assert subjects == {polish.email: "Nowe hasło do Posylka", staff.email: "Новый пароль для Posylka"}


@pytest.fixture
def throttled(app):
    app.config.update(RATELIMIT_ENABLED=True, PASSWORD_RESET_RATE_LIMIT="4 per hour",
                      PASSWORD_RESET_EMAIL_RATE_LIMIT="2 per hour")
    from app.extensions import limiter

    limiter.init_app(app)
    limiter.reset()
    return app


def test_requests_are_throttled_per_e_mail_and_per_address_alike_for_unknown_e_mails(throttled, db, make_user,
                                                                                     client):
    user = make_user("customer")
    for email in (user.email, "nobody@example.com"):
        answers = [ask(client, email, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(3)]
        assert answers == [200, 200, 429], email  # the same for an account and for nobody
    page = ask(client, user.email, environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert page.status_code == 429 and "Retry-After" in page.headers
    from_one_address = [ask(client, f"someone{i}@example.com", environ_base={"REMOTE_ADDR": "10.0.2.1"}).status_code
                        for i in range(5)]
    assert from_one_address == [200, 200, 200, 200, 429]
    assert client.get("/password/forgot", environ_base={"REMOTE_ADDR": "10.0.2.1"}).status_code == 200
    assert len(reset_rows(db)) == 4 + 4  # refused requests queue nothing


def _seconds(client, email):
    started = time.perf_counter()
    assert ask(client, email).status_code == 200
    return time.perf_counter() - started


def test_asking_takes_as_long_for_an_unknown_e_mail(app, db, make_user, client):
    """Known and unknown e-mails alternate, so a busy machine slows both alike."""
    user = make_user("customer")
    _seconds(client, user.email)  # warm up
    known, unknown = [], []
    for _ in range(9):
        known.append(_seconds(client, user.email))
        unknown.append(_seconds(client, "nobody@example.com"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2, (known, unknown)

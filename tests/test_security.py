"""Security headers, cookie flags, server-side sessions, ProxyFix, encrypted secrets and logs."""
import io
import json
import logging
import sys
import time
from datetime import timedelta

from flask import g
from sqlalchemy import text

from app import logs, settings
from app.auth.sessions import UserSession
from app.clock import utcnow
from app.security import clean_frame_ancestors
from tests.conftest import PASSWORD

STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; object-src 'none'; "
              "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _cookie(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    return None


# ---- headers ---------------------------------------------------------------------------------

def test_every_page_sends_the_security_headers(app, client):
    for path in ("/", "/login", "/privacy", "/no/such/page"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == STRICT_CSP, path
        assert "unsafe-inline" not in STRICT_CSP and "unsafe-eval" not in STRICT_CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP: nothing pinned
        assert response.headers["X-Request-ID"]


def test_hsts_only_over_https(app, client):
    response = client.get("/", base_url="https://shop.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_widget_routes_may_be_framed(app, db, client):
    response = client.get("/widget/anything")
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    settings.put("WIDGET_FRAME_ANCESTORS", "https://shop.example https://*.shop.example 'unsafe-inline' javascript:")
    db.session.commit()
    policy = client.get("/widget/anything").headers["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors https://shop.example https://*.shop.example")
    assert clean_frame_ancestors("") == "'none'" and clean_frame_ancestors("bad;value") == "'none'"


def test_pages_with_personal_data_are_not_cached(app, make_user, client, login):
    assert "Cache-Control" not in client.get("/").headers
    login(make_user("customer").email)
    assert client.get("/orders/").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"  # logged in: the header names the user
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


# ---- cookies ---------------------------------------------------------------------------------

def test_cookies_are_secure_over_https_and_work_over_http(app, make_user, client):
    user = make_user("customer")
    response = client.post("/login", base_url="https://shop.example",
                           data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    session_cookie, remember = _cookie(response, "session"), _cookie(response, "remember_token")
    for cookie in (session_cookie, remember):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" + (utcnow() + timedelta(days=30)).strftime("%a, %d %b %Y") in remember  # not 365 days

    g.pop("_login_user", None)  # the test app context outlives requests; a real one does not
    plain = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = _cookie(plain, "session")
    assert "Secure" not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_can_be_forced(app, make_user):
    from app import create_app
    from tests.conftest import _config

    forced = create_app(_config(app.config["SQLALCHEMY_DATABASE_URI"], SESSION_COOKIE_SECURE="1"))
    user = make_user("customer")
    response = forced.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert "Secure" in _cookie(response, "session")


def test_proxy_fix_is_off_unless_configured(app, make_user):
    from app import create_app
    from tests.conftest import _config

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    plain = app.test_client().get("/", headers=headers)
    assert "Strict-Transport-Security" not in plain.headers
    proxied = create_app(_config(app.config["SQLALCHEMY_DATABASE_URI"], PROXY_FIX_X_PROTO=1, PROXY_FIX_X_FOR=1))
    response = proxied.test_client().get("/", headers=headers)
    assert "Strict-Transport-Security" in response.headers


# ---- sessions --------------------------------------------------------------------------------

def test_logout_invalidates_a_copied_session_cookie(app, make_user, client, login):
    user = make_user("customer")
    login(user.email)
    stolen = client.get_cookie("session").value
    assert client.get("/orders/").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/orders/").status_code == 302


def test_idle_and_absolute_session_limits(app, db, make_user, client, login):
    user = make_user("customer")
    login(user.email)
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert client.get("/orders/").status_code == 302

    login(user.email)
    row = db.session.query(UserSession).filter_by(user_id=user.id).order_by(UserSession.id.desc()).first()
    assert client.get("/orders/").status_code == 200
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/orders/").status_code == 302


def test_a_remembered_device_outlives_the_idle_limit_in_its_own_row(app, db, make_user, client):
    user = make_user("customer")
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    db.session.execute(text("UPDATE user_sessions SET last_seen_at = :t"), {"t": utcnow() - timedelta(days=1)})
    db.session.commit()
    assert client.get("/orders/").status_code == 200
    assert db.session.query(UserSession).filter_by(user_id=user.id).count() == 1


def test_a_copied_remember_cookie_dies_with_log_out_and_with_its_expiry(app, db, make_user, client):
    user = make_user("customer")
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    remembered = client.get_cookie("remember_token").value
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    assert row.remembered and row.expires_at > utcnow() + timedelta(days=app.config["REMEMBER_COOKIE_DAYS"] - 1)
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered)
    assert thief.get("/orders/").status_code == 200
    assert db.session.query(UserSession).filter_by(user_id=user.id).count() == 1  # the same device's row
    client.post("/logout")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered)
    assert fresh.get("/orders/").status_code == 302 and thief.get("/orders/").status_code == 302

    again = app.test_client()
    again.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert again.get_cookie("remember_token").value != remembered  # one per log-in, never the same
    db.session.execute(text("UPDATE user_sessions SET expires_at = :t"), {"t": utcnow() - timedelta(seconds=1)})
    db.session.commit()
    copy = app.test_client()
    copy.set_cookie("remember_token", again.get_cookie("remember_token").value)
    assert copy.get("/orders/").status_code == 302


def test_log_out_everywhere_and_password_change(app, db, make_user, login):
    user = make_user("customer")
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        browser.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
        assert browser.get("/orders/").status_code == 200
    phone.post("/logout/everywhere")
    assert laptop.get("/orders/").status_code == 302
    assert db.session.query(UserSession).filter_by(user_id=user.id).count() == 0

    laptop.post("/login", data={"email": user.email, "password": PASSWORD})
    assert laptop.get("/orders/").status_code == 200
    db.session.refresh(user)
    user.set_password("a-brand-new-password")
    db.session.commit()
    assert laptop.get("/orders/").status_code == 302



HX = {"HX-Request": "true"}


def _watching(polling_customer, client):
    """A logged-in customer whose in-transit order's partial answered 304 and page was cached."""
    user, order, url, etag = polling_customer("in_transit")
    for _ in range(2):  # the second view comes from the page cache
        assert order.number in client.get(f"/orders/{order.number}").get_data(as_text=True)
    return user, order, url, etag


def test_logged_out_sessions_get_no_quick_304_nor_cached_order_page(app, client, polling_customer):
    user, order, url, etag = _watching(polling_customer, client)
    phone = app.test_client()  # the customer is logged in elsewhere too: that row must not count here
    phone.post("/login", data={"email": user.email, "password": PASSWORD})
    assert phone.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    # a page without a route checks the session too: its header shows nobody logged in
    missing = thief.get("/no/such/page").get_data(as_text=True)
    assert 'href="/login"' in missing and 'action="/logout"' not in missing
    thief.set_cookie("session", stolen)
    for poll in (thief.get(url, headers={**HX, "If-None-Match": etag}), thief.get(url, headers=HX)):
        # htmx would follow a redirect inside its request: the whole tab is sent to the log-in page
        assert poll.status_code == 401 and poll.headers["HX-Redirect"].startswith("/login")
        thief.set_cookie("session", stolen)  # the thief keeps sending the copied cookie
    page = thief.get(f"/orders/{order.number}")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def test_idle_sessions_get_no_quick_304_nor_cached_order_page(app, db, client, polling_customer):
    user, order, url, etag = _watching(polling_customer, client)
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    poll, page = client.get(url, headers={**HX, "If-None-Match": etag}), client.get(f"/orders/{order.number}")
    assert poll.status_code == 401 and poll.headers["HX-Redirect"].startswith("/login")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert db.session.query(UserSession).filter_by(user_id=user.id).count() == 1  # not brought back to life


def test_a_form_sent_after_the_log_in_ended_leads_back_to_its_page(app, client, polling_customer):
    """Olena wrote a problem report on her order's page and logged out in another tab: sending it took
    her to the log-in page, and logging in then opened the form's POST-only address ("405 Ця дія тут
    недоступна"). Now the log-in page says the report was not saved and leads back to the order's page."""
    user, order, url, _etag = polling_customer("in_transit")
    page = f"/orders/{order.number}"
    client.post("/logout")
    sent = client.post(f"{page}/problem", data={"message": "Де посилка?"}, headers={"Referer": f"http://localhost{page}"})
    assert sent.status_code == 302
    assert "Сеанс входу завершився, тож надіслане не збережено" in client.get(sent.headers["Location"]).get_data(as_text=True)
    logged_in = client.post(sent.headers["Location"], data={"email": user.email, "password": PASSWORD})
    assert logged_in.headers["Location"] == page and client.get(page).status_code == 200
    client.post("/logout")
    # the form shown again at its own address (a refused report): the page it belongs to
    sent = client.post(f"{page}/problem", data={"message": "Де посилка?"},
                       headers={"Referer": f"http://localhost{page}/problem"})
    assert sent.headers["Location"] == "/login?next=%2Forders%2F" + order.number
    # another site, no Referer: the home page
    for referer in (f"https://elsewhere.example{page}", None):
        sent = client.post(f"{page}/problem", data={"message": "Де посилка?"}, headers={"Referer": referer} if referer else {})
        assert sent.status_code == 302 and sent.headers["Location"] == "/login", referer
    # a poll leads back to the page it polls for (htmx's HX-Current-URL), never to the fragment's address
    poll = client.get(url, headers={**HX, "HX-Current-URL": f"http://localhost{page}"})
    assert poll.status_code == 401 and poll.headers["HX-Redirect"] == "/login?next=%2Forders%2F" + order.number
    assert client.get(url, headers=HX).headers["HX-Redirect"] == "/login"


def test_a_poll_still_keeps_its_session_alive(app, db, client, polling_customer):
    """The quick 304 does not write; once the row's last touch is a minute old, a poll goes the
    normal way, which touches it, so a customer watching the page is not logged out as idle."""
    user, order, url, etag = _watching(polling_customer, client)
    row = db.session.query(UserSession).filter_by(user_id=user.id).one()
    before = utcnow() - timedelta(minutes=5)
    row.last_seen_at = before
    db.session.commit()
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    db.session.expire_all()
    assert db.session.query(UserSession).filter_by(user_id=user.id).one().last_seen_at > before + timedelta(minutes=4)


def test_a_remembered_session_cookie_still_expires_and_follows_the_key(app, client, polling_customer):
    """A verified cookie is not verified again on every poll (app/auth/__init__.py), but it
    still ends with the session's lifetime and with a change of the secret key."""
    user, order, url, etag = _watching(polling_customer, client)
    cookie = client.get_cookie("session").value
    lifetime = app.permanent_session_lifetime
    app.permanent_session_lifetime = timedelta(seconds=0)
    try:
        time.sleep(1.1)  # signed at least a second ago: older than the lifetime now
        poll = client.get(url, headers={**HX, "If-None-Match": etag})
        assert poll.status_code == 401 and poll.headers["HX-Redirect"].startswith("/login")
    finally:
        app.permanent_session_lifetime = lifetime
    client.set_cookie("session", cookie)
    assert client.get(url, headers={**HX, "If-None-Match": etag}).status_code == 304
    app.secret_key = app.config["SECRET_KEY"] = "another-secret-key-entirely"
    poll = client.get(url, headers={**HX, "If-None-Match": etag})
    assert poll.status_code == 401 and poll.headers["HX-Redirect"].startswith("/login")

# ---- secrets and logs ------------------------------------------------------------------------

def test_secret_settings_are_encrypted_at_rest_and_redacted_from_logs(app, db):
    secret = "np-live-key-5f2a9c81e7"
    settings.put("NOVAPOSHTA_API_KEY", secret, secret=True)
    db.session.commit()
    stored = db.session.execute(text("SELECT value FROM settings WHERE key = 'NOVAPOSHTA_API_KEY'")).scalar_one()
    assert secret not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert settings.get("NOVAPOSHTA_API_KEY") == secret

    stream = io.StringIO()
    handler = logs.configure(app, stream=stream)
    try:
        logging.getLogger("app.carriers").warning("calling the API with key %s failed", secret)
        logging.getLogger("app").error("SMTP refused %s", app.config["SECRET_KEY"])
    finally:
        logging.getLogger().removeHandler(handler)
    output = stream.getvalue()
    assert secret not in output and app.config["SECRET_KEY"] not in output and output.count("***") == 2

    other_key = dict(app.config, SECRET_KEY="another-instance-secret")
    with app.app_context():
        app.config.update(other_key)
        # an encrypted value needs this instance's key; without it the environment's value is used
        assert settings.get("NOVAPOSHTA_API_KEY") == app.config["NOVAPOSHTA_API_KEY"] != secret


def test_json_logs_carry_the_request_id_and_no_secret_paths(app, client):
    app.config["LOG_FORMAT"] = "json"
    stream = io.StringIO()
    handler = logs.configure(app, stream=stream)
    try:
        response = client.get("/privacy", headers={"X-Request-ID": "req-12345678"})
        client.get("/orders/PS-100001-secret-token")
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.headers["X-Request-ID"] == "req-12345678"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "posylka.access"]
    assert access[0]["request_id"] == "req-12345678" and access[0]["route"] == "/privacy"
    assert access[0]["status"] == 200 and access[0]["method"] == "GET"
    assert all("secret-token" not in json.dumps(line) for line in lines)


def test_lines_to_stderr_are_written_by_a_thread_of_their_own(app, client, capsys):
    """As served (wsgi.py): a request only queues its lines; they come out whole, in order,
    with the request id, the exception's text and the secrets redacted."""
    app.config["LOG_FORMAT"] = "json"
    handler = logs.configure(app, queued=True)
    try:
        client.get("/privacy", headers={"X-Request-ID": "req-abcdefgh"})
        try:
            raise ValueError("boom")
        except ValueError:
            jobs = logging.getLogger("posylka.jobs")
            # straight to the app's handler: pytest's own log handlers would format the record first
            handler.handle(jobs.makeRecord(jobs.name, logging.ERROR, __file__, 1, "failed with %s",
                                           (app.config["SECRET_KEY"],), sys.exc_info()))
        logs.flush()
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "posylka.access"]
    assert access[0]["request_id"] == "req-abcdefgh" and access[0]["route"] == "/privacy"
    failure = [line for line in lines if line["logger"] == "posylka.jobs"][-1]
    assert failure["message"] == "failed with ***" and "ValueError: boom" in failure["exception"]
    assert app.config["SECRET_KEY"] not in json.dumps(lines)


def test_the_widget_is_not_cached_as_a_shared_page(app, db, make_order, client):
    """The widget shows one order (items, parcel numbers, the pickup point, the history) to whoever holds
    its link, inside the shop's own page: like the signed tracking page, no cache (a shop's CDN or a
    proxy between the customer and this app) may keep a copy. Its assets stay cacheable."""
    from app.orders.links import make_token

    order = make_order(status="in_transit")
    token = make_token(order)
    db.session.commit()
    page = client.get(f"/widget/{token}")
    assert page.status_code == 200 and order.shipments[0].tracking_number in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get(f"/t/{token}").headers["Cache-Control"] == "no-store"
    poll = client.get(f"/widget/{token}/progress", headers={"HX-Request": "true"})
    assert poll.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/widget/no-such-token").headers["Cache-Control"] == "no-store"
    for asset in ("/widget/branding.css", "/widget/embed.js"):
        assert "public" in client.get(asset).headers["Cache-Control"], asset


def test_log_in_and_the_language_switch_never_lead_to_another_site(app, make_user, client):
    """"/\\evil.example" passed as a same-site path, and browsers follow it to //evil.example."""
    from urllib.parse import urlsplit

    def same_site(location):  # a path of this site, as a browser reads it
        return not urlsplit(location).netloc and location.startswith("/") and not location.startswith("//") \
            and "\\" not in location

    user = make_user("customer")
    for target in ("/\\evil.example", "/%5Cevil.example/x", "//evil.example", "https://evil.example/"):
        logged_in = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
        assert logged_in.status_code == 302 and same_site(logged_in.headers["Location"]), target
        client.post("/logout")
        switched = client.post("/language", data={"lang": "en", "next": target})
        assert same_site(switched.headers["Location"]), target

"""Test fixtures: a fresh app and database per test, on SQLite and (when configured) PostgreSQL.

The schema is always built by the migrations, once per worker and engine; each test then gets
an empty copy (SQLite: a copied file; PostgreSQL: truncated tables).

Environment:
  TEST_DATABASE_URL   a PostgreSQL database; each pytest-xdist worker uses ``<name>_<worker>``
  REQUIRE_POSTGRES=1  PostgreSQL tests fail instead of skipping when it is not configured
  REQUIRE_BROWSER=1   browser tests fail instead of skipping when Chromium is missing
"""
import os
import shutil
import socket
import threading
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.routing import Rule

from app import create_app, models  # noqa: F401  (models: the whole schema, for _empty_all)
from app.database import writing
from app.extensions import db as _db
from config import TestConfig, database_url

ENGINES = ("sqlite", "postgresql")


class BuilderSharingRule(Rule):
    """A URL rule that reuses the URL builder an equal rule of an earlier app compiled.

    Werkzeug compiles two small functions per rule (``Rule._compile_builder``, from the rule's parts
    and defaults only; the rule itself is their first argument). Each test makes a new app with the
    same ~150 rules, and compiling them again was 85 % of making an app, 0.1 s per test. Installed as
    Flask's ``url_rule_class`` for the test session (``_share_url_builders``); routing is untouched.
    """

    _compiled = {}

    def _compile_builder(self, append_unknown=True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        builder = self._compiled.get(key)
        if builder is None:
            builder = self._compiled[key] = super()._compile_builder(append_unknown)
        return builder


@pytest.fixture(scope="session", autouse=True)
def _share_url_builders():
    Flask.url_rule_class = BuilderSharingRule
    yield
    Flask.url_rule_class = Rule


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts as a real one does.

    The test's app context outlives requests, so without this a request would inherit the
    test's open read transaction (a stale SQLite snapshot that cannot be upgraded to a write)
    and per-request values cached in ``g`` (the logged-in user, the language).
    """

    def open(self, *args, **kwargs):
        from flask import g, has_app_context

        if has_app_context():
            from app.extensions import db

            session = db.session()
            if session.in_transaction():
                session.commit()
            for key in ("_login_user", "_locale"):
                g.pop(key, None)
        return super().open(*args, **kwargs)
OUTPUT_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-output")


def _flag(name):
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _worker(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def _migrate(url):
    from flask_migrate import upgrade

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.engine.dispose()


def _config(url, **extra):
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **extra})


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url(request):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        if _flag("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    url = make_url(database_url(base))
    name = f"{url.database}_{_worker(request)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if _flag("REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL at {url.host}:{url.port} is not usable: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc.__class__.__name__}")
    finally:
        admin.dispose()
    worker_url = url.set(database=name).render_as_string(hide_password=False)
    _migrate(worker_url)
    return worker_url


_emptying_engines = {}


def _empty_all(url):
    """Empty every table, children first, and restart the ids. DELETE takes ~10 ms for the few rows a
    test leaves; TRUNCATE of the 45 tables took ~0.3 s per test (it makes new files for each). One
    engine per worker keeps its connection (a new one cost another ~10 ms per test)."""
    engine = _emptying_engines.get(url)
    if engine is None:
        engine = _emptying_engines[url] = create_engine(url, pool_size=1, pool_pre_ping=True)  # a test may drop it
    with engine.begin() as conn:
        conn.execute(text("; ".join(f'DELETE FROM "{t.name}"' for t in reversed(_db.metadata.sorted_tables))))
        conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class AS c JOIN pg_namespace AS n "
                          "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'"))


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path):
    """A migrated, empty database on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _empty_all(url)
        yield url


@pytest.fixture
def app_config():
    """Extra settings for the app under test; override in a module to change them."""
    return {}


@pytest.fixture(scope="session")
def template_bytecode(tmp_path_factory):
    """Jinja's own bytecode cache, shared by every test's app of this worker: each test makes a new
    app and so a new template environment, which compiled every template it rendered again (a quarter
    of the suite's time). Keyed by each template's source, so an edited template is compiled anew."""
    return FileSystemBytecodeCache(str(tmp_path_factory.mktemp("jinja-bytecode")))


@pytest.fixture
def app(db_url, app_config, tmp_path, template_bytecode):
    application = create_app(_config(db_url, **app_config))
    application.jinja_env.bytecode_cache = template_bytecode
    application.test_client_class = FreshRequestClient
    application.instance_path = str(tmp_path)
    with application.app_context():
        yield application
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def notify(app, db):
    """No merge delay and no quiet hours unless a test sets them; a tracking page to link to."""
    if "tracking.signed" not in app.view_functions:  # the tracking page lives in another package
        app.add_url_rule("/t/<token>", endpoint="tracking.signed", view_func=lambda token: token)
    from tests.notify_servers import send_at_once

    send_at_once()
    return app


@pytest.fixture
def db(app):
    from app.extensions import db as database

    return database


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---- factories -------------------------------------------------------------------------------

PASSWORD = "correct-horse-battery"


@contextmanager
def write_transaction(db):
    """Write as a job does beside a live server: the test's read transaction (a lazy load may have
    begun one) ends first, so the write begins one that takes SQLite's write lock up front."""
    db.session.commit()
    with writing():
        yield


@pytest.fixture
def make_user(db):
    from app.auth.services import create_user

    counter = {"n": 0}

    def make(role="customer", email=None, password=PASSWORD, name=None, **kwargs):
        with write_transaction(db):
            return _make(role, email, password, name, **kwargs)

    def _make(role, email, password, name, **kwargs):
        counter["n"] += 1
        user = create_user(email or f"{role}{counter['n']}@example.com", password, role,
                           name=name or f"{role.title()} {counter['n']}", **kwargs)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_order(db):
    """``make_order(customer=None, status="new", carrier=..., tracking_number=...)``."""
    from app.orders import lifecycle, statuses
    from app.orders.models import Customer
    from app.orders.services import create_order

    counter = {"n": 0}

    def make(*args, **kwargs):
        with write_transaction(db):
            return _make(*args, **kwargs)

    def _make(customer=None, status="new", carrier="nova_poshta", tracking_number=None, items=None,
             delivery=None, **kwargs):
        counter["n"] += 1
        n = counter["n"]
        if customer is None:
            customer = Customer(name=f"Клієнт {n}", email=f"client{n}@example.com", phone=f"+38067000{n:04d}")
            db.session.add(customer)
        shipments = []
        if carrier and tracking_number is not False:
            shipments = [{"carrier": carrier, "tracking_number": tracking_number or f"2045{n:010d}"}]
        order = create_order(
            customer, items or [{"name": "Сукня льняна", "sku": "DR-104", "size": "M", "color": "синій",
                                 "quantity": 1, "price": "1450.00"}],
            delivery=delivery or {"city": "Львів", "region": "Львівська", "pickup_point": "Відділення №12"},
            shipments=shipments, source="system", **kwargs)
        path = {"cancelled": ["cancelled"], "returned": ["shipped", "returned"]}.get(
            status, list(statuses.CHAIN[1:statuses.CHAIN.index(status) + 1]) if status in statuses.CHAIN else [])
        for step in path:
            lifecycle.change_status(order, step, source="staff", note="test reason")
        db.session.commit()
        return order

    return make


@pytest.fixture
def login(client):
    def do(email, password=PASSWORD):
        return client.post("/login", data={"email": email, "password": password}, follow_redirects=False)

    return do


@pytest.fixture
def polling_customer(make_user, make_order, client, login):
    """``polling_customer(status)``: a customer logged in on ``client`` whose order's polled
    partial answered 200 and then, unchanged, 304: (user, order, url, etag)."""
    def make(status="in_transit"):
        user = make_user("customer")
        order = make_order(customer=user.customer, status=status)
        assert login(user.email).status_code == 302
        url = f"/orders/{order.number}/progress"
        etag = client.get(url, headers={"HX-Request": "true"}).headers["ETag"]
        assert client.get(url, headers={"HX-Request": "true", "If-None-Match": etag}).status_code == 304
        return user, order, url, etag

    return make


# ---- live server and browser -----------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(app, threads=4):
    """The app served by waitress on a free loopback port, in a thread of this process: its base URL.
    Its loop looks for the end every 0.1 s (waitress's default, 1 s, made every test that served the
    app wait a second to end)."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=free_port(), threads=threads, asyncore_loop_timeout=0.1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    with served(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        if _flag("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_BROWSER=1 but Chromium is not installed (apt-get install chromium)")
        pytest.skip("browser tests need Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
            "--no-first-run", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def output_dir(request):
    """A folder under test-output/ for files a person may want to look at (screenshots)."""
    path = os.path.join(OUTPUT_DIR, request.node.name.replace("/", "_").replace("[", "-").replace("]", ""))
    os.makedirs(path, exist_ok=True)
    return path

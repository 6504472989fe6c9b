"""The floor of the fixed stack: what an unchanged poll costs when it does nothing but what it must.

Issue 15 measures the app's unchanged polls against a plain Flask app with one constant route.
That ceiling does no database read and knows no user. This benchmark adds the floor between the
two: the smallest apps on the product's fixed stack that answer the same polls.

- **floor, signed link 304**: Flask with Flask-SQLAlchemy. It checks an itsdangerous signature,
  reads one indexed row (the order's last change) in the request's session, and answers 304 to
  the ETag it holds.
- **floor, logged-in 304**: the same with Flask-Login. The user is loaded from the signed
  session cookie by its id, and the order is read only if it is that user's.

No logging, no security headers, no CSRF, no translations, no rate limiter. Whatever the app
spends above these rows is its own; what these rows spend below plain Flask, no app on this stack
can avoid.

    python bench/floor.py [--requests N] [--seconds S]

The script builds a SQLite file of 10,000 orders in a temporary folder. It prints the CPU per
request in-process (WSGI calls, no server), as ``bench/overhead.py`` measures. Then it serves
plain Flask and the floor with waitress (``bench/serve.py``'s settings) and loads each with wrk
(``bench/run.py``'s settings). The floor is served by ``--serve PORT DB``. With ``--marks`` it only
runs the requests between marks for ``valgrind --tool=callgrind --dump-before=getppid`` (see
``bench/overhead.py``), which counts instructions the same on a busy machine.
"""
import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests  # noqa: E402
from flask import Flask, abort, make_response, request  # noqa: E402
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from itsdangerous import BadSignature, URLSafeSerializer  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

ORDERS = 10_000
#: the browser that logged in, as bench/run.py's wrk sends it (Flask-Login's session protection
#: re-signs the cookie of a session whose User-Agent changed)
USER_AGENT = requests.utils.default_user_agent()
db = SQLAlchemy()


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)


class Order(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(20), unique=True, nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey(User.id), index=True, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False)


def floor_app(db_path):
    app = Flask("floor")
    app.config.update(SECRET_KEY="floor", SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}")
    db.init_app(app)
    logins = LoginManager(app)
    links = URLSafeSerializer(app.config["SECRET_KEY"], salt="link")

    @logins.user_loader
    def load_user(user_id):
        return db.session.get(User, int(user_id))

    def unchanged_or_block(order_filter):
        changed = db.session.execute(db.select(Order.updated_at).where(*order_filter)).scalar_one_or_none()
        if changed is None:
            abort(404)
        response = make_response("<div>progress</div>")
        response.set_etag(f"{changed.timestamp():.6f}")
        return response.make_conditional(request)

    @app.get("/login/<int:user_id>")
    def login(user_id):
        login_user(db.session.get(User, user_id))
        return "ok"

    @app.get("/orders/<number>/progress")
    @login_required
    def progress(number):
        return unchanged_or_block((Order.number == number, Order.user_id == current_user.id))

    @app.get("/t/<token>/progress")
    def signed_progress(token):
        try:
            number = links.loads(token)
        except BadSignature:
            abort(404)
        return unchanged_or_block((Order.number == number,))

    app.link_for = links.dumps
    return app


def build(db_path):
    app = floor_app(db_path)
    with app.app_context():
        db.create_all()
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        db.session.execute(db.insert(User), [{"id": i} for i in range(1, 101)])
        db.session.execute(db.insert(Order), [{"number": f"FL-{i}", "user_id": i % 100 + 1, "updated_at": now}
                                              for i in range(ORDERS)])
        db.session.commit()
    return app


def polls(app):
    """(name, path, headers) of an unchanged poll each, with the cookie and ETag a browser holds."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    client.get("/login/2")
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    logged_in = "/orders/FL-1/progress"
    signed = f"/t/{app.link_for('FL-1')}/progress"
    out = []
    for name, path, headers in (("floor, logged-in 304", logged_in, {"Cookie": cookie}),
                                ("floor, signed link 304", signed, {})):
        etag = app.test_client(use_cookies=False).get(path, headers={**headers, "User-Agent": USER_AGENT}).headers["ETag"]
        out.append((name, path, {**headers, "If-None-Match": etag}))
    return out


def call_of(app, path, headers):
    environ = EnvironBuilder(path=path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1",
                                                                                  "HTTP_USER_AGENT": USER_AGENT}).get_environ()

    def call():
        seen = []
        body = app(dict(environ, **{"wsgi.input": io.BytesIO()}), lambda s, h, exc=None: seen.append(s))
        for _chunk in body:
            pass
        body.close()
        if not seen[0].startswith(("200", "304")):
            raise SystemExit(f"{path} answered {seen[0]}")

    return call


def served(db_path, seconds, polls_):
    from bench.run import free_port, run_wrk, wait_for

    rows = []
    for name, cmd, path_headers in (
            ("plain Flask, one constant route", [os.path.join(os.path.dirname(__file__), "serve.py"), "plain"],
             [("plain Flask, one constant route", "/", {})]),
            ("floor", [__file__, "--serve"], [(n, p, h) for n, p, h in polls_])):
        port = free_port()
        args = cmd + ([str(port)] if name != "floor" else [str(port), db_path])
        server = subprocess.Popen([sys.executable] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"http://127.0.0.1:{port}/")
            for row_name, path, headers in path_headers:
                result = run_wrk(f"http://127.0.0.1:{port}{path}", seconds, [f"{k}: {v}" for k, v in headers.items()])
                rows.append((row_name, result))
        finally:
            server.terminate()
            server.wait()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DB"))
    parser.add_argument("--marks", action="store_true", help="mark each endpoint's requests for callgrind, "
                                                             "as bench/overhead.py --marks does")
    args = parser.parse_args()
    if args.serve:
        from waitress import serve

        from bench.serve import WAITRESS
        serve(floor_app(args.serve[1]), host="127.0.0.1", port=int(args.serve[0]), **WAITRESS)
        return
    from bench.overhead import _marked, cpu_per_request
    from bench.serve import plain_app

    with tempfile.TemporaryDirectory() as folder:
        db_path = os.path.join(folder, "floor.db")
        app = build(db_path)
        polls_ = polls(app)
        if args.marks:
            _marked(call_of(plain_app(), "/", {}), [(n, call_of(app, p, h)) for n, p, h in polls_], args.requests)
            return
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · load average {load}")
        base = cpu_per_request(call_of(plain_app(), "/", {}), args.requests)
        print(f"in-process CPU per request, {args.requests} requests each")
        print(f"  {'plain Flask, one constant route':<34} {base:6.0f} µs  1.00 × plain")
        for name, path, headers in polls_:
            cost = cpu_per_request(call_of(app, path, headers), args.requests)
            print(f"  {name:<34} {cost:6.0f} µs  {base / cost:4.2f} × plain")
        rows = served(db_path, args.seconds, polls_)
        ceiling = rows[0][1]["rps"]
        print(f"served by waitress, wrk -t2 -c50 -d{args.seconds}s")
        for name, result in rows:
            print(f"  {name:<34} {result['rps']:6.0f} req/s  {result['rps'] / ceiling:4.2f} × plain"
                  f"  p99 {result['p99']:6.1f} ms")


if __name__ == "__main__":
    main()

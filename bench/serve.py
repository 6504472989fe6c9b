"""Serve the app (or a plain Flask app, the ceiling) for a benchmark: waitress on loopback, no scheduler.

The app also gets a bare endpoint (``/bench/bare``, a short constant string): its rate against
the plain Flask app's one route, served with the same waitress settings, is the app's own
per-request overhead. The log and the garbage collector are set up as ``wsgi.py`` does it (one
access line per request, to stderr; ``app.runtime.tune_gc``), so every request pays what it pays
in production.

    python bench/serve.py DATABASE_URL|plain PORT|fd:N [THREADS]

``fd:N`` serves on an inherited listening socket, so that several processes share one port.
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: the same for the app and the plain Flask app
WAITRESS = {"threads": 8, "ident": "posylka", "backlog": 2048, "connection_limit": 1000}
#: The app as production runs it (the rate limiter on, Flask-Limiter's memory storage), with
#: limits no benchmark client reaches: one loopback address logs 50 customers in and calls the API
#: thousands of times a minute. Cheap password hashes, so that the log-ins take no time.
APP_CONFIG = {"SCHEDULER_ENABLED": False, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "100000 per minute",
              "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute", "API_RATE_LIMIT": "10000000 per minute",
              "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024}


def plain_app():
    from flask import Flask

    app = Flask("plain")

    @app.route("/")
    def constant():
        return "ok"

    return app


def main():
    url, where = sys.argv[1], sys.argv[2]
    settings = dict(WAITRESS)
    if len(sys.argv) > 3:
        settings["threads"] = int(sys.argv[3])
    import logging

    from waitress import serve

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    if url == "plain":
        app = plain_app()
    else:
        from app import create_app, logs
        from app.runtime import tune_gc

        app = create_app(dict(APP_CONFIG, SQLALCHEMY_DATABASE_URI=url))
        logs.configure(app, queued=True)

        @app.route("/bench/bare")
        def bare():
            return "ok"

        tune_gc()
    if where.startswith("fd:"):
        listening = socket.socket(fileno=int(where[3:]))
        serve(app, sockets=[listening], **settings)
    else:
        serve(app, host="127.0.0.1", port=int(where), **settings)


if __name__ == "__main__":
    main()

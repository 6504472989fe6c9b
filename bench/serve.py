"""Serve the app for a benchmark: waitress on loopback, no scheduler, plus a bare endpoint.

The bare endpoint (``/bench/bare``) returns a short constant string from the same app and the
same server settings, so its requests per second are the ceiling the other figures are compared to.
The log and the garbage collector are set up as ``wsgi.py`` does it (one access line per request,
to stderr; ``app.runtime.tune_gc``), so every request pays what it pays in production.

    python bench/serve.py DATABASE_URL PORT [THREADS]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    url, port = sys.argv[1], int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    import logging

    from waitress import serve

    from app import create_app, logs
    from app.runtime import tune_gc

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 1024})
    logs.configure(app)

    @app.route("/bench/bare")
    def bare():
        return "ok"

    tune_gc()
    serve(app, host="127.0.0.1", port=port, threads=threads, ident="posylka", backlog=2048,
                   connection_limit=1000)


if __name__ == "__main__":
    main()

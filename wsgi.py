"""The serving entry point.

``app`` is what a WSGI server imports. Running this file (``make run``) also starts the
in-process scheduler (the single scheduler leader is chosen by a database lock) and
serves with waitress on HOST:PORT.
"""
from app import create_app, logs, sentry

app = create_app()
logs.configure(app)  # written by the logging thread itself: importing this module starts no thread


def serve():
    import logging
    import signal

    import waitress

    from app.runtime import tune_gc
    from app.scheduler import start_scheduler

    def stop(signum, frame):
        # SIGTERM (systemd's stop, docker stop, kill) ends the process the way Ctrl+C does:
        # waitress finishes the requests in hand, then the exit handlers run (the last log
        # lines are written, the scheduler stops and hands its lease on). By default SIGTERM
        # would end the process on the spot, and none of that would happen.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    logs.configure(app, queued=True)  # requests only queue their lines
    sentry.init(app)  # with SENTRY_DSN: unhandled errors go to Sentry (its own sending thread)
    tune_gc()
    start_scheduler(app)
    host, port = app.config["HOST"], int(app.config["PORT"])
    print(f" * Posylka is serving on http://{host}:{port}/", flush=True)
    # Behind a proxy the app's ProxyFix (PROXY_FIX_X_*) trusts exactly that many X-Forwarded-* values;
    # waitress would otherwise delete those headers before the app sees them (its default without its
    # own trusted_proxy), and every request would look like plain http from 127.0.0.1
    proxied = any(int(app.config.get(f"PROXY_FIX_X_{name}", 0) or 0) for name in ("FOR", "PROTO", "HOST", "PORT",
                                                                                 "PREFIX"))
    waitress.serve(app, host=host, port=port, threads=int(app.config.get("WAITRESS_THREADS", 8)),
                   ident="posylka", clear_untrusted_proxy_headers=not proxied)
    logging.getLogger("posylka").info("Posylka stopped")


if __name__ == "__main__":
    serve()

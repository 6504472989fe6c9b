"""The serving entry point.

``app`` is what a WSGI server imports. Running this file (``make run``) also starts the
in-process scheduler (the single scheduler leader is chosen by a database lock) and
serves with waitress on HOST:PORT.
"""
from app import create_app, logs

app = create_app()
logs.configure(app)


def serve():
    from app.runtime import tune_gc
    from app.scheduler import start_scheduler
    from app.serving import serve as waitress_serve

    tune_gc()
    start_scheduler(app)
    host, port = app.config["HOST"], int(app.config["PORT"])
    print(f" * Posylka is serving on http://{host}:{port}/", flush=True)
    waitress_serve(app, host=host, port=port, threads=int(app.config.get("WAITRESS_THREADS", 8)),
                   ident="posylka")


if __name__ == "__main__":
    serve()

"""Serving with waitress, keeping connections open after bodiless answers.

waitress 3.0.2 closes the connection after every answer without a Content-Length, and it never
sends one for ``304 Not Modified`` (nor 204) because those have no body. For a tracking page
that polls, nearly every answer is a 304, so each poll would pay a new TCP connection. A 304
never has a body, so its end is known and HTTP/1.1 keeps the connection (RFC 9110 §15.4.5);
``KeepAliveTask`` only stops that one needless close. Every other reason to close (the client
asked, an error, a short body) is untouched.
"""
import logging

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import WSGITask


class KeepAliveTask(WSGITask):
    _bodiless_keep_alive = False

    def set_close_on_finish(self):
        if self._bodiless_keep_alive:
            return
        super().set_close_on_finish()

    def build_response_header(self):
        self._bodiless_keep_alive = (
            not self.has_body and self.version == "1.1" and not self.close_on_finish
            and self.request.headers.get("CONNECTION", "").lower() != "close")
        try:
            return super().build_response_header()
        finally:
            self._bodiless_keep_alive = False


class KeepAliveChannel(HTTPChannel):
    task_class = KeepAliveTask


def make_server(app, **options):
    """``waitress.create_server`` whose connections use ``KeepAliveChannel``."""
    server = waitress.create_server(app, **options)
    servers = [server] if isinstance(server, BaseWSGIServer) else [
        s for s in getattr(server, "map", {}).values() if isinstance(s, BaseWSGIServer)]
    for each in servers:
        each.channel_class = KeepAliveChannel
    return server


def serve(app, **options):
    """``waitress.serve`` with ``KeepAliveChannel`` (same options)."""
    logging.basicConfig()  # as waitress.serve does (idempotent)
    server = make_server(app, **options)
    server.print_listen("Serving on http://{}:{}")
    server.run()

"""The serving entry point keeps connections open after a 304 (every unchanged poll is one)."""
import http.client
import threading

from app.serving import make_server


def _app(environ, start_response):
    if environ.get("HTTP_IF_NONE_MATCH") == '"v1"':
        start_response("304 Not Modified", [("ETag", '"v1"')])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5"), ("ETag", '"v1"')])
    return [b"hello"]


def test_a_304_keeps_the_connection_and_other_closes_still_happen():
    server = make_server(_app, host="127.0.0.1", port=0, threads=2, ident="test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=5)
        conn.request("GET", "/")
        first = conn.getresponse()
        assert first.read() == b"hello"
        sock = conn.sock
        for _ in range(3):
            conn.request("GET", "/", headers={"If-None-Match": '"v1"'})
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 304 and answer.getheader("Connection") is None
        assert conn.sock is sock  # one connection for all four requests
        conn.request("GET", "/", headers={"If-None-Match": '"v1"', "Connection": "close"})
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 304 and answer.getheader("Connection") == "close"  # the client's wish holds
        conn.close()
    finally:
        server.close()

"""The serving entry point: connections stay open after a 304 (every unchanged poll is one), and a
SIGTERM stops the server cleanly."""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import requests

from app.serving import make_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def test_sigterm_finishes_the_process_cleanly(sqlite_template, tmp_path):
    """systemd and docker stop a service with SIGTERM: the server stops accepting, the exit
    handlers run (the last log lines are written, the scheduler hands its lease on) and the
    process exits 0, instead of dying mid-write with the signal."""
    database = tmp_path / "shop.db"
    shutil.copyfile(sqlite_template, database)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", PORT=str(port), SCHEDULER_ENABLED="1",
               SECRET_KEY="test-secret", LOG_LEVEL="INFO")
    server = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz?last=1", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        assert answer.status_code == 200
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, output[-3000:]
    assert "GET /healthz 200" in output  # the request's access line
    assert output.rstrip().splitlines()[-1].endswith("Posylka stopped"), output[-3000:]

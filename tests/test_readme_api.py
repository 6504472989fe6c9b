"""The README's API walkthrough, run as written against a server on a port of its own (not 8000):
only its BASE line and the client's credentials are the test's."""
import os
import re
import subprocess

from app.api.services import create_client
from app.database import writing

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def _walkthrough():
    text = open(README, encoding="utf-8").read()
    start = text.index("Try it against the demo")
    return re.search(r"```sh\n(.*?)```", text[start:], flags=re.S).group(1)


def _run(script, base, client_id, secret):
    script = script.replace("BASE=http://127.0.0.1:8000", f"BASE={base}")
    script = re.sub(r"^\.venv/bin/flask .*create-api-client.*$", "", script, flags=re.M)
    script = script.replace("CLIENT_ID=paste-the-client-id CLIENT_SECRET=paste-the-secret",
                            f"CLIENT_ID={client_id} CLIENT_SECRET={secret}")
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)


def test_the_api_walkthrough_works_on_any_port_and_fails_readably(app, db, live_server):
    script = _walkthrough()
    assert "8000" in script.splitlines()[0] and script.count("8000") == 1  # one line to change
    with writing():
        api_client, secret = create_client("My ERP", "read:shipments write:shipments")
        db.session.commit()
    done = _run(script, live_server, api_client.client_id, secret)
    assert done.returncode == 0, done.stderr
    assert '"number":"PS-' in done.stdout and '"items":[]' in done.stdout  # the order, then the empty list
    assert "\"status_label\":\"Нове\"" in done.stdout and "Traceback" not in done.stderr  # UTF-8, not \u-escaped
    refused = _run(script, live_server, api_client.client_id, "wrong-secret")
    assert "Traceback" not in refused.stdout + refused.stderr
    assert "no token from" in refused.stdout and "invalid_client" in refused.stdout

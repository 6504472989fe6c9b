"""The per-client rate limit of the API (Flask-Limiter): 429 with Retry-After, problem+json."""
import base64
import os

import pytest


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"}


def _token(client, db, name):
    from app.api.services import create_client

    api_client, secret = create_client(name, "read:shipments")
    db.session.commit()
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {basic}"})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_rate_limit_is_per_client_with_retry_after(app, client, db):
    first, second = _token(client, db, "First"), _token(client, db, "Second")
    for _ in range(3):
        assert client.get("/api/shipments", headers=first).status_code == 200
    response = client.get("/api/shipments", headers=first)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert response.get_json()["status"] == 429 and response.get_json()["detail"]
    polish = client.get("/api/shipments", headers={**first, "Accept-Language": "pl"}).get_json()["detail"]
    assert polish.startswith("Ten klient wysłał ponad 3 żądań w ciągu 60 s.") and "per" not in polish  # no English
    # another client has its own budget
    assert client.get("/api/shipments", headers=second).status_code == 200


SUBPROCESS = r"""
import sys
from app import create_app
from config import TestConfig
url, prefix, token = sys.argv[1:4]
config = type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": True,
                                    "API_RATE_LIMIT": "3 per minute", "RATELIMIT_KEY_PREFIX": prefix,
                                    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
app = create_app(config)
client = app.test_client()
print(" ".join(str(client.get("/api/shipments", headers={"Authorization": "Bearer " + token}).status_code)
               for _ in range(3)))
"""


def _redis_up():
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


class TestSharedStore:
    """With RATELIMIT_STORAGE_URI on Redis, requests served by another process count too."""

    @pytest.fixture
    def app_config(self):
        import uuid

        if not _redis_up():
            if os.environ.get("REQUIRE_REDIS", "").lower() in {"1", "true", "yes", "on"}:
                pytest.fail("REQUIRE_REDIS=1 but Redis is not running on 127.0.0.1:6379")
            pytest.skip("the shared-store test needs Redis on 127.0.0.1:6379")
        return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
                "RATELIMIT_KEY_PREFIX": f"posylka-test-{uuid.uuid4().hex}"}

    def test_limit_holds_across_processes(self, app, client, db):
        import os
        import subprocess
        import sys

        headers = _token(client, db, "Shared")
        token = headers["Authorization"].split(" ", 1)[1]
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        other = subprocess.run([sys.executable, "-c", SUBPROCESS, app.config["SQLALCHEMY_DATABASE_URI"],
                                app.config["RATELIMIT_KEY_PREFIX"], token],
                               cwd=root, capture_output=True, text=True, timeout=60)
        assert other.stdout.split() == ["200", "200", "200"], other.stderr[-2000:]
        response = client.get("/api/shipments", headers=headers)
        assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1

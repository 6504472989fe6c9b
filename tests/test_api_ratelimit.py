"""The per-client rate limit of the API (Flask-Limiter): 429 with Retry-After, problem+json."""
import base64

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
    # another client has its own budget
    assert client.get("/api/shipments", headers=second).status_code == 200

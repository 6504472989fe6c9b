"""Log-in throttling per account and per address, with the rate limiter switched on."""
import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "10 per minute",
            "LOGIN_ACCOUNT_RATE_LIMIT": "5 per minute;20 per hour"}


def _attempt(client, email, password="wrong-password-1", address="198.51.100.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_an_account_is_throttled_whatever_the_address(app, make_user, client):
    user = make_user("customer")
    for n in range(5):
        assert _attempt(client, user.email, address=f"198.51.100.{n + 1}").status_code == 200
    blocked = _attempt(client, user.email.upper(), password=PASSWORD, address="203.0.113.50")
    assert blocked.status_code == 429
    assert "Забагато спроб" in blocked.get_data(as_text=True)  # the translated 429 page
    assert int(blocked.headers["Retry-After"]) > 0
    # another account from the same addresses is not affected
    other = make_user("customer")
    assert _attempt(client, other.email, password=PASSWORD, address="198.51.100.1").status_code == 302


def test_an_address_is_throttled_across_accounts(app, make_user, client):
    for n in range(10):
        assert _attempt(client, f"nobody{n}@example.com").status_code == 200
    assert _attempt(client, "nobody-else@example.com").status_code == 429
    user = make_user("customer")
    assert _attempt(client, user.email, password=PASSWORD, address="192.0.2.77").status_code == 302


def test_successful_log_ins_do_not_count(app, make_user, client):
    user = make_user("customer")
    for _ in range(8):
        assert _attempt(client, user.email, password=PASSWORD).status_code == 302
        client.post("/logout")
    assert _attempt(client, user.email, password=PASSWORD).status_code == 302


def test_guessing_from_elsewhere_never_locks_the_owner_out_of_a_known_browser(app, make_user, client):
    user = make_user("admin")
    owner = app.test_client()
    assert _attempt(owner, user.email, password=PASSWORD, address="192.0.2.10").status_code == 302
    owner.post("/logout")
    for n in range(25):  # someone guessing from many addresses: more than both windows allow
        _attempt(client, user.email, address=f"198.51.100.{n + 1}")
    assert _attempt(client, user.email, password=PASSWORD, address="198.51.100.99").status_code == 429
    # the owner's browser, where this account logged in before, still gets in
    assert _attempt(owner, user.email, password=PASSWORD, address="192.0.2.10").status_code == 302
    # a forged or foreign cookie does not help
    stranger = app.test_client()
    stranger.set_cookie("known_device", "forged")
    assert _attempt(stranger, user.email, password=PASSWORD, address="203.0.113.9").status_code == 429


def test_wrong_passwords_count_once_across_changing_the_password_and_erasing_the_account(app, make_user, client,
                                                                                           login):
    user = make_user("customer")
    assert login(user.email).status_code == 302
    new = {"new": "a-new-long-password-1", "again": "a-new-long-password-1"}
    for _ in range(5):  # PASSWORD_CHECK_RATE_LIMIT: 5 per minute
        wrong = client.post("/account/password", data={"current": "wrong-password-1", **new})
        assert wrong.status_code == 400
    blocked = client.post("/account/privacy/erase", data={"password": PASSWORD})
    assert blocked.status_code == 429
    assert "Забагато спроб" in blocked.get_data(as_text=True)
    assert user.customer is not None and user.customer.name  # nothing erased

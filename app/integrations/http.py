"""The one way the pulls read a platform: a GET whose answer must be JSON, or a PlatformError."""
import requests

from app import settings
from app.outbound import admin_request


class PlatformError(Exception):
    """The platform could not be read (unreachable, refused, not JSON); ``str()`` says why, for the admin."""

    def __init__(self, platform, message):
        super().__init__(f"{platform}: {message}")
        self.platform = platform
        self.retry, self.code = True, None


def _request(platform, method, url, *, headers=None, **kwargs):
    """The guarded request with the platform timeout, asking for JSON; unreachable is a PlatformError."""
    try:
        return admin_request(method, url, headers=dict(headers or {}, Accept="application/json"),
                             timeout=settings.get_int("PLATFORM_TIMEOUT_SECONDS", 20), **kwargs)
    except requests.RequestException as error:
        raise PlatformError(platform, f"unreachable ({error.__class__.__name__})")


def get_json(platform, url, *, params=None, headers=None, auth=None):
    response = _request(platform, "GET", url, params=params, headers=headers, auth=auth)
    if response.status_code in (401, 403):
        raise PlatformError(platform, f"HTTP {response.status_code}: the token or key was refused")
    if response.status_code != 200:
        raise PlatformError(platform, f"HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise PlatformError(platform, f"the answer is not JSON ({response.headers.get('Content-Type', '?')[:60]})")


def send(platform, method, url, *, json=None, data=None, headers=None, auth=None):
    """A write to the platform; the answer's JSON (or None). PlatformError says what went wrong, and
    ``retry`` whether trying again can help (timeouts, 429, 5xx: yes; a refused request: no)."""
    response = _request(platform, method, url, json=json, data=data, headers=headers, auth=auth)
    if response.status_code >= 300:
        error = PlatformError(platform, f"HTTP {response.status_code}: {response.text[:200]}")
        error.retry = response.status_code == 429 or response.status_code >= 500
        error.code = response.status_code
        raise error
    try:
        return response.json()
    except ValueError:
        return None

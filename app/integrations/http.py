"""The one way the pulls read a platform: a GET whose answer must be JSON, or a PlatformError."""
import requests

from app import settings


class PlatformError(Exception):
    """The platform could not be read (unreachable, refused, not JSON); ``str()`` says why, for the admin."""

    def __init__(self, platform, message):
        super().__init__(f"{platform}: {message}")
        self.platform = platform


def get_json(platform, url, *, params=None, headers=None, auth=None):
    timeout = settings.get_int("PLATFORM_TIMEOUT_SECONDS", 20)
    try:
        response = requests.get(url, params=params, headers=dict(headers or {}, Accept="application/json"),
                                auth=auth, timeout=timeout, allow_redirects=False)
    except requests.RequestException as error:
        raise PlatformError(platform, f"unreachable ({error.__class__.__name__})")
    if response.status_code in (401, 403):
        raise PlatformError(platform, f"HTTP {response.status_code}: the token or key was refused")
    if response.status_code != 200:
        raise PlatformError(platform, f"HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise PlatformError(platform, f"the answer is not JSON ({response.headers.get('Content-Type', '?')[:60]})")

"""The account's device list names a log-in by browser and system, not by its raw User-Agent string."""
import pytest

from app.auth.user_agents import SHORT, describe


@pytest.mark.parametrize("user_agent,name", [
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 "
     "Safari/537.36", "Headless Chrome 156 · Linux"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.1 Mobile/15E148 Safari/604.1", "Safari 17 · iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121 · Windows"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 "
     "Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet 23 · Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36 Edg/120.0.2210.91", "Edge 120 · Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
     "Safari/605.1.15", "Safari 17 · macOS"),
    ("curl/8.5.0", "curl/8.5.0"),
    (None, None),
    ("", None),
])
def test_a_user_agent_reads_as_browser_and_system(user_agent, name):
    assert describe(user_agent) == name


def test_an_unknown_long_user_agent_is_shortened():
    name = describe("some-bot/2.0 " + "x" * 200)
    assert len(name) == SHORT and name.endswith("…")

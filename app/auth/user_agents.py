"""A short, readable name for a browser's User-Agent string ("Chrome 120 · Android"), for the account's
list of log-in devices: the raw string is long, and people recognise a device by browser and system."""
import re

# the first match names the browser: Edge, Opera and Samsung Internet also say "Chrome", Chrome says "Safari"
BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"(?:OPR|Opera)/(\d+)"),
    ("Samsung Internet", r"SamsungBrowser/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Headless Chrome", r"HeadlessChrome/(\d+)"),
    ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/"),
)
SYSTEMS = (
    ("iOS", r"iPhone|iPad|iPod"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
)
#: an unrecognised string is shown cut to this many characters (the full one stays in a tooltip)
SHORT = 40


def describe(user_agent):
    """"Firefox 121 · Windows"; an unknown string shortened to ``SHORT`` characters; None for none."""
    if not user_agent:
        return None
    browser = next((f"{name} {match.group(1)}" for name, pattern in BROWSERS
                    if (match := re.search(pattern, user_agent))), None)
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, user_agent)), None)
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)
    return user_agent if len(user_agent) <= SHORT else user_agent[:SHORT - 1] + "…"

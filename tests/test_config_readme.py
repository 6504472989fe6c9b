"""Every environment variable the README's configuration table lists is really read (issue #20).

The table is parsed, each name gets a value unlike its default, and a fresh interpreter imports
``config`` with them: each must arrive in ``Config`` as set (typed as its default is).
"""
import json
import os
import re
import subprocess
import sys

from config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECIAL = {"SESSION_COOKIE_SECURE": ("1", True)}  # "auto" by default; 1/0 force it


def readme_names():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    table = text[text.index("## Configuration"):text.index("## Command line")]
    names = []
    for line in table.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1])
    return names


def sample(name):
    """(the environment value, what Config should then hold)."""
    if name in SPECIAL:
        return SPECIAL[name]
    default = getattr(Config, name, None)
    if isinstance(default, bool):
        return ("0", False) if default else ("1", True)
    if isinstance(default, int):
        return str(default + 7), default + 7
    if isinstance(default, float):
        return str(default + 0.5), default + 0.5
    return f"readme-{name.lower()}", f"readme-{name.lower()}"


def test_every_variable_in_the_readme_table_is_read_from_the_environment():
    names = readme_names()
    assert len(names) > 100 and "CARRIER_CONNECT_TIMEOUT_SECONDS" in names and "INPOST_RATE_LIMIT" in names
    not_settings = [name for name in names if not hasattr(Config, name)]
    assert not not_settings, f"listed in the README but not read by config.py: {not_settings}"
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update({name: sample(name)[0] for name in names})
    script = ("import json, config; print(json.dumps({n: getattr(config.Config, n) for n in "
              + repr(names) + "}))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    seen = json.loads(out)
    wrong = {name: (seen[name], sample(name)[1]) for name in names if seen[name] != sample(name)[1]}
    assert not wrong, f"set in the environment, not what Config holds (seen, expected): {wrong}"

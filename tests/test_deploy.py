"""The production files a shop owner follows (deploy/, compose.yaml, the README's steps) stay true.

The README's bare-server steps were followed by hand in a clean directory (see the issue #16
report); these checks keep the files those steps use from drifting from the app.
"""
import os
import re
import subprocess

import yaml

from config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as fh:
        return fh.read()


def test_the_env_example_names_only_real_settings_and_reads_alike_in_sh():
    text = _read("deploy", "posylka.env.example")
    names = re.findall(r"^([A-Z_]+)=", text, flags=re.M)
    assert {"DATABASE_URL", "PUBLIC_URL", "SMTP_HOST", "MAIL_SENDER"} <= set(names)
    assert [n for n in names if not hasattr(Config, n)] == []
    # the README sources it in sh for the first admin and the backups: a bare "<" would be a redirect
    env = subprocess.run(["sh", "-c", "set -a; . ./deploy/posylka.env.example; set +a; env"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "MAIL_SENDER=shop@example.com\n" in env


def test_the_systemd_unit_runs_what_the_readme_says():
    unit = _read("deploy", "posylka.service")
    assert "EnvironmentFile=/etc/posylka/posylka.env" in unit
    assert "ExecStartPre=/opt/posylka/.venv/bin/flask --app wsgi db upgrade" in unit
    assert "ExecStart=/opt/posylka/.venv/bin/python wsgi.py" in unit and os.path.exists(os.path.join(ROOT, "wsgi.py"))
    assert "ReadWritePaths=/opt/posylka/instance /var/backups/posylka" in unit
    readme = _read("README.md")
    for step in ("deploy/posylka.service", "create-user --role admin", "install -d -o 10001 -g 10001 backups",
                 "docker compose exec -T app flask backup /backups/", "SPF", "DKIM", "**Upgrading.**"):
        assert step in readme, step


def test_compose_requires_public_url_and_passes_the_mail_settings():
    app = yaml.safe_load(_read("compose.yaml"))["services"]["app"]
    environment = app["environment"]
    assert environment["PUBLIC_URL"].startswith("${PUBLIC_URL:?")  # refused to start without it
    assert {"SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "MAIL_SENDER"} <= set(environment)
    assert "./backups:/backups" in app["volumes"]

"""The dispatcher killed with SIGKILL mid-batch loses nothing and re-sends only what was in flight."""
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from notify_servers import SmtpServer, orders_with_emails, use_smtp

from app import settings
from app.notify.models import Notification
from app.orders.models import Customer
from config import TestConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEASE = 2
WORKERS = 2  # each sending thread has at most one message in flight when the process dies


def dispatcher_command(db_url):
    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY=TestConfig.SECRET_KEY, SCHEDULER_ENABLED="0",
               NOTIFY_LEASE_SECONDS=str(LEASE), NOTIFY_BATCH_SIZE="10", NOTIFY_WORKERS=str(WORKERS))
    return [sys.executable, "-m", "flask", "--app", "wsgi", "dispatch-notifications"], env


@pytest.mark.slow
def test_sigkill_mid_batch_loses_nothing_and_never_resends_what_was_recorded_sent(app, db, db_url, make_order):
    settings.put("NOTIFY_MERGE_SECONDS", "0")
    settings.put("NOTIFY_QUIET_HOURS", "-")
    total = 30
    ids = orders_with_emails(db, make_order, total)

    # Slow SMTP replies and a kill after 4 of the first batch of 10: the kill lands mid-batch
    # even when this machine is busy.
    with SmtpServer(delay=0.15) as smtp:
        use_smtp(smtp.port, OUTGOING_ALLOWED_HOSTS="127.0.0.1")  # the admin allows the local mail server
        command, env = dispatcher_command(db_url)
        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            sent_enough = smtp.wait_for(4, timeout=30)
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        assert sent_enough, first.stdout.read().decode(errors="replace")[-3000:]
        db.session.rollback()
        states = dict(db.session.execute(db.select(Notification.id, Notification.state)
                                         .filter_by(channel="email")).all())
        db.session.commit()
        recorded_sent = {i for i, state in states.items() if state == "sent"}
        assert 0 < len(recorded_sent) < total, "the kill must land mid-run"
        assert "sending" in states.values(), "the kill must land mid-batch"

        time.sleep(LEASE + 0.5)  # the dead dispatcher's lease runs out
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "re-queued after a crash" in second.stdout
        received = Counter(int(m["X-Posylka-Notification"]) for m in smtp.messages)

    assert set(received) == ids  # every message arrived
    assert all(received[i] == 1 for i in recorded_sent)  # none recorded as sent arrived twice
    assert max(received.values()) <= 2  # a message in flight at the kill arrives at most twice
    assert sum(count - 1 for count in received.values()) <= WORKERS  # only those in flight
    final = db.session.execute(db.select(Notification.state).filter_by(channel="email")).scalars().all()
    assert set(final) == {"sent"}


@pytest.mark.slow
def test_two_dispatchers_at_once_never_send_a_message_twice(app, db, db_url, make_order):
    settings.put("NOTIFY_MERGE_SECONDS", "0")
    settings.put("NOTIFY_QUIET_HOURS", "-")
    total = 20
    for i in range(total):
        person = Customer(name=f"Клієнт {i}", email=f"client{i}@example.com", language="uk")
        db.session.add(person)
        make_order(customer=person)
    with SmtpServer(delay=0.02) as smtp:
        use_smtp(smtp.port, OUTGOING_ALLOWED_HOSTS="127.0.0.1")  # the admin allows the local mail server
        command, env = dispatcher_command(db_url)
        env["NOTIFY_BATCH_SIZE"] = "5"
        runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True) for _ in range(2)]
        outputs = [run.communicate(timeout=90)[0] for run in runs]
        assert all(run.returncode == 0 for run in runs), outputs
        received = Counter(int(m["X-Posylka-Notification"]) for m in smtp.messages)
    assert len(received) == total and set(received.values()) == {1}
    assert all("sent" in out for out in outputs)


@pytest.mark.slow
def test_a_long_run_and_repeated_short_runs_never_send_a_message_twice(app, db, db_url, make_order):
    """A dispatch run longer than the lease (the scheduler's) while cron starts more runs: batches
    claimed late in the long run were already "expired" when their lease was counted from the
    run's start, and the other runs took them back and sent them again. No crash here at all."""
    settings.put("NOTIFY_MERGE_SECONDS", "0")
    settings.put("NOTIFY_QUIET_HOURS", "-")
    total = 120
    for i in range(total):
        person = Customer(name=f"Клієнт {i}", email=f"client{i}@example.com", language="uk")
        db.session.add(person)
        make_order(customer=person)
    with SmtpServer(delay=0.1) as smtp:
        use_smtp(smtp.port, MAIL_SENDER="Магазин <shop@myshop.example>",
                 OUTGOING_ALLOWED_HOSTS="127.0.0.1")  # the admin allows the local mail server
        command, env = dispatcher_command(db_url)  # a 2-second lease; the whole run takes longer
        long_run = subprocess.Popen(command, cwd=ROOT, env=dict(env, NOTIFY_BATCH_SIZE="6", NOTIFY_WORKERS="1"),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        short_runs = []
        while long_run.poll() is None:  # cron: another run whenever the last one ended
            time.sleep(0.7)
            short_runs.append(subprocess.run(command + ["--limit", "3"], cwd=ROOT, env=dict(env, NOTIFY_BATCH_SIZE="3"),
                                             capture_output=True, text=True, timeout=90))
        output = long_run.communicate(timeout=90)[0]
        assert long_run.returncode == 0 and all(r.returncode == 0 for r in short_runs), output
        assert len(short_runs) >= 2, (output, [r.stdout + r.stderr for r in short_runs])
        received = Counter(int(m["X-Posylka-Notification"]) for m in smtp.messages)
        message_ids = {int(m["X-Posylka-Notification"]): m["Message-ID"] for m in smtp.messages}
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates == 0 and len(received) == total, f"{duplicates} duplicates"
    # one Message-ID per notification, on the shop's own domain
    assert len(set(message_ids.values())) == total
    assert all(v.startswith(f"<posylka.{k}.") and v.endswith("@myshop.example>") for k, v in message_ids.items())

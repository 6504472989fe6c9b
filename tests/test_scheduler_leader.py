"""Exactly one process runs the scheduled jobs (two real OS processes, one database), and quietly."""
import io
import logging
import os
import subprocess
import sys
import textwrap
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = textwrap.dedent("""
    import os, sys, time
    from app import create_app
    from app.scheduler import start_scheduler

    url, log_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "leader-test", "SCHEDULER_ENABLED": True,
                      "SCHEDULER_LEASE_SECONDS": 2})

    def probe(app, path=log_path):
        with open(path, "a") as fh:
            fh.write(f"{os.getpid()} {time.time()}\\n")

    # tracking-views runs in every process: each writes the page views it counted itself
    views = lambda app: probe(app, log_path + ".views")
    scheduler = start_scheduler(app, jobs=[("probe", probe, 0.2), ("tracking-views", views, 0.2)])
    print("started", flush=True)
    time.sleep(seconds)
    print("stopping", time.time(), flush=True)
    scheduler.shutdown()
    app.extensions["posylka_leadership"].release()
""")


def _start(db_url, log_path, seconds):
    return subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(log_path), str(seconds)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _runs(log_path):
    """(pid, time) of every run of the job."""
    if not os.path.exists(log_path):
        return []
    with open(log_path) as fh:
        return [(pid, float(at)) for pid, at in (line.split() for line in fh if line.strip())]


def _pids(log_path):
    return [pid for pid, _ in _runs(log_path)]


def _stopped_at(out):
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith("stopping")))


def test_two_processes_one_runner(db_url, tmp_path):
    log_path = tmp_path / "runs.log"
    first = _start(db_url, log_path, 2)
    second = _start(db_url, log_path, 2)
    stops = []
    for proc in (first, second):
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        stops.append(_stopped_at(out))
    # While both processes were up (until the first began to stop), one of them ran the job
    runs = [pid for pid, at in _runs(log_path) if at < min(stops)]
    assert len(runs) >= 5, "the job should have run several times"
    assert len(set(runs)) == 1, f"more than one process ran the job: {set(runs)}"
    assert set(runs) <= {str(first.pid), str(second.pid)}
    assert set(_pids(f"{log_path}.views")) == {str(first.pid), str(second.pid)}


def test_a_follower_takes_over_when_the_leader_stops(db_url, tmp_path):
    log_path = tmp_path / "runs.log"
    leader = _start(db_url, log_path, 2)
    deadline = time.monotonic() + 30
    while str(leader.pid) not in _pids(log_path) and time.monotonic() < deadline:
        time.sleep(0.05)  # the first process leads before the second one starts
    follower = _start(db_url, log_path, 3)
    leader.communicate(timeout=60)
    follower.communicate(timeout=60)
    runs = _pids(log_path)
    assert str(leader.pid) in runs and str(follower.pid) in runs
    # once the follower took over, the old leader never ran again
    assert runs.index(str(follower.pid)) > max(i for i, pid in enumerate(runs) if pid == str(leader.pid))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_scheduler_logs_only_what_happened(app, db, make_order):
    """APScheduler's line per job run stays out of the log; a job that did something says so once. A job
    still running at its next tick (a long sync on a busy machine) is skipped without a warning: it
    alarmed people reading the console ("maximum number of running instances reached")."""
    from app import logs, settings
    from app.notify.dispatcher import run_job
    from app.orders.models import Customer
    from app.privacy.retention import scheduled_job as retention_job
    from app.scheduler import _run, start_scheduler

    app.config["SCHEDULER_ENABLED"] = True
    stream = io.StringIO()
    handler = logs.configure(app, stream=stream)
    runs = []
    try:
        scheduler = start_scheduler(app, jobs=[("probe", lambda app: runs.append(1), 0.2),
                                               ("slow", lambda app: time.sleep(0.5), 0.2)])
        deadline = time.monotonic() + 10
        while len(runs) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        scheduler.shutdown()
        app.extensions["posylka_leadership"].release()
        _run(app, "dispatch-notifications", run_job)  # nothing due: a quiet run
        _run(app, "privacy-retention", retention_job)  # nothing expired: a quiet run
        quiet = stream.getvalue()

        settings.put("NOTIFY_MERGE_SECONDS", "0")
        settings.put("NOTIFY_QUIET_HOURS", "-")
        db.session.commit()
        make_order(customer=Customer(name="Олена Коваль", email="olena@example.com", language="uk"))
        _run(app, "dispatch-notifications", run_job)  # the order's e-mail goes to the dev mailbox
        busy = stream.getvalue()[len(quiet):]
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger("apscheduler").setLevel(logging.NOTSET)
    assert len(runs) >= 3
    assert "scheduler started with 3 jobs" in quiet
    assert "apscheduler" not in quiet and "Running job" not in quiet and "skipped" not in quiet, quiet
    assert "notifications:" not in quiet and "retention run" not in quiet
    assert busy.count("notifications: 1 sent, 0 failed") == 1, busy

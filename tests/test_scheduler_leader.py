"""Exactly one process runs the scheduled jobs: two real OS processes, one database."""
import os
import subprocess
import sys
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = textwrap.dedent("""
    import os, sys, time
    from app import create_app
    from app.scheduler import start_scheduler

    url, log_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "leader-test", "SCHEDULER_ENABLED": True,
                      "SCHEDULER_LEASE_SECONDS": 2})

    def probe(app):
        with open(log_path, "a") as fh:
            fh.write(f"{os.getpid()} {time.time()}\\n")

    scheduler = start_scheduler(app, jobs=[("probe", probe, 0.2)])
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

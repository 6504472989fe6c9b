"""``make bench``: load the app with wrk and print requests/s, p50 and p99 per endpoint.

For each data-set size (10,000 and 100,000 orders; ``--quick`` only the first) it builds the
data set (bench/dataset.py), starts bench/serve.py twice (the app, and a plain Flask app with one
constant route: the ceiling, served by the same waitress settings), logs in, then runs wrk with
50 connections against each endpoint and against the plain Flask app. Each endpoint's ratio is to
the better of the plain Flask runs made just before and just after it, so the machine's noise
mostly cancels; the ceiling row shows the median of those runs. The app's own per-request
overhead is its bare endpoint's time per request minus plain Flask's. Finally it prints the
serving process's peak memory (VmHWM) and checks the targets (issues 9 and 15).
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench.dataset import BENCH_CUSTOMER_EMAIL, BENCH_PASSWORD, BENCH_STAFF_EMAIL, build  # noqa: E402
from bench.targets import BARE, PLAIN  # noqa: E402

CONNECTIONS = 50


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, seconds=60, log_path=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    tail = ""
    if log_path:
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            tail = "\n" + "".join(fh.readlines()[-20:])
    raise SystemExit(f"server at {url} did not start{tail}")


def login(base, email):
    session = requests.Session()
    page = session.get(f"{base}/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    data = {"email": email, "password": BENCH_PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    response = session.post(f"{base}/login", data=data, allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f"bench log-in failed for {email}: {response.status_code}")
    return session


def cookie_header(session):
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def run_wrk(url, seconds, headers=(), script=None):
    # The browser that logged in (requests' User-Agent): with another one, Flask-Login's session
    # protection marks the replayed session cookie not fresh on every request, and each answer
    # re-signs and sends a new cookie, which no real browser would make the server do.
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s",
           "-H", f"User-Agent: {requests.utils.default_user_agent()}"]
    for header in headers:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)

    def percentile(p):
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50": percentile(50), "p99": percentile(99),
            "bad": int(non2xx.group(1)) if non2xx else 0, "errors": errors.group(0) if errors else ""}


def endpoints(base, customer, staff, api):
    """(name, path, headers, wrk script) for every measured endpoint."""
    from bench.targets import discover

    return discover(base, customer, staff, cookie_header, api)


def measure(size, seconds, workdir, only=None, threads=None):
    db_path = os.path.join(workdir, f"bench-{size}.db")
    if os.path.exists(db_path):
        os.unlink(db_path)
    print(f"\n== {size:,} orders: building the data set")
    counts = build(f"sqlite:///{db_path}", size, quiet=True)
    api = counts.pop("api")
    print(f"   {counts}")
    os.sync()  # the data set's file written out now, not by the kernel while the first endpoints run
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The server's log (an access line per request) goes to a file: a pipe nobody reads would fill
    # up and then block the server on its next log line.
    log_path = os.path.join(workdir, f"serve-{size}.log")
    plain_port = free_port()
    with open(log_path, "wb") as log_file:
        server = subprocess.Popen([sys.executable, os.path.join(HERE, "serve.py"), f"sqlite:///{db_path}", str(port)]
                                  + ([str(threads)] if threads else []),
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log_file)
        plain = subprocess.Popen([sys.executable, os.path.join(HERE, "serve.py"), "plain", str(plain_port)]
                                 + ([str(threads)] if threads else []),
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        wait_for(f"{base}/bench/bare", log_path=log_path)
        plain_url = f"http://127.0.0.1:{plain_port}/"
        wait_for(plain_url, log_path=log_path)
        customer, staff = login(base, BENCH_CUSTOMER_EMAIL), login(base, BENCH_STAFF_EMAIL)
        results = {}

        def run(url, seconds, headers=(), script=None):
            result = run_wrk(url, seconds, headers, script)
            # When wrk stops, the server still has up to 50 requests queued (a second of work after
            # the admin list); the next run would start behind them. One request waits its turn in
            # the same FIFO queue: when it is answered, the backlog is gone.
            requests.get(f"{base}/bench/bare", timeout=120)
            return result

        run(plain_url, 5)  # warm-up
        # The ceiling right before and right after each endpoint: its ratio compares runs seconds
        # apart, not minutes (another engineer's test run shifts them alike), and is taken against
        # the better of the two, so a dip of the machine during one run neither flatters nor spoils it.
        ceiling_runs = [run(plain_url, seconds)]
        for name, path, headers, script in endpoints(base, customer, staff, api):
            if only and only not in name and name != BARE:
                continue
            run(base + path, 2, headers, script)  # warm-up
            results[name] = r = run(base + path, seconds, headers, script)
            before, after = ceiling_runs[-1], run(plain_url, seconds)
            ceiling_runs.append(after)
            r["bare_rps"] = max(before["rps"], after["rps"])
            print(f"   {name:<40} {r['rps']:>8.0f} req/s  ×plain {r['rps'] / r['bare_rps']:5.2f} "
                  f"(plain {before['rps']:.0f} before, {after['rps']:.0f} after)"
                  f"  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
                  + (f"  ({r['bad']} non-2xx/3xx)" if r["bad"] else "") + (f"  {r['errors']}" if r["errors"] else ""))
        ceiling_runs.sort(key=lambda x: x["rps"])
        middle = ceiling_runs[len(ceiling_runs) // 2]
        results = {PLAIN: dict(middle, bare_rps=middle["rps"]), **results}
        with open(f"/proc/{server.pid}/status") as fh:
            peak = int(re.search(r"VmHWM:\s+(\d+) kB", fh.read()).group(1)) / 1024
        return results, peak
    finally:
        for process in (server, plain):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def report(all_results):
    sizes = list(all_results)
    print("\n" + "=" * 100)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {os.cpu_count()} cores · load average {load} "
          f"· wrk -t2 -c{CONNECTIONS}")
    header = f"{'endpoint':<40}" + "".join(f"{f'{s:,} orders':>33}" for s in sizes)
    print(header)
    print(f"{'':<40}" + "".join(f"{'req/s ×plain   p50ms   p99ms':>33}" for _ in sizes))
    names = list(all_results[sizes[0]][0])
    for name in names:
        row = f"{name:<40}"
        for size in sizes:
            r = all_results[size][0][name]
            row += f"{r['rps']:>10.0f} {r['rps'] / r['bare_rps']:>7.2f} {r['p50']:>7.1f} {r['p99']:>7.1f}"
        print(row)
    for size in sizes:
        results = all_results[size][0]
        if BARE in results:
            own = (1 / results[BARE]["rps"] - 1 / results[BARE]["bare_rps"]) * 1e6
            print(f"the app's own overhead per request ({size:,} orders): {own:.0f} µs of the server's time "
                  f"(its bare endpoint against plain Flask, at saturation)")
    print("peak memory of the serving process: " + ", ".join(f"{s:,} orders {all_results[s][1]:.0f} MB" for s in sizes))
    from bench.targets import check

    failures = check(all_results)
    print("\ntargets: " + ("all met" if not failures else "NOT MET:\n  " + "\n  ".join(failures)))
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 10,000-order data set")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--only", help="only the endpoints whose name contains this (and the bare one)")
    parser.add_argument("--threads", type=int, help="waitress threads (default: bench/serve.py's)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (see bench/README.md)")
    sizes = [10_000] if args.quick else [10_000, 100_000]
    workdir = tempfile.mkdtemp(prefix="posylka-bench-")
    try:
        all_results = {size: measure(size, args.seconds, workdir, args.only, args.threads) for size in sizes}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if report(all_results) else 0)


if __name__ == "__main__":
    main()

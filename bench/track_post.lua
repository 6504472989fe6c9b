-- The public tracking look-up: POST /track with the order number, the phone and a CSRF token.
-- bench/targets.py puts the form body in BENCH_TRACK_BODY; the session cookie comes with -H.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_TRACK_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

"""Submissions per second through HTTP: gunicorn with 2 workers, the public form's last step, on SQLite or PostgreSQL.

The load comes from client processes on the same 2-core machine (so the server has less than the whole
machine): each keeps a connection open and posts the "check your answers" page with a session that already
holds a complete comment (the session is a signed cookie, so the same one can be sent again and again).
Prints a table; `measure()` is what bench/all.py calls. Nothing asserts a time.

Usage: .venv/bin/python bench/submissions.py [--seconds 10] [--clients 8] [--database sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-http-secret"
from bench.databases import fresh_postgres, fresh_sqlite  # noqa: E402
ANSWERS = [("type", {"comment_type": "complaint"}), ("service", {"service_area": "waste"}),
           ("comment", {"comment": "The bin was missed again."}),
           ("about-you", {"customer_name": "Bench Person", "customer_email": "bench@example.com",
                          "preferred_contact": "email"})]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepared_session(url: str) -> tuple[str, str]:
    """A session cookie holding a complete comment, and its CSRF token, made by walking the form once."""
    from app import create_app
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "ENV": "production"})
    client = app.test_client()
    token = ""
    for slug, data in ANSWERS:
        page = client.get(f"/comment/{slug}").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(f"/comment/{slug}", data={**data, "csrf_token": token}).status_code == 302, slug
    cookie = client.get_cookie("session")
    return cookie.value, token


def _client(port: int, cookie: str, token: str, until: float, out) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = f"csrf_token={token}"
    headers = {"Cookie": f"session={cookie}", "Content-Type": "application/x-www-form-urlencoded"}
    ok, failed, latencies = 0, 0, []
    while time.monotonic() < until:
        began = time.perf_counter()
        conn.request("POST", "/comment/check", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - began)
        if response.status == 302 and response.getheader("Location", "").endswith("/comment/sent"):
            ok += 1
        else:
            failed += 1
    out.put((ok, failed, latencies))


def warm_up(port: int, cookie: str, token: str, requests: int) -> None:
    """Requests from two threads at once, so both workers get some."""
    headers = {"Cookie": f"session={cookie}", "Content-Type": "application/x-www-form-urlencoded"}

    def post_some():
        for _ in range(requests // 2):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/comment/check", body=f"csrf_token={token}", headers=headers)
            conn.getresponse().read()
            conn.close()
    threads = [threading.Thread(target=post_some) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def worker_peak_kib(master: int) -> list[int]:
    """Peak resident memory (VmHWM) of each gunicorn worker."""
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
    return peaks


def worker_cpu_seconds(master: int) -> float:
    """CPU time (user + system) the gunicorn workers have used."""
    tick = os.sysconf("SC_CLK_TCK")
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return sum(sum(int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]) / tick
               for pid in children)


def measure(url: str, seconds: float = 10, clients: int = 8) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "CC_ENV": "production"}
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "setup"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    cookie, token = prepared_session(url)
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        warm_up(port, cookie, token, 20)  # each worker's first requests (imports, parsing the diagram) are not counted
        cpu_before = worker_cpu_seconds(server.pid)  # nor is the workers' start-up
        results = multiprocessing.Queue()
        until = time.monotonic() + seconds
        procs = [multiprocessing.Process(target=_client, args=(port, cookie, token, until, results))
                 for _ in range(clients)]
        began = time.monotonic()
        for p in procs:
            p.start()
        parts = [results.get() for _ in procs]
        elapsed = time.monotonic() - began
        for p in procs:
            p.join()
        peaks = worker_peak_kib(server.pid)
        cpu = worker_cpu_seconds(server.pid) - cpu_before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    ok, failed = sum(p[0] for p in parts), sum(p[1] for p in parts)
    latencies = sorted(x for p in parts for x in p[2])
    return {"submissions": ok, "failed": failed, "seconds": round(elapsed, 2),
            "per_second": round(ok / elapsed, 1),
            "median_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2),
            "worker_peak_mib": round(max(peaks) / 1024, 1) if peaks else None,
            "worker_cpu_ms_per_submission": round(cpu * 1000 / max(ok, 1), 2)}


def database_url(kind: str) -> str:
    return fresh_postgres("cc_bench_http") if kind == "postgresql" else fresh_sqlite("cc-bench-http-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    print(f"{'database':<12}{'submitted':>10}{'failed':>8}{'per second':>12}{'median ms':>11}{'p95 ms':>9}{'worker MiB':>12}{'CPU ms/each':>12}")
    for kind in args.database or ["sqlite", "postgresql"]:
        row = measure(database_url(kind), args.seconds, args.clients)
        print(f"{kind:<12}{row['submissions']:>10}{row['failed']:>8}{row['per_second']:>12}{row['median_ms']:>11}"
              f"{row['p95_ms']:>9}{row['worker_peak_mib']:>12}{row['worker_cpu_ms_per_submission']:>12}")


if __name__ == "__main__":
    main()

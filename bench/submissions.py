"""Submissions per second through HTTP: gunicorn with 2 workers, the public form's last step, on SQLite or
PostgreSQL.

The load comes from client processes on the same 2-core machine (so the server has less than the whole
machine): each posts the "check your answers" page, on a new connection each time (gunicorn's sync workers
close every one), with a session that already holds a complete comment (the session is a signed cookie, so
the same one can be sent again and again). Also measured: the workers' CPU time, and how much of the machine
stood idle. Prints a table; `measure()` is what bench/all.py calls. Nothing asserts a time.

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


def _request(port: int, cookie: str, token: str) -> bytes:
    body = f"csrf_token={token}".encode()
    return (f"POST /comment/check HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: session={cookie}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode() + body


SENT = re.compile(rb"^HTTP/1\.[01] 302 .*\r\nLocation: [^\r]*/comment/sent\r\n", re.S | re.I)


def _client(port: int, request: bytes, until: float, out) -> None:
    """A lean loop, as a load tester like wrk is: the request written out once, the response read to its end
    (gunicorn's sync workers close every connection) and its status line and Location checked. The clients
    share the 2 cores with the workers, and a sync worker takes its next request only once the client has
    closed the last connection: http.client's parsing held both back (2 to 12% fewer submissions in A/B
    runs)."""
    ok, failed, latencies = 0, 0, []
    while time.monotonic() < until:
        began = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
            conn.sendall(request)
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        latencies.append(time.perf_counter() - began)
        if SENT.match(b"".join(chunks)):
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
    return sum(sum(int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
               / tick
               for pid in children)


def machine_jiffies() -> tuple[int, int]:
    """(all, idle including waiting for the disk) CPU time of the whole machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def measure(url: str, seconds: float = 10, clients: int = 8) -> dict:
    # Every comment comes from 127.0.0.1: the cap per address on comments sent (app/limits.py) is lifted.
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "CC_ENV": "production",
           "PUBLIC_SUBMISSIONS_PER_HOUR": str(10**9)}
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
        # Each worker's first requests (imports, parsing the diagram) are not counted.
        warm_up(port, cookie, token, 20)
        cpu_before = worker_cpu_seconds(server.pid)  # nor is the workers' start-up
        machine_before = machine_jiffies()
        results = multiprocessing.Queue()
        until = time.monotonic() + seconds
        procs = [multiprocessing.Process(target=_client,
                                         args=(port, _request(port, cookie, token), until, results))
                 for _ in range(clients)]
        began = time.monotonic()
        for p in procs:
            p.start()
        parts = [results.get() for _ in procs]
        elapsed = time.monotonic() - began
        for p in procs:
            p.join()
        machine_after = machine_jiffies()
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
            "worker_cpu_ms_per_submission": round(cpu * 1000 / max(ok, 1), 2),
            # how much of the machine stood idle while the clients ran: with none, the 2 cores are the limit
            "machine_idle_percent": round(100 * (machine_after[1] - machine_before[1])
                                          / max(1, machine_after[0] - machine_before[0]), 1)}


def database_url(kind: str) -> str:
    return fresh_postgres("cc_bench_http") if kind == "postgresql" else fresh_sqlite("cc-bench-http-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    print(f"{'database':<12}{'submitted':>10}{'failed':>8}{'per second':>12}{'median ms':>11}{'p95 ms':>9}"
          f"{'worker MiB':>12}{'CPU ms/each':>12}{'idle %':>8}")
    for kind in args.database or ["sqlite", "postgresql"]:
        row = measure(database_url(kind), args.seconds, args.clients)
        print(f"{kind:<12}{row['submissions']:>10}{row['failed']:>8}{row['per_second']:>12}{row['median_ms']:>11}"
              f"{row['p95_ms']:>9}{row['worker_peak_mib']:>12}{row['worker_cpu_ms_per_submission']:>12}"
              f"{row['machine_idle_percent']:>8}")


if __name__ == "__main__":
    main()

"""Attachments through HTTP: the staff "Record a comment" form and the public form's comment page posted with
files, through gunicorn with a real clamd scanning every file, on SQLite or PostgreSQL.

Each case gets a fresh gunicorn with one sync worker (so every request meets the worker measured), warmed by
one comment with a 100 KiB file; then its requests run one after another, each posting the form as the
server rendered it (tests/helpers/forms.py). A request's time runs from its first byte sent to its answer
read back: the body sent over a real socket, parsed, judged, copied into the store, streamed to clamd and
saved. Files are PNGs (the magic number, then seeded random bytes: what the type check takes, and what clamd
cannot skip), each of different content.
Measured: seconds per request (median and p95), MiB/s of files, the CPU time the worker and clamd spent per
request (what a busy machine disturbs least), and the worker's resident memory: VmRSS after the warm-up and
the largest sampled every 5 ms while the case's uploads stream, and its peak (VmHWM in /proc, which cannot be
reset) after the warm-up and after the case's last request: the increase is what the case's uploads cost.
Prints a table; `measure()` is what bench/all.py calls. Nothing asserts a time.

Usage: .venv/bin/python bench/uploads.py [--repeat 5] [--database sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.databases import fresh_postgres, fresh_sqlite  # noqa: E402
from bench.submissions import free_port  # noqa: E402
from tests.helpers import clamd  # noqa: E402
from tests.helpers.forms import form_in  # noqa: E402

SECRET = "bench-uploads-secret"
MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
STAFF = {"comment_type": "complaint", "channel": "letter", "service_area": "waste",
         "comment": "Photos of the glass on my drive.", "customer_name": "Bench Person",
         "customer_address": "9 Quarry Row, Ambergate", "preferred_contact": "letter"}
PUBLIC = [("/comment/type", {"comment_type": "complaint"}), ("/comment/service", {"service_area": "waste"})]
# (label, form, files, KiB each, how many of the repeats): the big ones fewer times, they take seconds each
CASES = [("staff, no file", "staff", 0, 0, 2), ("staff, 1 × 10 MiB", "staff", 1, 10 * 1024, 1),
         ("staff, 10 × 10 MiB", "staff", 10, 10 * 1024, 0.6), ("staff, 1 × 100 KiB", "staff", 1, 100, 4),
         ("staff, 10 × 100 KiB", "staff", 10, 100, 2), ("public, 1 × 10 MiB", "public", 1, 10 * 1024, 1),
         ("public, 1 × 100 KiB", "public", 1, 100, 4)]


@dataclass
class Answer:
    status_code: int
    headers: http.client.HTTPMessage
    text: str
    seconds: float


class Browser:
    """Real HTTP to one server, with its cookies, posting forms as a browser would: urlencoded, or multipart
    when there are files (sent part by part with a Content-Length, as browsers do). Follows no redirect."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def get(self, path: str) -> Answer:
        return self._send("GET", path, [], {})

    def page_form(self, path: str):
        page = self.get(path)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        return form_in(self, page.text, f"http://127.0.0.1:{self.port}{path}")

    def post(self, url: str, data) -> Answer:
        pairs = list(data.items(multi=True))
        if not any(isinstance(value, tuple) for _, value in pairs):
            body = urlencode(pairs).encode()
            return self._send("POST", url, [body], {"Content-Type": "application/x-www-form-urlencoded"})
        boundary = f"----bench{random.getrandbits(64):016x}"
        pieces = []
        for name, value in pairs:
            if isinstance(value, tuple):
                stream, filename = value
                pieces += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                           f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode(),
                           stream.getvalue(), b"\r\n"]
            else:
                pieces.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                              f'{value}\r\n'.encode())
        pieces.append(f"--{boundary}--\r\n".encode())
        return self._send("POST", url, pieces, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def _send(self, method: str, url: str, pieces: list[bytes], headers: dict) -> Answer:
        path = urlsplit(url)._replace(scheme="", netloc="").geturl()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        began = time.perf_counter()
        conn.putrequest(method, path)
        for name, value in {**headers, "Content-Length": str(sum(map(len, pieces))),
                            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}.items():
            conn.putheader(name, value)
        conn.endheaders()
        for piece in pieces:
            conn.send(piece)
        response = conn.getresponse()
        text = response.read().decode()
        seconds = time.perf_counter() - began
        conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return Answer(response.status, response.headers, text, seconds)


def files(count: int, kib: int, rng: random.Random) -> list[tuple[bytes, str]]:
    """`count` PNGs of `kib` KiB, each of its own content (the store keeps one copy of equal files)."""
    return [(PNG + rng.randbytes(kib * 1024 - len(PNG)), f"photo{n}.png") for n in range(count)]


def signed_in_officer(port: int) -> Browser:
    officer = Browser(port)
    form = officer.page_form("/sign-in").fill("email", "frontline@example.org")
    assert form.fill("password", "demo-password").submit().status_code == 302, "sign-in refused"
    return officer


def post_staff(officer: Browser, chosen: list[tuple[bytes, str]]) -> Answer:
    form = officer.page_form("/cases/new").set_all(STAFF)
    form.fill_date("received_at", datetime(2026, 3, 2, 9, 30))
    for content, name in chosen:
        form.attach("attachments", content, name)
    answer = form.submit()
    assert answer.status_code == 302 and "/cases/" in answer.headers["Location"], \
        f"staff form: {answer.status_code} {re.findall(r'govuk-error-message.*?</p>', answer.text, re.S)}"
    return answer


def post_public(port: int, chosen: list[tuple[bytes, str]]) -> Answer:
    """A new customer each time (the session keeps up to 10 files): the first pages, then the comment page
    with the files; the comment is not sent (what is measured is the upload)."""
    customer = Browser(port)
    for path, answers in PUBLIC:
        assert customer.page_form(path).set_all(answers).submit().status_code == 302, path
    form = customer.page_form("/comment/comment").fill("comment", "The bin was missed again.")
    for content, name in chosen:
        form.attach("attachments", content, name)
    answer = form.submit()
    assert answer.status_code == 302, f"public form: {answer.status_code}"
    return answer


def peak_kib(pid: int, field: str = "VmHWM") -> int:
    return int(re.search(rf"{field}:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))


class RssSampler(threading.Thread):
    """The largest resident size (VmRSS) a process shows while the uploads stream, read every 5 ms: VmHWM
    alone would hide a file held in memory under a peak reached before (at start-up, say)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.largest, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.005):
            self.largest = max(self.largest, peak_kib(self.pid, "VmRSS"))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.largest


def worker_of(master: int) -> int:
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    assert len(children) == 1, children
    return int(children[0])


def serve(env: dict) -> subprocess.Popen:
    """gunicorn as the README deploys it (sync workers, default timeout), with one worker."""
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    server.port = port
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=0.2).connect()
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used: less disturbed than wall time by a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_case(env: dict, form: str, count: int, kib: int, repeat: int, scanner: int,
             rng: random.Random) -> dict:
    server = serve(env)
    try:
        officer = signed_in_officer(server.port)
        post = (lambda chosen: post_staff(officer, chosen)) if form == "staff" else \
            (lambda chosen: post_public(server.port, chosen))
        post(files(1, 100, rng))  # imports, the diagram parsed, the first scan: not counted
        worker = worker_of(server.pid)
        before, resident, seconds = peak_kib(worker), peak_kib(worker, "VmRSS"), []
        cpu, scan_cpu = cpu_seconds(worker), cpu_seconds(scanner)
        sampler = RssSampler(worker)
        sampler.start()
        for _ in tqdm(range(repeat), desc=f"  {form} {count} × {kib} KiB", leave=False, disable=None):
            chosen = files(count, kib, rng)
            seconds.append(post(chosen).seconds)
            del chosen
        after, largest = peak_kib(worker), sampler.stop()
        cpu, scan_cpu = cpu_seconds(worker) - cpu, cpu_seconds(scanner) - scan_cpu
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    seconds.sort()
    mib = count * kib / 1024
    median = statistics.median(seconds)
    return {"files": count, "mib": round(mib, 2), "n": repeat, "median_s": round(median, 3),
            # nearest rank: with few requests, never under the median
            "p95_s": round(seconds[math.ceil(0.95 * len(seconds)) - 1], 3),
            "mib_per_s": round(mib / median, 1) if count else None,
            # the pages read before each post (the form, the public form's first steps) are in the worker's
            "worker_cpu_ms": round(cpu * 1000 / repeat, 1),
            "clamd_cpu_ms": round(scan_cpu * 1000 / repeat, 1),
            "worker_rss_before_mib": round(resident / 1024, 1),
            "worker_rss_during_mib": round(largest / 1024, 1),
            "worker_peak_before_mib": round(before / 1024, 1),
            "worker_peak_after_mib": round(after / 1024, 1)}


def measure(url: str, repeat: int = 5) -> dict[str, dict]:
    """Every case in CASES on the database at `url`; `repeat` scales how many requests each case makes."""
    folder = Path(tempfile.mkdtemp(prefix="cc-bench-uploads-"))
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "CC_ENV": "production",
           "ATTACHMENTS_DIR": str(folder / "attachments"), "TMPDIR": str(folder)}
    try:
        env["CLAMD_SOCKET"] = clamd.start(folder / "clamd")
        subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "setup", "--demo"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        rng, scanner = random.Random(20), int((folder / "clamd" / "clamd.pid").read_text())
        rows = {label: run_case(env, form, count, kib, max(1, round(repeat * share)), scanner, rng)
                for label, form, count, kib, share in CASES}
        rows["clamd peak memory"] = {"mib": round(peak_kib(scanner) / 1024, 1)}
        return rows
    finally:
        if (folder / "clamd" / "clamd.pid").exists():
            clamd.stop(folder / "clamd")
        shutil.rmtree(folder, ignore_errors=True)


def database_url(kind: str) -> str:
    return fresh_postgres("cc_bench_uploads") if kind == "postgresql" else fresh_sqlite("cc-bench-uploads-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="requests of a 10 MiB case (more for small)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    print(f"{'database':<12}{'case':<22}{'files':>6}{'MiB':>8}{'n':>4}{'median s':>10}{'p95 s':>8}"
          f"{'MiB/s':>8}{'CPU ms: worker':>16}{'clamd':>7}  worker MiB: RSS before -> largest during; "
          "VmHWM before -> after")
    for kind in args.database or ["sqlite", "postgresql"]:
        rows = measure(database_url(kind), args.repeat)
        clamd_peak = rows.pop("clamd peak memory")["mib"]
        for label, r in rows.items():
            print(f"{kind:<12}{label:<22}{r['files']:>6}{r['mib']:>8}{r['n']:>4}{r['median_s']:>10}"
                  f"{r['p95_s']:>8}{r['mib_per_s'] or '':>8}{r['worker_cpu_ms']:>16}{r['clamd_cpu_ms']:>7}  "
                  f"{r['worker_rss_before_mib']} -> {r['worker_rss_during_mib']}; "
                  f"{r['worker_peak_before_mib']} -> {r['worker_peak_after_mib']}")
        print(f"{kind:<12}clamd's peak RSS: {clamd_peak} MiB")


if __name__ == "__main__":
    main()

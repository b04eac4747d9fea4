"""How long "Find a case" takes at N cases (default 20,000; the target is set at 1,000,000), on SQLite and
PostgreSQL; with --lists, the task lists against their 1,000-case latency and the dashboard at the same size
(the default one as the timer worker works it out ahead, and how long that takes; others on the spot).

Usage: .venv/bin/python bench/search.py [--cases 20000] [--repeat 30] [--reuse] [--lists]
       [--database sqlite|postgresql]
Fills each database with bench/generate.py (real case lives copied, a tenth open), each copy given a customer
of its own (a name from 400 first names and 1,000 surnames, an email, a phone number, a postcode and a
comment of 8 to 30 words drawn with Zipf's law from 168), times the generation, then requests
/cases/search?q=... through the Flask app, as the CRO (every case) and as an officer of one service area,
for several kinds of query (a different case's details at each request) and prints median and p95 in ms of
the whole request (queries and HTML). It measures; it asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app import create_app  # noqa: E402
from app.cli import upgrade_database  # noqa: E402
from app.worker import TimerWorker  # noqa: E402
from app.extensions import db  # noqa: E402
from bench import dashboard, tasklist  # noqa: E402
from bench.databases import PG_SERVER, fresh_postgres, postgres_running  # noqa: E402
from bench.generate import generate  # noqa: E402
from models import Case, User, UserRole, UserServiceArea  # noqa: E402

FIRST = [a + b for a in "Al Be Ca Do El Fi Gr Ha Is Jo Ka Li Ma Ne Ol Pe Ro Sa Th Vi".split()
         for b in "an ice ra na lyn tor ah ie bert mund ette rick ina wen ford ley ton ira dred mo".split()]
SURNAMES = [a + b for a in ("Ash Birch Cole Dun East Fair Green Hart Ivy Kings Lang Mill North Oak Pen "
                            "Quar Red Shel Thorn West Whit York Brad Clif Har").split()
            for b in ("ford ley ton wood field by worth ham well more bridge stone dale gate hurst combe "
                      "low wick den shaw croft ridge brook holm thwaite mere side wright land burn cott er "
                      "ing ster man hope fold wold ney son").split()]
WORDS = ("bin missed collection street road council tax bill housing repair damp mould noise neighbour "
         "parking permit planning application garden waste recycling lorry pothole light lamp park bench "
         "tree hedge fence wall drain flood leak boiler heating window door roof staff rude letter phone "
         "email called waited weeks months again still never told promised visit inspection report fly "
         "tipping dog fouling graffiti litter playground library pool leisure centre school transport bus "
         "stop pavement crossing licence taxi food hygiene restaurant smell smoke bonfire alarm party "
         "music late night early morning children elderly mother father disabled access ramp stairs lift "
         "car van bike path grass cutting overgrown weeds rats pests vermin survey rent arrears benefit "
         "payment refund charge fine penalty notice appeal decision officer manager complaint thanks "
         "helpful kind quick excellent service suggestion idea improve website form online app queue "
         "reception hours closed open weekend holiday snow ice gritting salt wind storm fallen branch "
         "blocked overflowing broken cracked missing damaged dangerous unsafe trip fell injured insurance "
         "claim compensation apology explanation action").split()
OUTWARD = [f"{a}{n}" for a in ("DE", "NG", "S", "B", "LE", "SK", "ST", "CV", "M", "LS") for n in range(1, 41)]
KINDS = ("reference", "reference number", "phone", "email", "postcode", "full name", "surname",
         "a rare word and a name", "a common word")
DATABASES = {"sqlite": "sqlite:////tmp/cc-bench-search-{n}.db",
             "postgresql": PG_SERVER + "/cc_bench_search_{n}"}


def personalise(rng: random.Random, case: dict) -> None:
    """A customer and a comment of this copy's own."""
    first, surname = rng.choice(FIRST), rng.choice(SURNAMES)
    case.update(customer_name=f"{first} {surname}",
                customer_email=f"{first}.{surname}{rng.randint(1, 999)}@example.org".lower(),
                customer_phone=f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
                customer_address=f"{rng.randint(1, 200)} High Street\nRipley\n{rng.choice(OUTWARD)} "
                                 f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                                 f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                comment=" ".join(rng.choices(WORDS, weights=[1 / (r + 1) for r in range(len(WORDS))],
                                             k=rng.randint(8, 30))))


def queries(rng: random.Random, session, kind: str) -> str:
    """What an officer would type for `kind`, from a random case (as written on a letter, not as stored)."""
    top = session.scalar(select(func.max(Case.id)))
    case = None
    while case is None or not case.customer_phone or not case.customer_address:
        case = session.get(Case, rng.randint(1, top))
    if kind == "reference":
        return case.reference.lower()
    if kind == "reference number":  # as a customer reads it out: found in each year
        return str(int(case.reference[-6:]))
    if kind == "phone":
        return "+44 " + case.customer_phone.removeprefix("0")
    if kind == "email":
        return case.customer_email.upper()
    if kind == "postcode":
        return case.customer_address.rsplit("\n", 1)[1].replace(" ", "").lower()
    if kind == "full name":
        return case.customer_name
    if kind == "surname":
        return case.customer_name.split()[1]
    if kind == "a rare word and a name":
        return f"{WORDS[-1 - rng.randint(0, 40)]} {case.customer_name.split()[0]}"
    return WORDS[rng.randint(0, 4)]  # each in a fifth to a half of all comments


def area_officer(app) -> str:
    """An investigating officer of one service area (waste) only, made once."""
    email = "bench-waste@example.org"
    with app.app_context():
        if db.session.scalar(select(User).filter_by(email=email)) is None:
            user = User(name="Bench Waste", email=email, active=True)
            user.set_password("demo-password")
            db.session.add(user)
            db.session.flush()
            db.session.add_all([UserRole(user_id=user.id, role="investigating_officer"),
                                UserServiceArea(user_id=user.id, service_area="waste")])
            db.session.commit()
        db.session.remove()
    return email


def measure(url: str, repeat: int) -> tuple[int, dict]:
    """Median and p95 in ms of each kind of query, as the CRO and as the area officer, and the rows found."""
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV": "bench", "WTF_CSRF_ENABLED": False,
                      "SESSION_COOKIE_SECURE": False})
    tasklist.settle(app.extensions["db_engine"])
    clients = {}
    for who, email in (("CRO", "cro@example.org"), ("area officer", area_officer(app))):
        clients[who] = app.test_client()
        signed = clients[who].post("/sign-in", data={"email": email, "password": "demo-password"})
        assert signed.status_code == 302
    rng, rows = random.Random(21), {}
    with app.app_context():
        typed = {kind: [queries(rng, db.session, kind) for _ in range(repeat + 1)] for kind in KINDS}
        cases = db.session.scalar(select(func.count(Case.id)))
        db.session.remove()
    for kind in KINDS:
        for who, client in clients.items():
            samples, found = [], []
            for number, text in enumerate(typed[kind]):
                began = time.perf_counter()
                response = client.get(f"/cases/search?q={quote(text)}")
                taken = (time.perf_counter() - began) * 1000
                assert response.status_code == 200, (kind, text)
                found.append(response.text.count("data-reference="))
                if number:  # the first is a warm-up
                    samples.append(taken)
            ordered = sorted(samples)
            rows[(kind, who)] = (statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))],
                                 statistics.median(found))
    app.extensions["db_engine"].dispose()
    return cases, rows


def fill(name: str, url: str, cases: int) -> dict[str, float]:
    """Make the database afresh with `cases` cases; the seconds each part took."""
    if name == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        fresh_postgres(url.rsplit("/", 1)[1])
    timings: dict[str, float] = {}
    generate(url, closed=cases - cases // 10, open_cases=cases // 10, pool=min(400, cases),
             personalise=personalise, timings=timings)
    return timings


def lists(name: str, url: str, repeat: int) -> None:
    """Task lists at this size against 1,000 cases, and the dashboard, with the benches that measure them."""
    small = DATABASES[name].format(n="1k")
    tasklist.fresh(small)
    generate(small, closed=750, open_cases=250, pool=400)
    results = tasklist.measure({"1,000": small, "large": url}, repeat)
    for label in tasklist.PAGES:
        one, big = results["1,000"][label]["median_ms"], results["large"][label]["median_ms"]
        print(f"{name}: {label}: {big:.1f} ms against {one:.1f} ms at 1,000 cases ({big / one:.2f} times)")
    print(f"{name}: the worker works out the default dashboard ahead in {work_out_ahead(url):.0f} ms")
    _, pages = dashboard.measure(url, repeat)
    median, p95 = pages["dashboard, last 12 months"]
    print(f"{name}: dashboard, last 12 months (worked out ahead): median {median:.0f} ms, p95 {p95:.0f} ms")
    for label in ("dashboard, two years", "filtered: waste complaints online",
                  "filtered: one quarter, phone"):
        median, p95 = pages[label]
        print(f"{name}: {label} (worked out on the spot): median {median:.0f} ms, p95 {p95:.0f} ms")


def work_out_ahead(url: str) -> float:
    """The timer worker's step that works out the default dashboard (app.worker), run once; its ms."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV": "bench"})
    with app.app_context():
        worker = TimerWorker(60, log=lambda line: None)
        began = time.perf_counter()
        try:
            worker.work_out_figures()
        finally:
            worker.release()
        taken = (time.perf_counter() - began) * 1000
        db.session.remove()
    app.extensions["db_engine"].dispose()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="measure the databases already filled")
    parser.add_argument("--lists", action="store_true", help="the task lists and the dashboard too")
    parser.add_argument("--database", choices=list(DATABASES), action="append")
    args = parser.parse_args()
    names = args.database or ["sqlite"] + (["postgresql"] if postgres_running() else [])
    for name in names:
        url = DATABASES[name].format(n=args.cases)
        if not args.reuse:
            took = fill(name, url, args.cases)
            copied = args.cases - min(400, args.cases)
            per = (took["copies"] + took["search index"]) * 100_000 / max(1, copied)
            parts = ", ".join(f"{part} {seconds:.0f} s" for part, seconds in took.items())
            print(f"{name}: {args.cases:,} cases generated: {parts}; {per:.0f} s per 100,000 copies with "
                  f"their search index", flush=True)
        cases, rows = measure(url, args.repeat)
        print(f"\n{name}, {cases:,} cases\n{'query':<26}{'as':<14}{'median ms':>10}{'p95 ms':>9}{'found':>7}")
        for (kind, who), (median, p95, found) in rows.items():
            print(f"{kind:<26}{who:<14}{median:>10.1f}{p95:>9.1f}{found:>7.0f}")
        if args.lists:
            lists(name, url, args.repeat)


if __name__ == "__main__":
    main()

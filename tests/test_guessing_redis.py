"""With REDIS_URL set, the caps on guessing count in Redis, so several app servers share them: two apps here
(each its own Flask-Limiter, as two gunicorn servers would have) on the real Redis at 127.0.0.1:6379, each
test under a key prefix of its own so that runs sharing the Redis (SQLite's, then PostgreSQL's) never meet."""
from __future__ import annotations

import os
from uuid import uuid4

import pytest
import redis

from .helpers.forms import page_form
from .helpers.journeys import sign_in, try_sign_in
from .helpers.mail import free_port
from .helpers.sharing import app_on_the_tests_transaction
from .test_guessing import find, wrong

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _keys(prefix: str) -> list[bytes]:
    return list(redis.Redis.from_url(REDIS_URL).scan_iter(f"LIMITS:LIMITER/{prefix}/*"))


@pytest.fixture()
def prefix():
    """This test's namespace in Redis; its keys are deleted afterwards (they would expire by themselves)."""
    name = f"cc-test-{uuid4().hex}"
    yield name
    if keys := _keys(name):
        redis.Redis.from_url(REDIS_URL).delete(*keys)


@pytest.fixture()
def servers(db, prefix):
    return [app_on_the_tests_transaction(db, {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix})
            for _ in range(2)]


# Cases are received on a fixed day: in December a case's deadlines reach into the next year, whose first
# working-day count (building its bank holidays) can take most of the sandbox's 1 s on a busy machine.
def test_two_app_servers_share_the_count_of_wrong_codes(servers, case_factory, prefix):
    case = case_factory.submit((2026, 5, 1, 8), channel="web")
    first, second = (server.test_client() for server in servers)
    for n in range(1, 4):
        assert find(first, case.reference, wrong(case.access_code, n)).status_code == 400
    for n in range(4, 6):
        assert find(second, case.reference, wrong(case.access_code, n)).status_code == 400
    assert find(first, case.reference, case.access_code).status_code == 429
    assert find(second, case.reference, case.access_code).status_code == 429
    assert first.get(f"/status/{case.status_token}").status_code == 200
    assert _keys(prefix), "the counts are in Redis, under this app's prefix"


def test_two_app_servers_share_the_count_of_failed_sign_ins(servers):
    first, second = (server.test_client() for server in servers)
    for number in range(20):
        server = (first, second)[number % 2]
        assert try_sign_in(server, f"person{number}@example.org", "guess").status_code == 400
    assert "Too many failed sign-ins from your network" in try_sign_in(second, "cro@example.org", "x").text


def test_apps_under_another_prefix_count_apart(db, servers, case_factory):
    case = case_factory.submit((2026, 5, 1, 8), channel="web")
    guesser = servers[0].test_client()
    for n in range(1, 6):
        find(guesser, case.reference, wrong(case.access_code, n))
    assert find(guesser, case.reference, case.access_code).status_code == 429
    other_run = app_on_the_tests_transaction(db, {"REDIS_URL": REDIS_URL,
                                                  "RATELIMIT_KEY_PREFIX": f"cc-test-{uuid4().hex}"})
    assert find(other_run.test_client(), case.reference, case.access_code).status_code == 302
    sign_in(other_run.test_client(), "cro")


def test_forgetting_the_counts_leaves_other_apps_keys_alone(servers, case_factory, prefix):
    case = case_factory.submit((2026, 5, 1, 8), channel="web")
    find(servers[0].test_client(), case.reference, wrong(case.access_code))
    before = _keys(prefix)
    servers[1].extensions["caps"].forget_all()  # a test's reset: a new namespace, nothing deleted
    assert _keys(prefix) == before and before


def test_a_redis_that_does_not_answer_refuses_the_guess_rather_than_letting_it_through(db, case_factory):
    case = case_factory.submit((2026, 5, 1, 8), channel="web")
    cut_off = app_on_the_tests_transaction(db, {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    client = cut_off.test_client()
    form = page_form(client, "/status/", button="Continue").fill("Reference", case.reference)
    with pytest.raises(redis.exceptions.ConnectionError):  # TESTING: the 500 a customer would see
        form.fill("Code", case.access_code).submit()

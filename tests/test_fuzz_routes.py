"""Whatever a stranger can type, the app answers without a 500: every route in `app.url_map`, for every role,
with hostile path, query, form and JSON values (NUL bytes, non-ASCII digits, huge numbers, '../', very long
strings, impossible dates, definitions that are not objects)."""
from __future__ import annotations

import json
import random
import re
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from .helpers.forms import csrf_token, post_by_hand
from .helpers.journeys import forget_counts
from .helpers.pages import error_messages
from .test_access_table import ROLES, places  # noqa: F401  (the fixture: one of everything routes name)

HOSTILE = ["\x00", "a\x00b", "١٢٣", "٣", "²", "9" * 30, str(2**63), str(2**64), "-1", "0", "../../etc/passwd",
           "%2e%2e%2f", "x" * 5000, "0001-01-01", "9999-12-31", "1-1-1", "99999999999", "2026-02-30", "",
           " ", "[]", '"x"', "{}", "null", "<script>x</script>", "1e309", "NaN", "council\x00", "yes"]
_STRING = '{"type": "object", "properties": {"a": {"type": "string"}}}'
DEFINITIONS = ["[]", "1", '"s"', "null", "{", '{"fields": "x"}', '{"schema": []}', '{"schema": true}',
               '{"schema": {}, "fields": "x"}', '{"schema": {}, "fields": [1]}',
               f'{{"schema": {_STRING}, "fields": [{{"name": "a"}}]}}',
               f'{{"schema": {_STRING}, "fields": [{{"name": "a", "label": 1, "type": "x"}}]}}']
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20))
# Every query name a rendered page uses, and some no page uses.
QUERY_NAMES = ["page", "q", "a", "b", "next", "from", "to", "show", "change", "action", "reference", "type",
               "service_area", "comment_type", "channel", "year", "quarter", "email", "name", "phone"]
NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
SKIPPED = {"auth.logout"}  # a hostile sign-out would sign the rest of the example out


def field_names(client, urls) -> list[str]:
    """Every form field name the app's pages render (read once, as the administrator)."""
    names = set()
    for url in urls:
        names |= set(NAME.findall(client.get(url).get_data(as_text=True)))
    return sorted(names - {"csrf_token"})


def fill_path(rule, known: dict, hostile: list[str], rng) -> str:
    """The rule's path with each argument a real one (a case's reference, a task's id) or a hostile value."""
    def part(match):
        name = match.group(1)
        chosen = known[name] if name in known and rng.random() < 0.5 else rng.choice(hostile)
        return quote(str(chosen), safe="") or "x"
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", part, rule.rule)


def known_arguments(places: dict) -> dict:  # noqa: F811
    return {**places, "action_id": places["remedy"],
            "key": "complaint", "number": 1, "a": 1, "b": 1, "year": 2026, "day": "2031-01-01",
            "profile": "council", "filename": "govuk-frontend.min.css"}


def test_no_route_answers_500(app, db, places, login_as):  # noqa: F811
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED), key=lambda r: r.rule)
    known = known_arguments(places)
    pages = [r.rule for r in rules if "GET" in r.methods and "<" not in r.rule]
    names = field_names(login_as("admin"),
                        [*pages, f"/tasks/{places['task']}", f"/cases/{places['reference']}"])
    assert len(names) > 20, names

    @settings(max_examples=30, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.large_base_example])
    # A seed, not st.randoms: what the pages offer changes as examples write, so the draws an example makes
    # must not depend on it (hypothesis refuses data generation that differs between replays).
    @given(st.sampled_from(ROLES), st.lists(values, min_size=1, max_size=3), st.integers(0, 2**32 - 1))
    def every_route(role, hostile, seed):
        """One role, every route; each path part, query value and form field one of the example's hostile
        values (or for a form field a plain one, so a form gets past "enter a value" to what reads on)."""
        rng = random.Random(seed)
        # Each example is a new stranger: an earlier example's hostile sign-ins from 127.0.0.1 must not use up
        # the address's allowances and stop this one signing in (the caps have their own tests).
        forget_counts(app)
        client = app.test_client() if role == "anon" else login_as(role)
        token = csrf_token(client)
        failed = []
        for rule in rules:
            url = fill_path(rule, known, hostile, rng)
            query = {n: rng.choice(hostile) for n in rng.sample(QUERY_NAMES, rng.randint(0, 4))}
            target = f"{url}?{urlencode(query)}" if query else url
            for send in sends(rule, client, token, names, hostile, rng):
                try:  # TESTING lets an unhandled exception through: it is the 500 a stranger would see
                    if send(target).status_code == 500:
                        failed.append(f"{role} {rule.endpoint} {target[:200]!r}: 500")
                except Exception as error:  # noqa: BLE001
                    failed.append(f"{role} {rule.endpoint} {target[:200]!r}: {type(error).__name__} "
                                  f"{str(error)[:200]}")
        assert not failed, "\n".join(failed)

    every_route()


def parsed(definition: str):
    try:
        return json.loads(definition)
    except ValueError:
        return definition


def sends(rule, client, token: str, names: list[str], hostile: list[str], rng) -> list:
    """A GET; or for a POST, a form and the editor's JSON."""
    if "POST" not in rule.methods:
        return [client.get]
    return [lambda target: post_form(client, target, token, names, hostile, rng),
            lambda target: post_json(client, target, token, hostile, rng)]


def post_json(client, target: str, token: str, hostile: list[str], rng):
    definition = rng.choice(DEFINITIONS)
    body = {"xml": rng.choice(hostile), "definition": definition, "name": rng.choice(hostile),
            "forms": rng.choice([{}, [], {"first_contact": "y"}, {"first_contact": parsed(definition)}])}
    return client.post(target, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": token})


def post_form(client, target: str, token: str, names: list[str], hostile: list[str], rng):
    choices = [rng.choice(["1", "yes", "2026", ""]), *hostile]
    form = MultiDict({n: rng.choice(choices) for n in names})
    form.setlist("csrf_token", [token])
    return client.post(target, data=form)


# What the fuzz test first found, each pinned: 500s before app/input_guard.py and processes/typed.py.

def test_a_nul_byte_anywhere_is_a_400(client):
    assert client.get("/status/?reference=CC%00").status_code == 400
    assert post_by_hand(client, "/status/", data={"reference": "CC-1", "code": "a\x00b"}).status_code == 400


def test_an_id_past_the_databases_integers_is_a_404(login_as):
    cro = login_as("cro")
    assert cro.get(f"/reports/actions/{2**64}").status_code == 404
    assert post_by_hand(cro, f"/tasks/{2**31}/release").status_code == 404


def test_non_ascii_digits_are_only_wrong_answers(client, login_as):
    assert post_by_hand(client, "/status/", data={"reference": "CC-1", "code": "١٢٣"}).status_code == 400
    owner = login_as("owner")
    assert post_by_hand(owner, "/policy/timescales/council", data={"stage1_ack": "²"}).status_code == 400


def test_impossible_dates_are_field_errors(login_as):
    owner, cro = login_as("owner"), login_as("cro")
    far = post_by_hand(owner, "/policy/closures", data={"day-year": "99999999999", "day-month": "1",
                                                         "day-day": "1", "reason": "x"})
    assert far.status_code == 400 and "Enter a real date" in " ".join(error_messages(far.text))
    for query in ("from=0001-01-01", "to=9999-12-31"):
        page = cro.get(f"/reports/?{query}")
        assert "must be a real date" in " ".join(error_messages(page.text)), query


def test_form_definitions_that_are_not_objects_or_lack_labels_are_refused(login_as):
    owner = login_as("owner")
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    for definition in ([], {"schema": True}, {"schema": schema, "fields": [{"name": "a"}]}):
        preview = post_by_hand(owner, "/processes/forms/preview", json={"definition": json.dumps(definition)})
        assert preview.status_code == 400, definition


def test_a_self_assessment_for_a_year_the_page_never_offers_is_a_404(login_as):
    """Found by the fuzz test on PostgreSQL: year 0 reached date(0, 4, 1) when the page was drawn again."""
    admin = login_as("admin")
    assert post_by_hand(admin, "/reports/annual/0/self-assessment", data={"answer_1": "x"}).status_code == 404
    assert post_by_hand(admin, "/reports/annual/9999/self-assessment").status_code == 404

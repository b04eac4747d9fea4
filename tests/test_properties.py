"""Property-based: whatever anyone types into the public form or an officer's form, the answer is never a 500.

The answers are posted by hand (post_by_hand), on purpose: Hypothesis sends what a stranger could, not only
what the page offers."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from processes.diagrams.forms import validate_form

from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import forget_counts, submit_online, take, tasks_of

FORMS = Path(__file__).resolve().parent.parent / "forms"
ODD = ["", " ", "0", "-1", "1e999", "nan", "99999999999999999999", "31", "13", "2026", "24", "60", "yes",
       "no", "<script>alert(1)</script>", "{{ 7*7 }}", "' OR 1=1 --", "\u202e\u0000\ud7ff", "é" * 3000,
       "\r\n\r\n"]
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def definition(name: str) -> dict:
    return json.loads((FORMS / f"{name}.json").read_text())


def field_data(form: dict) -> st.SearchStrategy[MultiDict]:
    """Posted data for a form: its fields (date parts for dates) with good, odd and random values, some
    missing."""
    pairs = []
    for field in form["fields"]:
        options = [o["value"] for o in field.get("options", [])]
        value = st.one_of(st.sampled_from(options or ["x"]), st.sampled_from(ODD), st.text(max_size=200))
        keys = ([f"{field['name']}-{p}" for p in ("day", "month", "year", "hour", "minute")]
                if field.get("widget") in ("date", "datetime") else [field["name"]])
        pairs += [st.tuples(st.just(k), st.lists(value, max_size=3)) for k in keys]
    junk = st.tuples(st.text(min_size=1, max_size=20), st.lists(st.text(max_size=20), max_size=2))
    return st.tuples(st.tuples(*pairs), st.lists(junk, max_size=2)).map(
        lambda p: MultiDict([(k, v) for k, values in (*p[0], *p[1]) for v in values]))


def answered(response) -> int:
    assert response.status_code < 500, response.text[:500]
    return response.status_code


PUBLIC_PAGES = {"type": ["comment_type"], "service": ["service_area"],
                "comment": ["comment", "outcome_wanted"],
                "about-you": ["customer_name", "customer_email", "customer_phone", "customer_address",
                              "preferred_contact", "reasonable_adjustments"]}


@pytest.mark.parametrize("slug", PUBLIC_PAGES)
def test_no_answer_on_a_public_page_gives_an_error_page(app, db, slug):
    client = app.test_client()
    form = {**definition("public_comment")}
    form["fields"] = [f for f in form["fields"] if f["name"] in PUBLIC_PAGES[slug]]

    @SETTINGS
    @given(data=field_data(form))
    def post(data):
        assert answered(post_by_hand(client, f"/comment/{slug}", data=data)) in (200, 302, 400)
        answered(client.get("/comment/check"))
    post()


def test_no_answer_on_the_staff_record_form_gives_an_error_page(db, login_as):
    officer = login_as("frontline")

    @SETTINGS
    @given(data=field_data(definition("staff_record")))
    def post(data):
        assert answered(post_by_hand(officer, "/cases/new", data=data)) in (200, 302, 400)
    post()


FIRST_TASKS = {"complaint": "first_contact", "query": "query_answer", "suggestion": "suggestion_decision",
               "compliment": "compliment_pass_on"}
OFFICER = {"front_line_officer": "frontline", "investigating_officer": "investigator",
           "service_manager": "manager", "senior_officer": "senior"}


@pytest.mark.parametrize("comment_type", FIRST_TASKS)
def test_no_answer_on_an_officers_first_task_gives_an_error_page(app, db, login_as, comment_type):
    """The real task page of each comment type's first task: a valid answer completes it, so a new case is
    made."""
    form_name, current = FIRST_TASKS[comment_type], {}

    def fresh_task():
        forget_counts(app)  # each example may need a new comment: the public form's cap is not the point here
        reference = submit_online(app.test_client(), comment_type)
        task = next(t for t in tasks_of(db, reference).values() if t.form_name == form_name)
        current["task"], current["officer"] = task, current.get("officer") or login_as(OFFICER[task.role])
        take(current["officer"], task)

    fresh_task()

    @SETTINGS
    @given(data=field_data(definition(form_name)))
    def post(data):
        task, officer = current["task"], current["officer"]
        # Hypothesis's answers are posted by hand (anything a stranger could send), with the page's row
        # version.
        data.setlist("row_version",
                     [page_form(officer, f"/tasks/{task.id}", button="Complete task").hidden("row_version")])
        if answered(post_by_hand(officer, f"/tasks/{task.id}", data=data)) == 302:
            fresh_task()
    post()


@pytest.mark.parametrize("form_name", sorted(p.stem for p in FORMS.glob("*.json")
                                             if p.stem not in ("public_comment", "staff_record")))
def test_every_officer_form_explains_bad_answers_without_failing(form_name):
    """Validation of every officer form (including stage 2's, which take a whole case to reach) never
    raises."""
    form = definition(form_name)

    @SETTINGS
    @given(data=field_data(form))
    def check(data):
        result = validate_form(form, data)
        assert set(result.errors) <= {f["name"] for f in form["fields"]}
        assert all(isinstance(m, str) and m for m in result.errors.values())
    check()

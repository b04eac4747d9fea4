"""Issue 19, item 3: while a hostile "Check for problems" runs, the web process goes on answering.

This is the one timed assertion of the suite, because the issue asks for exactly this: another request
answers within one second. The bound is generous (a page takes milliseconds; before, a page waited as long
as the hostile script held the interpreter: 112 s for the issue's pow, 44 s for a list comparison that the
sandbox now refuses too).
"""
import json
import re
import threading
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import lxml.html

from .helpers.hostile_code import ENDLESS, ISSUE_POW

QUERY = (Path(__file__).resolve().parents[1] / "bpmn" / "query.bpmn").read_text()
REMIND = 'notify("investigating_officer", "Reminder: a query answer is due soon")'
ESCALATE = ('notify("customer_relations_officer", '
            '"Query answer deadline passed: escalated to a senior officer")')


class Browser:
    """Requests to the live app over HTTP with the cookies a browser keeps."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.status, response.read().decode()

    def sign_in(self, email: str, password: str) -> None:
        """Fill in the sign-in page's form as it was rendered (its hidden inputs included) and send it."""
        form = lxml.html.fromstring(self.get("/sign-in")[1]).forms[-1]
        fields = {name: value or "" for name, value in form.form_values()}
        labels = {label.text_content().strip(): label.get("for") for label in form.iter("label")}
        fields[form.xpath(f'.//*[@id="{labels["Email address"]}"]')[0].name] = email
        fields[form.xpath(f'.//*[@id="{labels["Password"]}"]')[0].name] = password
        self.opener.open(self.base + (form.action or "/sign-in"), urlencode(fields).encode(), timeout=30)

    def check_for_problems(self, key: str, xml: str) -> dict:
        """What the editor's "Check for problems" button sends: the XML, with the page's CSRF token."""
        page = lxml.html.fromstring(self.get(f"/processes/{key}/edit")[1])
        token = page.xpath('//input[@name="csrf_token"]/@value')[0]
        request = urllib.request.Request(f"{self.base}/processes/{key}/validate",
                                         json.dumps({"xml": xml, "forms": {}}).encode(),
                                         {"Content-Type": "application/json", "X-CSRFToken": token})
        with self.opener.open(request, timeout=120) as response:
            return json.loads(response.read())


def test_a_page_answers_within_a_second_while_a_hostile_check_runs(live_server):
    owner, officer = Browser(live_server), Browser(live_server)
    owner.sign_in("owner@example.org", "demo-password")
    officer.sign_in("frontline@example.org", "demo-password")
    # The issue's pow (112 s in one C call when it ran in the web process), and an endless loop that keeps the
    # check busy for a while in the worker.
    hostile = QUERY.replace(REMIND, ISSUE_POW.replace("\n", "&#10;"))
    hostile = hostile.replace(ESCALATE, ENDLESS.replace("\n", "&#10;"))
    assert REMIND not in hostile and ESCALATE not in hostile
    answer = {}
    checking = threading.Thread(target=lambda: answer.update(owner.check_for_problems("query", hostile)))
    checking.start()
    waits = []
    while checking.is_alive() and len(waits) < 40:  # pages asked for all through the check, 0.1 s apart
        started = time.perf_counter()
        status, _ = officer.get("/tasks/")
        waits.append(time.perf_counter() - started)
        assert status == 200
        time.sleep(0.1)
    checking.join(120)
    assert waits and max(waits) < 1.0, f"a page waited {max(waits):.1f} s for a hostile check"
    problems = {p["element_name"]: p["message"] for p in answer["problems"]}
    assert problems["Remind the investigating officer"].startswith("The script fails on sample case data: "
                                                                   "ScriptLimitError: pow() with a modulus")
    assert re.search(r"ran more than 200,000 steps|ran longer than 1 s|3 s of processor time|longer than 6 s",
                     problems["Escalate to a senior officer and tell the CRO"])

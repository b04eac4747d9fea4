"""Issue 19, item 3: while a hostile "Check for problems" runs, the web process goes on answering.

This is the one timed assertion of the suite, because the issue asks for exactly this: another request
answers within one second. The bound is generous (a page takes milliseconds; before the trials ran in a
worker process, it waited as long as the hostile script held the interpreter: 112 s for the issue's pow).
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

from .helpers.hostile_code import SLOW_IN_C

QUERY = (Path(__file__).resolve().parents[1] / "bpmn" / "query.bpmn").read_text()
NOTIFY = 'notify("investigating_officer", "Reminder: a query answer is due soon")'


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
    hostile = QUERY.replace(NOTIFY, SLOW_IN_C.replace("\n", "&#10;"))
    assert hostile != QUERY
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
    assert len(waits) >= 10  # the check lasted at least a second: the pages were asked for while it ran
    assert max(waits) < 1.0, f"a page waited {max(waits):.1f} s for a hostile check"
    [problem] = answer["problems"]
    assert problem["element_name"] == "Remind the investigating officer"
    # Which limit comes first depends on how busy the machine is: 3 s of processor time or 6 s on the clock.
    assert re.fullmatch(r"The script fails on sample case data: the trial run of this code (used more than "
                        r"3 s of processor time|took longer than 6 s), so it was stopped", problem["message"])

"""Cases made through the real operations, and task pages submitted through the form the server rendered.

A small stand-in for the browser-true form submitter (tests/helpers/forms.py, in the making): it posts what the
page's form holds (its hidden inputs, its token, the names it renders) with the given fields filled, and refuses
a field the form does not render."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lxml.html
from werkzeug.datastructures import MultiDict

from models import Case, User
from processes.procedure import submit_comment

COMPLAINT = {"comment_type": "complaint", "service_area": "waste", "comment": "The bin was missed again.",
             "customer_name": "Jo Bloggs", "customer_email": "jo@example.com", "preferred_contact": "email"}


def record_case(session, actor: User | None, received_at: datetime | None = None, **details) -> Case:
    """A complaint recorded by phone through the real operation (not the point of the tests that use it)."""
    received_at = received_at or datetime.now(timezone.utc) - timedelta(minutes=5)
    case = submit_comment(session, actor, {**COMPLAINT, **details}, "phone", received_at)
    session.flush()
    return case


def post_form(client, url: str, values: dict, form_index: int = 0):
    """Open `url`, fill its `form_index`th POST form's fields by name and submit it as a browser would."""
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    forms = [f for f in lxml.html.fromstring(page.text).forms if (f.method or "").lower() == "post"]
    form = forms[form_index]
    rendered = {el.name for el in form.inputs if el.name}
    unknown = set(values) - rendered
    assert not unknown, f"the form does not render {sorted(unknown)}; it has {sorted(rendered)}"
    data = [(name, value) for name, value in form.form_values() if name not in values]
    for name, value in values.items():
        data += [(name, v) for v in (value if isinstance(value, list) else [value])]
    return client.post(form.action or url, data=MultiDict(data))


def complete_task(client, task_id: int, values: dict):
    """Submit a task's form (the first on its page) and expect the redirect a completed task gives."""
    response = post_form(client, f"/tasks/{task_id}", values)
    assert response.status_code == 302, response.text[:2000]
    return response

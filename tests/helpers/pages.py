"""Posting a page's form as a browser would: the fields, hidden inputs and token the server rendered, with what the
test fills in; a name the page does not render is refused. (A fuller helper, tests/helpers/forms.py, is coming;
this one covers the public form, task forms, the policy page and the status page.)"""
from __future__ import annotations

import lxml.html

from sqlalchemy import select

from models import Case


def rendered_form(html: str, url: str, action: str | None = None):
    """The page's post form whose action ends with `action` (a form without one posts to the page's `url`), or its
    only post form; with the action it posts to."""
    forms = [(f, f.get("action") or url) for f in lxml.html.fromstring(html).forms
             if (f.method or "get").lower() == "post"]
    if action is not None:
        forms = [(f, target) for f, target in forms if target.split("?")[0].endswith(action)]
    assert len(forms) == 1, f"expected one form posting to {action!r}, found {[target for _, target in forms]}"
    return forms[0]


def form_values(form, fill: dict) -> dict:
    """What a browser sends: each rendered field's value (ticked boxes only), with `fill` typed over them; a value
    a radio, checkbox or select does not offer is refused like a name the page does not render."""
    names = {field.name for field in form.inputs if field.name}
    unknown = set(fill) - names
    assert not unknown, f"the page renders no field named {sorted(unknown)} (it has {sorted(names)})"
    values: dict = {}
    for name, value in form.form_values():
        values[name] = [*values[name], value] if isinstance(values.get(name), list) else (
            [values[name], value] if name in values else value)
    for name, value in fill.items():
        options = getattr(form.inputs[name], "value_options", None)
        chosen = value if isinstance(value, list) else [value]
        assert options is None or set(chosen) <= set(options), f"{name} offers {options}, not {value!r}"
        values[name] = value
    return values


def submit(client, url: str, fill: dict | None = None, action: str | None = None, follow_redirects: bool = False):
    """Open `url` and post its form with `fill`, to the action the page gives."""
    page = client.get(url)
    assert page.status_code == 200, page.text[:500]
    form, target = rendered_form(page.text, url, action)
    return client.post(target, data=form_values(form, fill or {}), follow_redirects=follow_redirects)


def send_comment(client, comment_type: str = "complaint", email: str | None = "jo@example.com") -> str:
    """Walk the public form page by page, as its pages render; returns the reference the confirmation shows."""
    answers = [{"comment_type": comment_type}, {"service_area": "waste"},
               {"comment": "The bin was missed three weeks running."},
               {"customer_name": "Jo Bloggs", **({"customer_email": email, "preferred_contact": "email"} if email
                                                 else {})}]
    url = "/comment/type"
    for fill in answers:
        response = submit(client, url, fill)
        assert response.status_code == 302, response.text[:1000]
        url = response.location
    sent = submit(client, "/comment/check")
    assert sent.status_code == 302 and sent.location.endswith("/comment/sent"), sent.text[:3000]
    return client.get("/comment/sent").text.split("data-reference>")[1].split("<")[0]


def case_of(db, reference: str) -> Case:
    case = db.scalar(select(Case).filter_by(reference=reference))
    db.refresh(case)
    return case


def task_of(db, reference: str, bpmn_id: str):
    return next(t for t in case_of(db, reference).ready_tasks if t.bpmn_id == bpmn_id)


def do_task(client, task_id: int, fill: dict):
    """Complete a task through the form its page renders."""
    response = submit(client, f"/tasks/{task_id}", fill, action=f"/tasks/{task_id}")
    assert response.status_code == 302, response.text[:2000]
    return response

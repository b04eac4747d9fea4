"""The staff record form speaks to the officer who fills it in, about the customer: never "you" for the
customer."""
from __future__ import annotations

import re

import lxml.html

from processes.diagrams.forms import load_forms

from .helpers.forms import page_form

SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself)\b", re.IGNORECASE)
CUSTOMER_FIELDS = ("customer_name", "customer_email", "customer_phone", "customer_address")


def _words(definition: dict) -> list[str]:
    """Every label, hint, option, option hint and error message of a form definition."""
    found = []
    for field in definition["fields"]:
        found += [field.get("label", ""), field.get("hint", "")]
        found += [o["text"] for o in field.get("options", [])]
        found += list(field.get("options_hints", {}).values()) + list(field.get("errors", {}).values())
    return [w for w in found if w]


def _shown(html: str) -> list[str]:
    """The labels, legends, hints and error messages a page shows."""
    tree = lxml.html.fromstring(html)
    nodes = tree.xpath("//form//label | //form//legend | //*[contains(@class, 'govuk-hint')]"
                       " | //*[contains(@class, 'govuk-error-message')]"
                       " | //*[contains(@class, 'govuk-error-summary__list')]//a")
    return [" ".join(n.text_content().split()) for n in nodes]


def test_every_word_of_the_staff_record_definition_is_for_the_officer(app):
    definition = load_forms(app.config["FORMS_DIR"])["staff_record"]
    words = _words(definition)
    assert len(words) > 30
    assert [w for w in words if SECOND_PERSON.search(w)] == []
    hint = next(f["hint"] for f in definition["fields"] if f["name"] == "customer_name")
    assert hint.startswith("Leave blank if the customer wants to stay anonymous")


def test_the_rendered_form_and_its_errors_speak_to_the_officer(login_as):
    front = login_as("frontline")
    page = front.get("/cases/new").text
    assert [w for w in _shown(page) if SECOND_PERSON.search(w)] == []
    # every box left empty; an email reply without an address has its own error
    refused = page_form(front, "/cases/new").choose("preferred_contact", "email").submit()
    assert refused.status_code == 400
    shown = _shown(refused.text)
    assert "Enter the customer's email address, or choose another way to reply" in shown
    assert [w for w in shown if SECOND_PERSON.search(w)] == []


def test_the_officers_browser_does_not_fill_in_the_officers_own_details_for_the_customer(login_as):
    tree = lxml.html.fromstring(login_as("frontline").get("/cases/new").text)
    assert {name: tree.get_element_by_id(name).get("autocomplete") for name in CUSTOMER_FIELDS} == \
        dict.fromkeys(CUSTOMER_FIELDS, "off")


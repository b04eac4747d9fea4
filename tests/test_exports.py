"""The Ombudsman's case file and the subject access export hold everything, and only what they should."""
from __future__ import annotations

import io
import json
import re
import zipfile

from sqlalchemy import select

from models import AuditEntry, Case

from .helpers.forms import form_in, page_form
from .helpers.journeys import submit_online
from .helpers.pages import error_messages


def unzip(response) -> dict[str, bytes]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_case_file_holds_details_history_messages_and_the_diagram(client, db, login_as):
    reference = submit_online(client)
    cro = login_as("cro")
    assert "Download the whole case file" in cro.get(f"/cases/{reference}").text
    files = unzip(cro.get(f"/records/case-file/{reference}.zip"))

    case = db.scalar(select(Case).filter_by(reference=reference))
    record = json.loads(files["case.json"])
    assert record["case"]["reference"] == reference and record["case"]["customer_name"] == "Jo Bloggs"
    assert "workflow_state" not in record["case"] and "access_code" not in record["case"]
    assert [e["kind"] for e in record["history"]][0] == "submitted"
    assert record["process"]["content_hash"] == case.process_version.content_hash
    assert record["messages"] and {m["audience"] for m in record["messages"]} == {"staff"}
    assert files[f"diagram-complaint-v{case.process_version.number}.bpmn"] == case.process_version.bpmn_xml
    readable = files["case-file.html"].decode()
    assert (reference in readable and "Jo Bloggs" in readable
            and "The bin was missed three weeks running." in readable)
    assert len([name for name in files if name.startswith("messages/")]) == len(record["messages"])
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "case file exported",
                                              AuditEntry.case_reference == reference)) is not None


def test_a_subject_access_export_gathers_one_persons_cases_and_no_one_elses(app, db, login_as):
    mine = [submit_online(app.test_client()),
            submit_online(app.test_client(), "query", customer_name="Jo Bloggs",
                          customer_email="JO@example.com", preferred_contact="email")]
    submit_online(app.test_client(), customer_name="Sam Other", customer_email="sam@example.com",
                  preferred_contact="email")
    cro = login_as("cro")
    found = page_form(cro, "/records/subject-access", button="Find cases").fill("Email address",
                                                                                " jo@EXAMPLE.com ").submit()
    assert re.findall(r'data-reference="([^"]+)"', found.text) == mine and "2 cases found" in found.text

    files = unzip(form_in(cro, found, "http://localhost/records/subject-access",
                          button="Download everything held (zip)").submit())
    folders = {name.split("/")[0] for name in files if "/" in name}
    assert folders == set(mine)
    assert all(b"sam@example.com" not in content for content in files.values())
    # The search is sent again as the page kept it (as typed); the README names it without the stray spaces.
    assert files["README.txt"].decode().startswith("Subject access export for: jo@EXAMPLE.com\n")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "subject access export"))
    assert "Exported 2 cases" in entry.detail


def test_a_subject_access_search_needs_something_to_look_for(login_as):
    response = page_form(login_as("cro"), "/records/subject-access", button="Find cases").fill("Full name",
                                                                                               " ").submit()
    assert response.status_code == 400
    assert error_messages(response.text) == ["Enter the customer's email address, name or phone number"]

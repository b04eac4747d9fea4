"""Every route against every role, from one table. A route added without a row fails this test."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from models import (AnnualReport, Attachment, Case, ImprovementAction, Incident, OmbudsmanEnquiry,
                    OutboxMessage, RemedyAction, Representative, SubjectAccessRequest, User)

from processes.records import filestore

from .helpers.forms import post_by_hand
from .helpers.journeys import submit_online, tasks_of

ROLES = ["anon", "frontline", "investigator", "senior", "cro", "manager", "owner", "admin", "reports"]
STAFF = ROLES[1:]
# Staff who handle cases: demo officers work in every service area (test_visibility.py narrows them).
AREA_STAFF = ("frontline", "investigator", "senior", "cro", "manager", "admin")
ALL = {r: "ok" for r in ROLES}
SIGNED_IN = {"anon": "login", **{r: "ok" for r in STAFF}}


def only(*allowed: str) -> dict[str, str]:
    return {"anon": "login", **{r: "ok" if r in allowed else "deny" for r in STAFF}}


def refused_unless(*allowed: str) -> dict[str, str]:
    """Operations that say no with a message (and a redirect) rather than a 403."""
    return {"anon": "login", **{r: "ok" if r in allowed else "refused" for r in STAFF}}


READERS = only("cro", "manager", "admin", "reports")
CRO_CHANGES = {**READERS, "manager": "refused", "reports": "refused"}  # readers see, only the CRO changes
CASE_WORKERS = ("frontline", "investigator", "senior", "cro", "manager")
REPRESENTATIVE_CHANGES = {"anon": "login", **{r: "refused" if r in CASE_WORKERS else "deny" for r in STAFF}}

# endpoint: (method, path with {placeholders}, form data, expected outcome per role)
TABLE = {
    "public.start": ("GET", "/", None, ALL),
    "public.question": ("GET", "/comment/type", None, ALL),
    "public.check": ("GET", "/comment/check", None, ALL),
    "public.done": ("GET", "/comment/sent", None, ALL),
    "status.find": ("GET", "/status/", None, ALL),
    "status.show": ("GET", "/status/{token}", None, ALL),
    "status.review": ("POST", "/status/{token}/review", {},
                      {r: "refused" for r in ROLES}),  # not at that step
    "status.withdraw": ("POST", "/status/{token}/withdraw", {},
                        {r: "refused" for r in ROLES}),  # not confirmed
    "assets.package_file": ("GET", "/assets/govuk/govuk-frontend.min.css", None, ALL),
    "static": ("GET", "/static/app.css", None, ALL),
    "auth.login": ("GET", "/sign-in", None, ALL),
    "auth.logout": ("POST", "/sign-out", {}, SIGNED_IN),
    "tasks.my_tasks": ("GET", "/tasks/", None, SIGNED_IN),
    "tasks.team_tasks": ("GET", "/tasks/team", None, SIGNED_IN),
    "tasks.show": ("GET", "/tasks/{task}", None, only(*AREA_STAFF)),
    "tasks.claim": ("POST", "/tasks/{task}/claim", {}, {**refused_unless("frontline"), "owner": "deny",
                                                         "reports": "deny"}),
    "tasks.release": ("POST", "/tasks/{task}/release", {},
                      {**refused_unless(), "owner": "deny", "reports": "deny"}),
    "cases.overview": ("GET", "/cases/", None, only("cro", "admin")),
    "cases.record": ("GET", "/cases/new", None, only(*AREA_STAFF)),
    "cases.search": ("GET", "/cases/search?q=Smith", None, only(*AREA_STAFF)),
    "cases.show": ("GET", "/cases/{reference}", None, only(*AREA_STAFF)),
    "cases.diagram": ("GET", "/cases/{reference}/diagram.bpmn", None, only(*AREA_STAFF)),
    "cases.extend": ("POST", "/cases/{reference}/extension", {"working_days": "1", "reason": "x"},
                     {**refused_unless(), "owner": "deny", "reports": "deny"}),  # no extension asked for
    "cases.legal_hold": ("POST", "/cases/{reference}/legal-hold", {"hold": "yes"},
                         {**refused_unless("cro", "admin"), "owner": "deny", "reports": "deny"}),
    "cases.category": ("POST", "/cases/{reference}/category", {"category": "waste/staff_conduct"},
                       {**refused_unless("cro"), "owner": "deny", "reports": "deny"}),
    "cases.representative": ("POST", "/cases/{reference}/representatives", {},  # empty: refused beside fields
                             only("frontline", "investigator", "senior", "cro", "manager")),
    "cases.add_files": ("POST", "/cases/{reference}/attachments", {},  # no file: refused beside the field
                        only("frontline", "investigator", "senior", "cro", "manager")),
    "cases.representative_page": ("GET", "/cases/{reference}/representatives/{representative}", None,
                                  only("frontline", "investigator", "senior", "cro", "manager")),
    # A hand-made post carries no row version: refused, with a message, for those who act on cases.
    "cases.change_representative": ("POST", "/cases/{reference}/representatives/{representative}", {},
                                    REPRESENTATIVE_CHANGES),
    "cases.end_representative": ("POST", "/cases/{reference}/representatives/{representative}/end", {},
                                 REPRESENTATIVE_CHANGES),
    # Someone who may not see the case is told the file is not there, as for one that does not exist.
    # the CRO's case actions (empty posts: refused beside the fields, or with the reason)
    "cases.assign": ("POST", "/cases/{reference}/tasks/{task}/assign", {}, only("cro")),
    "cases.customer_request": ("POST", "/cases/{reference}/customer-request", {}, only("cro")),
    "cases.reopen": ("POST", "/cases/{reference}/reopen", {}, {**only("cro"), "cro": "refused"}),  # open
    "cases.late_review": ("POST", "/cases/{reference}/late-review", {}, {**only("cro"), "cro": "refused"}),
    "cases.service_area": ("POST", "/cases/{reference}/service-area", {}, only("cro")),
    "cases.comment_type": ("POST", "/cases/{reference}/type", {}, only("cro")),
    "cases.attachment": ("GET", "/cases/{reference}/attachments/{attachment}", None,
                         {**only(*AREA_STAFF), "owner": "hidden", "reports": "hidden"}),
    "cases.remedies": ("GET", "/cases/remedies", None, only("cro", "admin")),
    "cases.remedy": ("GET", "/cases/{reference}/remedies/{remedy}", None, only(*AREA_STAFF)),
    "cases.remedy_done": ("POST", "/cases/{reference}/remedies/{remedy}", {},  # empty: refused beside it
                          {**refused_unless("frontline", "investigator", "senior", "cro", "manager"),
                           "owner": "deny", "reports": "deny"}),
    "cases.notifications": ("GET", "/cases/notifications", None, SIGNED_IN),
    "cases.incidents": ("GET", "/cases/incidents", None, only("cro", "admin")),
    "cases.retry": ("POST", "/cases/incidents/{incident}/retry", {}, only("cro", "admin")),
    "cases.messages": ("GET", "/cases/messages", None, only("cro", "admin")),
    "cases.resend": ("POST", "/cases/messages/{message}/resend", {}, refused_unless("cro", "admin")),
    "cases.letters": ("GET", "/cases/letters", None, only("frontline", "cro", "admin")),
    "cases.letter": ("GET", "/cases/letters/{letter}", None, only("frontline", "cro", "admin")),
    "cases.posted": ("POST", "/cases/letters/{letter}/posted", {},
                     refused_unless("frontline", "cro", "admin")),
    "audit.index": ("GET", "/audit/?q=x", None, only("cro", "admin")),
    "audit.export": ("GET", "/audit/export.csv", None, only("cro", "admin")),
    "admin.users": ("GET", "/admin/users", None, only("admin")),
    "admin.edit": ("GET", "/admin/users/new", None, only("admin")),
    "records.case_file": ("GET", "/records/case-file/{reference}.zip", None, only("cro", "admin")),
    "records.subject_access": ("GET", "/records/subject-access", None, only("cro", "admin")),
    "records.subject_access_export": ("POST", "/records/subject-access/export", {"email": "jo@example.com"},
                                      only("cro", "admin")),
    "records.requests_list": ("GET", "/records/subject-access-requests", None, only("cro", "admin")),
    "records.log_request": ("GET", "/records/subject-access-requests/new", None, only("cro", "admin")),
    "records.close_request": ("POST", "/records/subject-access-requests/{sar}/close", {"status": "withdrawn"},
                              only("cro", "admin")),
    "reports.index": ("GET", "/reports/", None, only("cro", "manager", "admin", "reports")),
    "reports.export": ("GET", "/reports/by-type.csv", None, only("cro", "manager", "admin", "reports")),
    "reports.actions": ("GET", "/reports/actions", None, READERS),
    "reports.raise_action": ("POST", "/reports/actions", {}, CRO_CHANGES),
    "reports.action": ("GET", "/reports/actions/{action}", None, READERS),
    "reports.update_action": ("POST", "/reports/actions/{action}", {},
                              {**CRO_CHANGES, "manager": "ok"}),  # owner
    "reports.ombudsman": ("GET", "/reports/ombudsman", None, READERS),
    "reports.record_enquiry": ("POST", "/reports/ombudsman", {}, CRO_CHANGES),
    "reports.enquiry": ("GET", "/reports/ombudsman/{enquiry}", None, READERS),
    "reports.decide": ("POST", "/reports/ombudsman/{enquiry}/decision", {}, CRO_CHANGES),
    "reports.recommend": ("POST", "/reports/ombudsman/{enquiry}/recommendations", {}, CRO_CHANGES),
    "reports.quarterly": ("GET", "/reports/quarterly", None, READERS),
    "reports.annual": ("GET", "/reports/annual", None, READERS),
    "reports.save_assessment": ("POST", "/reports/annual/2026/self-assessment", {}, CRO_CHANGES),
    "reports.save_governance_response": ("POST", "/reports/annual/2026/governance-response", {}, CRO_CHANGES),
    "reports.attach_letter": ("POST", "/reports/annual/2026/ombudsman-letter", {}, CRO_CHANGES),
    "reports.letter": ("GET", "/reports/annual/2026/ombudsman-letter", None, READERS),
    "policy.index": ("GET", "/policy/", None, only("owner", "admin")),
    "policy.functions": ("GET", "/policy/functions", None, only("owner", "admin")),
    "policy.close_of_business": ("POST", "/policy/close-of-business", {"close_of_business": "x"},
                                 only("owner", "admin")),
    "policy.add_closure": ("POST", "/policy/closures", {}, only("owner", "admin")),
    "policy.remove_closure": ("POST", "/policy/closures/2031-01-01/remove", {}, only("owner", "admin")),
    "policy.choose_profile": ("POST", "/policy/profile", {"profile": "council"}, only("owner", "admin")),
    "policy.ombudsman": ("POST", "/policy/ombudsman", {"ombudsman_name": ""}, only("owner", "admin")),
    "modeller.index": ("GET", "/processes/", None, only("owner", "admin")),
    "modeller.edit": ("GET", "/processes/complaint/edit", None, only("owner", "admin")),
    "modeller.export": ("GET", "/processes/complaint/export", None, only("owner", "admin")),
    "modeller.import_file": ("POST", "/processes/complaint/import", {}, only("owner", "admin")),
    "modeller.validate": ("POST", "/processes/complaint/validate", {}, only("owner", "admin")),
    "modeller.deploy": ("POST", "/processes/complaint/deploy", {}, only("owner", "admin")),
    "modeller.preview_form": ("POST", "/processes/forms/preview", {}, only("owner", "admin")),
    "categories.index": ("GET", "/processes/categories/", None, only("owner", "admin")),
    "categories.area": ("GET", "/processes/categories/waste", None, only("owner", "admin")),
    "categories.category": ("GET", "/processes/categories/waste/staff_conduct", None, only("owner", "admin")),
    "versions.index": ("GET", "/processes/versions", None, only("owner", "admin")),
    "versions.history": ("GET", "/processes/complaint/versions", None, only("owner", "admin")),
    "versions.compare": ("GET", "/processes/complaint/versions/compare?a=1&b=1", None,
                         only("owner", "admin")),
    "versions.diff": ("GET", "/processes/complaint/versions/1/diff/1", None, only("owner", "admin")),
    "versions.rollback": ("GET", "/processes/complaint/versions/1/rollback", None, only("owner", "admin")),
    # the only version is the newest: refused with a message for those allowed to try
    "versions.migrate_version": ("POST", "/processes/complaint/versions/1/migrate", {},
                                 {**only("cro", "owner", "admin"), "cro": "refused", "owner": "refused",
                                  "admin": "refused"}),
    "versions.migrate_one": ("POST", "/cases/{reference}/version", {}, {**only("cro", "owner", "admin"),
                                                                       "cro": "refused", "owner": "refused",
                                                                       "admin": "refused"}),
    "policy.save_timescales": ("POST", "/policy/timescales/council", {"stage1_ack": "x"},
                               only("owner", "admin")),
}


def test_every_route_has_a_row(app):
    routed = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert routed - set(TABLE) == set(), "add a row to TABLE for each new route"
    assert set(TABLE) - routed == set(), "a row names a route that no longer exists"


@pytest.fixture()
def places(app, client, db):
    """One of everything the routes name: a complaint waiting for first contact, a letter, a failed
    message."""
    reference = submit_online(client)
    case = db.scalar(select(Case).filter_by(reference=reference))
    letter = OutboxMessage(case_id=case.id, audience="customer", channel="letter", template="acknowledgement",
                           to_address="1 High Street", subject="Letter", body="Dear", status="to_post")
    failed = OutboxMessage(case_id=case.id, audience="staff", channel="email", template="staff",
                           to_address="x@example.org", subject="Failed", body="x", status="failed")
    incident = Incident(case_id=case.id, error="test")
    enquiry = OmbudsmanEnquiry(case_id=case.id, received_on=date(2026, 1, 5), lgsco_reference="25 012 345")
    db.add_all([letter, failed, incident, enquiry])
    db.flush()
    manager = db.scalar(select(User).filter_by(email="manager@example.org"))
    action = ImprovementAction(source="ombudsman", description="Train the crews", owner_id=manager.id,
                               due_on=date(2026, 3, 1), case_id=case.id, ombudsman_enquiry_id=enquiry.id)
    db.add(action)
    stored = filestore.store(app.config["ATTACHMENTS_DIR"], io.BytesIO(b"%PDF-1.4\n%%EOF\n"), 1000)
    attachment = Attachment(case_id=case.id, sha256=stored.sha256, original_name="letter.pdf", kind="PDF",
                            mime="application/pdf", size=stored.size, scan_state="clean")
    db.add(attachment)
    db.add(AnnualReport(year=2026, letter_sha256=stored.sha256, letter_name="letter.pdf", letter_kind="PDF",
                        letter_mime="application/pdf", letter_size=stored.size, letter_scan_state="clean"))
    cro = db.scalar(select(User).filter_by(email="cro@example.org"))
    sar = SubjectAccessRequest(requester_name="Jo", requester_contact="jo@example.com", search_name="Jo",
                               received_on=date(2026, 1, 5), due_on=date(2026, 2, 5), logged_by_id=cro.id)
    db.add(sar)
    remedy = RemedyAction(case_id=case.id, stage="stage1", number=1, what="Replace the bin",
                          due_on=date(2031, 1, 3))
    db.add(remedy)
    representative = Representative(case_id=case.id, name="Cllr Ada Quill", relation="councillor",
                                    email="ada.quill@council.example", consent_how="email",
                                    consent_date=date(2026, 1, 2), consent_to_act=True)
    db.add(representative)
    db.commit()
    return {"attachment": attachment.id, "reference": reference, "token": case.status_token,
            "task": tasks_of(db, reference)["first_contact"].id, "letter": letter.id, "message": failed.id,
            "incident": incident.id, "action": action.id, "enquiry": enquiry.id, "sar": sar.id,
            "remedy": remedy.id, "representative": representative.id}


def outcome(response, client) -> str:
    if response.status_code == 403:
        return "deny"
    if response.status_code == 404:
        return "hidden"
    if response.status_code in (301, 302, 303):
        if "/sign-in?next=" in response.location:
            return "login"
        page = client.get(response.location)
        return "refused" if 'data-category="error"' in page.text else "ok"
    assert response.status_code in (200, 400), response.status_code
    return "ok"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(TABLE))
def test_route_access(app, db, places, login_as, role, endpoint):
    method, path, data, expected = TABLE[endpoint]
    client = app.test_client() if role == "anon" else login_as(role)
    url = path.format(**places)
    # Hand-made on purpose: most roles are refused the page, so there is no form to read; the post is what
    # someone forcing the route would send.
    response = client.get(url) if method == "GET" else post_by_hand(client, url, data=data)
    assert outcome(response, client) == expected[role], f"{role} {method} {url}"

"""Categories: the process owner's list kept with the process versions, chosen when a comment is recorded,
corrected by the CRO, counted in the reports; hostile input refused with GOV.UK errors beside the field."""
import html
from datetime import date, datetime, timezone

from sqlalchemy import select

from models import AuditEntry, Case, CaseStage, ProcessVersion
from processes.diagrams.deploy import latest_version
from processes.diagrams.versions import diff_versions
from processes.records.retention import anonymise_case
from processes.reporting.figures import Filters, dashboard

from .helpers.cases import SATISFIED, record_case
from .helpers.forms import page_form, post_by_hand

AREAS = {"waste": "Bins, waste and recycling", "housing": "Housing"}


def add(client, area: str, name: str):
    form = page_form(client, f"/processes/categories/{area}", button="Add category")
    return form.tamper("name", name).submit()  # tamper: lxml cannot type a NUL in, a hostile request can


def record_form(client, area="waste", category=None, **extra):
    form = page_form(client, "/cases/new", button="Record comment")
    form.choose("comment_type", "complaint").choose("channel", "phone").choose("service_area", area)
    form.fill("comment", "The bin was missed again.").fill("customer_name", "Jo Bloggs")
    if category:
        form.choose("category", category)
    for name, value in extra.items():
        form.tamper(name, value)
    return form


def error_beside(page: str, field: str, message: str) -> bool:
    return f'id="{field}-error"' in page and message in html.unescape(page) and "govuk-error-summary" in page


def test_owner_adds_a_category_which_deploys_new_versions_and_old_cases_keep_their_list(db, login_as, users):
    old = latest_version(db, "complaint")
    assert {c["name"] for c in old.categories["waste"]} >= {"Missed collection", "Bin delivery or repair"}
    old_xml = old.bpmn_xml  # deferred: read while `old` is in a session (a request's end closes it)
    earlier = record_case(db, users["frontline"], category="missed_collection")
    owner = login_as("owner")
    response = add(owner, "waste", "Garden waste subscription")
    assert response.status_code == 302
    db.expire_all()
    new = latest_version(db, "complaint")
    assert new.number == old.number + 1 and new.content_hash != old.content_hash
    assert new.bpmn_xml == old_xml and new.forms == old.forms
    assert {"key": "garden_waste_subscription", "name": "Garden waste subscription", "retired": False} \
        in new.categories["waste"]
    # every process gets a version with the new list; the old version is unchanged
    for key in ("compliment", "query", "suggestion"):
        assert latest_version(db, key).categories == new.categories
    assert "Garden waste subscription" not in {c["name"] for c in db.get(ProcessVersion, old.id)
                                              .categories["waste"]}
    assert earlier.process_version_id == old.id
    page = owner.get("/processes/categories/waste").text
    assert "Garden waste subscription" in page
    # the version history tells what changed between the two
    diff = owner.get(f"/processes/complaint/versions/{old.number}/diff/{new.number}").text
    assert "data-no-difference" not in diff and 'data-diff="categories"' in diff
    assert "Bins, waste and recycling: Garden waste subscription" in diff
    # the case on the old version is offered its own version's list
    cro = login_as("cro")
    shown = cro.get(f"/cases/{earlier.reference}").text
    assert "Missed collection" in shown and "waste/garden_waste_subscription" not in shown
    deployed = db.scalar(select(AuditEntry).filter_by(action="deploy").order_by(AuditEntry.id.desc()))
    assert deployed.detail.endswith("Added a category to Bins, waste and recycling")


def test_hostile_names_are_refused_beside_the_field(db, login_as):
    owner = login_as("owner")
    cases = [("", "Enter the category's name"), ("x" * 81, "80 characters or fewer"),
             ("  missed   COLLECTION ", "already has a category called missed COLLECTION"),
             ("Bad\u0007name", "without control characters"), ("Bad\u202ename", "without control characters")]
    before = latest_version(db, "complaint").number
    for name, message in cases:
        response = add(owner, "waste", name)
        assert response.status_code == 400, name
        assert error_beside(response.text, "name", message), name
    nul = add(owner, "waste", "Bad\u0000name")  # the app's input guard refuses a NUL anywhere
    assert nul.status_code == 400 and "There is a problem" in nul.text
    assert latest_version(db, "complaint").number == before
    assert owner.get("/processes/categories/nowhere").status_code == 404
    assert owner.get("/processes/categories/waste/no_such").status_code == 404
    # renaming to another's name, or to the same, is refused too
    rename = page_form(owner, "/processes/categories/waste/fly_tipping", button="Rename category")
    response = rename.fill("name", "Street Cleaning").submit()
    assert response.status_code == 400 and error_beside(response.text, "name", "already has a category")
    # only the process owner changes them
    officer = login_as("frontline")
    assert officer.get("/processes/categories/").status_code == 403
    assert post_by_hand(officer, "/processes/categories/waste", {"name": "Mine"}).status_code == 403
    assert latest_version(db, "complaint").number == before


def test_rename_and_retire_keep_cases_and_stop_offering_it(db, login_as, users):
    owner = login_as("owner")
    case = record_case(db, users["frontline"], category="fly_tipping")
    form = page_form(owner, "/processes/categories/waste/fly_tipping", button="Rename category")
    assert form.fill("name", "Fly-tipping and dumping").submit().status_code == 302
    response = page_form(owner, "/processes/categories/waste/fly_tipping", button="Retire category").submit()
    assert response.status_code == 302
    db.expire_all()
    newest = latest_version(db, "complaint")
    renamed = {"key": "fly_tipping", "name": "Fly-tipping and dumping", "retired": True}
    assert renamed in newest.categories["waste"]
    assert "Retired" in owner.get("/processes/categories/waste").text
    # no longer offered at recording; posted by hand it is refused
    officer = login_as("frontline")
    assert "waste/fly_tipping" not in officer.get("/cases/new").text
    response = record_form(officer).tamper("category", "waste/fly_tipping") \
        .submit()
    assert response.status_code == 400
    assert error_beside(response.text, "category", "Fly-tipping and dumping is no longer used")
    # the case recorded before keeps its category, named as its version names it
    assert "Fly-tipping" in login_as("cro").get(f"/cases/{case.reference}").text
    # brought back, it is offered again
    assert page_form(owner, "/processes/categories/waste/fly_tipping", button="Bring it back").submit() \
        .status_code == 302
    assert "waste/fly_tipping" in officer.get("/cases/new").text
    db.expire_all()
    changes = diff_versions(db.get(ProcessVersion, newest.id), latest_version(db, "complaint")).categories
    assert changes == {"added": [], "renamed": [], "retired": [],
                       "brought back": [("waste", "Fly-tipping and dumping")]}


def test_recording_takes_a_category_of_its_service_area_only(db, login_as):
    officer = login_as("frontline")
    for posted, message in [("housing/repairs", "Select a category of the service the comment is about"),
                            ("waste/no_such", "Select a category from the list"),
                            ("waste/" + "x" * 5000, "Select a category from the list"),
                            ("waste", "Select a category from the list")]:
        response = record_form(officer).tamper("category", posted).submit()
        assert response.status_code == 400, posted
        assert error_beside(response.text, "category", message), posted
    response = record_form(officer, category="Bins, waste and recycling: Missed collection").submit()
    assert response.status_code == 302
    reference = response.headers["Location"].rsplit("/", 1)[1]
    page = login_as("cro").get(f"/cases/{reference}").text
    assert "Missed collection" in page
    # without a category, it is "Not recorded" until the CRO chooses one
    response = record_form(officer).submit()
    assert response.status_code == 302
    assert "Not recorded" in login_as("cro").get(response.headers["Location"]).text


def test_cro_corrects_the_category_with_history_and_audit_naming_no_values(db, login_as, users):
    case = record_case(db, users["frontline"], category="missed_collection")
    cro = login_as("cro")
    form = page_form(cro, f"/cases/{case.reference}", button="Correct category")
    response = form.choose("category", "Staff conduct").submit()
    assert response.status_code == 302
    db.expire_all()
    case = db.get(Case, case.id)
    assert case.category == "staff_conduct"
    assert {s.category for s in db.scalars(select(CaseStage).filter_by(case_id=case.id))} <= {"staff_conduct"}
    event = case.events[-1]
    assert (event.kind, event.summary, event.actor_id) == ("category", "Category corrected", users["cro"].id)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.case_reference == case.reference)
                      .order_by(AuditEntry.id.desc()).limit(1))
    assert entry.action == "case category" and "Staff" not in entry.detail and "Missed" not in entry.detail
    page = cro.get(f"/cases/{case.reference}").text
    assert "Category corrected" in page
    # the same again, another area's, a retired one, nothing: refused beside the field
    url = f"/cases/{case.reference}/category"
    for posted, message in [("waste/staff_conduct", "This is the case's category already"),
                            ("housing/repairs", "Select a category of the service the comment is about"),
                            ("", "Select the category the comment is about")]:
        response = post_by_hand(cro, url, {"category": posted})
        assert response.status_code == 400, posted
        assert error_beside(response.text, "category", message), posted
    # only the CRO corrects
    refused = post_by_hand(login_as("investigator"), url, {"category": "waste/fly_tipping"},
                           follow_redirects=True)
    assert "Only the customer relations officer can correct" in html.unescape(refused.text)
    assert "Correct category" not in login_as("manager").get(f"/cases/{case.reference}").text
    # an anonymised case is refused with the reason
    anonymise_case(db, db.get(Case, case.id), datetime.now(timezone.utc))
    db.commit()
    response = post_by_hand(cro, url, {"category": "waste/fly_tipping"}, follow_redirects=True)
    assert "has been anonymised" in response.text
    db.expire_all()
    assert db.get(Case, case.id).category == "staff_conduct"


def test_report_figures_by_category_exactly(db, case_factory):
    c = case_factory
    a = c.submit((2026, 3, 2, 9), "complaint", "waste", "phone", category="missed_collection")
    c.do((2026, 3, 2, 10), a, "frontline", "first_contact", first_contact_notes="Sorted",
         **SATISFIED)
    b = c.submit((2026, 3, 3, 9), "complaint", "waste", "phone", category="missed_collection")
    c.submit((2026, 3, 4, 9), "complaint", "waste", "web", category="staff_conduct")
    c.submit((2026, 3, 5, 9), "complaint", "housing", "web", category="repairs")
    c.submit((2026, 3, 6, 9), "complaint", "housing", "web")
    q = c.submit((2026, 3, 6, 9), "query", "waste", "email", category="bin_delivery_or_repair")
    c.do((2026, 3, 9, 9), q, "investigator", "answer_query", query_answer="Yes", query_answer_method="email")
    waste = "Bins, waste and recycling"
    names = {("waste", "missed_collection"): "Bins, waste and recycling: Missed collection",
             ("waste", "staff_conduct"): "Bins, waste and recycling: Staff conduct",
             ("waste", "bin_delivery_or_repair"): "Bins, waste and recycling: Bin delivery or repair",
             ("housing", "repairs"): "Housing: Repairs"}
    march = Filters(date(2026, 3, 1), date(2026, 3, 31))
    got = {t.key: t.rows for t in dashboard(db, march, date(2026, 4, 1), AREAS, names)}
    assert got["by-category"] == [["Bins, waste and recycling: Missed collection", 2],
                                  ["Bins, waste and recycling: Bin delivery or repair", 1],
                                  ["Bins, waste and recycling: Staff conduct", 1],
                                  ["Housing: Not recorded", 1], ["Housing: Repairs", 1]]
    assert got["outcomes-by-category"] == [
        ["Bins, waste and recycling: Bin delivery or repair", "Query", "Response", "Answered", 1],
        [f"{waste}: Missed collection", "Complaint", "Stage 1", "Resolved at first contact", 1]]
    only = Filters(march.start, march.end, category="waste/missed_collection")
    got = {t.key: t.rows for t in dashboard(db, only, date(2026, 4, 1), AREAS, names)}
    assert got["by-type"] == [["Complaint", 2]]
    assert got["by-category"] == [[names["waste", "missed_collection"], 2]]
    # the CRO's correction moves the case in the figures, stage rows and all
    from processes.cases.categories import correct_category
    correct_category(db, c.users["cro"], c.fresh(a), "waste/staff_conduct")
    db.commit()
    got = {t.key: t.rows for t in dashboard(db, march, date(2026, 4, 1), AREAS, names)}
    assert ["Bins, waste and recycling: Staff conduct", 2] in got["by-category"]
    assert [f"{waste}: Staff conduct", "Complaint", "Stage 1", "Resolved at first contact", 1] \
        in got["outcomes-by-category"]
    assert b.category == "missed_collection"


def test_dashboard_filter_and_csv_by_category(db, login_as, users):
    record_case(db, users["frontline"], category="missed_collection")
    record_case(db, users["frontline"], category="missed_collection")
    record_case(db, users["frontline"], category="staff_conduct")
    today = datetime.now(timezone.utc).date()
    reader = login_as("reports")
    period = f"from={today.replace(day=1).isoformat()}&to={today.isoformat()}"
    page = reader.get(f"/reports/?{period}").text
    assert "Comments received by category" in page and "Bins, waste and recycling: Missed collection" in page
    csv = reader.get(f"/reports/by-category.csv?{period}").text
    assert '"Bins, waste and recycling: Missed collection",2' in csv
    assert '"Bins, waste and recycling: Staff conduct",1' in csv
    filtered = reader.get(f"/reports/by-type.csv?{period}&category=waste/staff_conduct").text
    assert "Complaint,1" in filtered
    # a category not in the list is ignored as the other filters are, not a 500
    assert reader.get(f"/reports/?{period}&category=%27%3Cscript%3E").status_code == 200
    annual = reader.get("/reports/annual").text
    assert "Comments received by category" in annual


def test_officer_chooses_the_category_at_triage_once(db, login_as, users, case_factory):
    case = record_case(db, users["frontline"])
    task = case_factory.task(case, "first_contact")
    officer = login_as("frontline")
    url = f"/tasks/{task.id}"
    form = page_form(officer, url, button="Complete task")
    form.choose("first_contact_outcome", "formal").fill("first_contact_notes", "Needs a formal response")
    response = form.tamper("category", "housing/repairs").submit()
    assert response.status_code == 400
    assert error_beside(response.text, "category", "Select a category of the service the comment is about")
    form = page_form(officer, url, button="Complete task")
    form.choose("first_contact_outcome", "formal").fill("first_contact_notes", "Needs a formal response")
    assert form.choose("category", "Bin delivery or repair").submit().status_code == 302
    db.expire_all()
    case = db.get(Case, case.id)
    assert case.category == "bin_delivery_or_repair"
    assert {s.category for s in db.scalars(select(CaseStage).filter_by(case_id=case.id))} == \
        {"bin_delivery_or_repair"}
    assert [e.summary for e in case.events if e.kind == "category"] == ["Category chosen"]
    # the next task does not ask again: the CRO corrects it from now on
    acknowledge = case_factory.task(case, "acknowledge_stage1")
    page = login_as("investigator").get(f"/tasks/{acknowledge.id}")
    assert page.status_code == 200 and 'name="ack_method"' in page.text and 'name="category"' not in page.text

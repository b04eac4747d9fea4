"""The CRO's case actions through the case page's rendered forms (issue 21): assigning a task to a named
officer; each with its history line and audit entry, refused with its reason where it does not apply."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEntry, CaseEvent, OutboxMessage, User, UserRole, UserServiceArea

from .helpers.cases import record_case
from .helpers.forms import page_form, post_by_hand
from .helpers.pages import error_messages


def flashed(client, response) -> str:
    """The page a redirect leads to, with its flash."""
    assert response.status_code == 302, response.text[:1000]
    return " ".join(client.get(response.location).text.split())


def lines(db, case, kind: str) -> list[str]:
    return list(db.scalars(select(CaseEvent.summary).where(CaseEvent.case_id == case.id,
                                                           CaseEvent.kind == kind)))


def audited(db, case, action: str) -> list[str]:
    return list(db.scalars(select(AuditEntry.detail).where(AuditEntry.case_reference == case.reference,
                                                           AuditEntry.action == action)))


def at_acknowledgement(db, users, case_factory):
    """A complaint past first contact: "Acknowledge the complaint" waits for the investigators."""
    case = record_case(db, users["frontline"])
    return case_factory.walk(case, "first_contact")


def new_user(db, email: str, name: str, role: str, areas=()) -> User:
    user = User(email=email, name=name, roles=[UserRole(role=role)],
                service_areas=[UserServiceArea(service_area=a) for a in areas])
    user.set_password("demo-password")
    db.add(user)
    db.commit()
    return user


def assign_form(client, case, task):
    return page_form(client, f"/cases/{case.reference}",
                     action=f"/cases/{case.reference}/tasks/{task.id}/assign")


def test_the_cro_assigns_a_task_to_a_named_officer_who_is_emailed(db, users, case_factory, login_as):
    case = at_acknowledgement(db, users, case_factory)
    task = case_factory.task(case, "acknowledge_stage1")
    cro = login_as("cro")
    page = flashed(cro, assign_form(cro, case, task).choose("officer", "Isla Investigator").submit())
    assert "“Acknowledge the complaint” assigned to Isla Investigator: they have been emailed" in page
    task = case_factory.task(case, "acknowledge_stage1")
    assert task.assigned_to.name == "Isla Investigator"
    line = f"Carla Relations assigned “{task.name}” (Stage 1) to Isla Investigator"
    assert lines(db, case, "assigned") == [line]
    assert audited(db, case, "case assigned") == [line]
    email = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "investigator2@example.org",
                                                  OutboxMessage.subject.startswith("A task assigned")))
    assert email.subject == f"A task assigned to you: {task.name} ({case.reference})"
    assert f"/tasks/{task.id}" in email.body
    # the task is in her own list now, and she may work on it
    assert task.name in login_as("investigator2").get("/tasks/").text


def test_only_officers_of_the_team_who_may_see_the_case_are_offered(db, users, case_factory, login_as):
    parks = new_user(db, "parks.investigator@example.org", "Pat Parks", "investigating_officer", ["parks"])
    case = at_acknowledgement(db, users, case_factory)  # about waste
    task = case_factory.task(case, "acknowledge_stage1")
    cro = login_as("cro")
    form = assign_form(cro, case, task)
    offered = [o.text for o in form.element.iter("option")]
    assert offered == ["Select an officer", "Ian Investigator", "Isla Investigator"]  # no Pat, no seniors
    response = form.tamper("officer", str(parks.id)).submit()
    assert response.status_code == 400
    assert "Select an officer of this task's team who may see the case" in error_messages(response.text)
    response = assign_form(cro, case, task).submit()  # nobody chosen
    assert "Select the officer to assign this task to" in error_messages(response.text)
    assert case_factory.task(case, "acknowledge_stage1").assigned_to_id is None
    assert lines(db, case, "assigned") == []


def test_of_two_cros_assigning_at_once_the_first_wins_and_the_other_is_told(db, users, case_factory,
                                                                              login_as):
    new_user(db, "cro2@example.org", "Cleo Relations", "customer_relations_officer")
    case = at_acknowledgement(db, users, case_factory)
    task = case_factory.task(case, "acknowledge_stage1")
    first, second = login_as("cro"), login_as("cro2")
    first_form = assign_form(first, case, task).choose("officer", "Ian Investigator")
    second_form = assign_form(second, case, task).choose("officer", "Isla Investigator")
    assert first_form.submit().status_code == 302
    page = flashed(second, second_form.submit())
    assert ("Someone else assigned this task while you were choosing: it is now with Ian Investigator. "
            "Nothing was changed") in page
    assert case_factory.task(case, "acknowledge_stage1").assigned_to.name == "Ian Investigator"
    assert len(lines(db, case, "assigned")) == 1


def test_an_officer_cannot_assign_tasks(db, users, case_factory, login_as):
    case = at_acknowledgement(db, users, case_factory)
    task = case_factory.task(case, "acknowledge_stage1")
    investigator = login_as("investigator")
    assert "Assign a task" not in investigator.get(f"/cases/{case.reference}").text
    response = post_by_hand(investigator, f"/cases/{case.reference}/tasks/{task.id}/assign",
                            {"officer": str(users["investigator"].id), "seen_assignee": ""})
    assert response.status_code == 403
    assert case_factory.task(case, "acknowledge_stage1").assigned_to_id is None

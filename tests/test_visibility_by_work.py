"""Who sees a case: roles, service areas, the tasks a person has or handled. Acting on a case in any other way
(moving it to a new version, updating an improvement action about it) never shows it to them."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from models import Case, CaseEvent, ImprovementAction, ReadyTask, User
from processes.access import can_view_case, visible_cases

from .helpers.forms import page_form, post_by_hand
from .helpers.journeys import complete, submit_online, take, tasks_of
from .test_learning import raise_action, update_action
from .test_versions import ADD_STEP, deploy
from .test_visibility import create_account, signed_in

NAME, EMAIL = "Xanthe Quill", "xanthe.quill@example.com"  # the personal data no page may show them
MORNING = datetime(2026, 2, 2, 9, tzinfo=timezone.utc)


def customer_case(client, comment_type: str = "complaint") -> str:
    """A case about waste from a member of the public, through the public form."""
    with time_machine.travel(MORNING, tick=False):
        return submit_online(client, comment_type, customer_name=NAME, customer_email=EMAIL,
                             preferred_contact="email")


STAFF_PAGES = ("/tasks", "/cases", "/reports", "/records", "/audit", "/processes", "/policy", "/admin")


def _staff_pages(app) -> list[str]:
    """Every staff page that takes no argument: the lists, searches and reports."""
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if "GET" in r.methods and not r.arguments and r.rule.startswith(STAFF_PAGES))


def assert_hidden_from(app, db, person, user_id: int, reference: str) -> None:
    """The case's own pages refuse them; no page they can open lists it or shows its customer; nor the one
    rule in SQL, nor the exports."""
    case_id = db.scalar(select(Case.id).filter_by(reference=reference))
    task_ids = db.scalars(select(ReadyTask.id).filter_by(case_id=case_id)).all()
    own = [f"/cases/{reference}", f"/cases/{reference}/diagram.bpmn", f"/records/case-file/{reference}.zip",
           *(f"/tasks/{i}" for i in task_ids)]
    for path in own:
        assert person.get(path).status_code == 403, path
    for path in _staff_pages(app):
        page = person.get(path)
        if page.status_code == 200:
            assert NAME not in page.text and EMAIL not in page.text, path
            if path.startswith(("/tasks", "/cases")):
                assert reference not in page.text, path
    assert post_by_hand(person, "/records/subject-access", data={"email": EMAIL}).status_code == 403
    user, case = db.get(User, user_id), db.get(Case, case_id)  # each request ended the objects' session
    assert case_id not in db.scalars(select(Case.id).where(visible_cases(user))).all()
    assert not can_view_case(db, user, case)


def _owner(db) -> User:
    return db.scalar(select(User).filter_by(email="owner@example.org"))


@pytest.mark.parametrize("how", ["batch of one", "batch of two", "one case by its route"])
def test_the_process_owner_who_moves_cases_to_a_new_version_still_cannot_see_them(app, client, db, login_as,
                                                                                 how):
    references = [customer_case(client, "query") for _ in range(2 if how == "batch of two" else 1)]
    key = db.scalar(select(Case).filter_by(reference=references[0])).process_version.process_key
    new = deploy(db, app, ADD_STEP, "Record every answer").number
    db.commit()
    with time_machine.travel(MORNING.replace(hour=10), tick=False):  # before the case's timers are due
        owner = login_as("owner")
        if how == "one case by its route":
            # The case page, which holds the one-case button, is refused to the owner, as is every page of the
            # case. The move itself is theirs to make: a post as the case page's button sends it.
            assert owner.get(f"/cases/{references[0]}").status_code == 403
            moved = post_by_hand(owner, f"/cases/{references[0]}/version", follow_redirects=True)
            assert f"{references[0]} now runs on version {new}" in moved.text
        else:
            count = len(references)
            button = f"Move {count} open case{'s' if count > 1 else ''} to version {new}"
            page = page_form(owner, f"/processes/{key}/versions", button=button).submit()
            assert f'data-moved="{count}"' in page.text
    for reference in references:
        moved = db.scalar(select(Case).filter_by(reference=reference)
                          .execution_options(populate_existing=True))
        assert moved.process_version.number == new
        assert moved.events[-1].kind == "migrated" and moved.events[-1].actor_id == _owner(db).id
        assert_hidden_from(app, db, login_as("owner"), _owner(db).id, reference)


def test_a_service_manager_updating_an_improvement_action_still_cannot_see_its_case(app, client, db,
                                                                                    login_as):
    admin = login_as("admin")
    assert create_account(admin, "mina@example.org", ["service_manager"], ["housing"]).status_code == 302
    reference = customer_case(client, "suggestion")  # about waste: not one of her areas
    assert raise_action(login_as("cro"), reference, "Mina").status_code == 302
    mina_user = db.scalar(select(User).filter_by(email="mina@example.org"))
    action = db.scalar(select(ImprovementAction).filter_by(owner_id=mina_user.id))
    assert action.case.reference == reference
    mina = signed_in(app, "mina@example.org")
    assert update_action(mina, action.id, "done", "Benches ordered").status_code == 302
    line = db.scalars(select(CaseEvent).filter_by(kind="improvement", actor_id=mina_user.id)).one()
    assert line.case.reference == reference  # what she did is in the case's history, under her name
    assert_hidden_from(app, db, mina, mina_user.id, reference)


def test_an_officer_sees_the_case_whose_task_is_assigned_to_them_and_after_they_completed_it(app, client, db,
                                                                                           login_as):
    admin = login_as("admin")
    assert create_account(admin, "hana@example.org", ["front_line_officer"], ["housing"]).status_code == 302
    reference = customer_case(client)  # about waste: not one of her areas
    hana_user = db.scalar(select(User).filter_by(email="hana@example.org"))
    hana = signed_in(app, "hana@example.org")
    task_id = tasks_of(db, reference)["first_contact"].id
    assert hana.get(f"/cases/{reference}").status_code == 403
    db.get(ReadyTask, task_id).assigned_to_id = hana_user.id  # assigned to her: she sees it
    db.commit()
    assert NAME in hana.get(f"/cases/{reference}").text and reference in hana.get("/tasks/").text
    complete(hana, task_id, {"first_contact_outcome": "formal", "first_contact_notes": "Wants it looked at."})
    assert not db.scalars(select(ReadyTask).filter_by(assigned_to_id=hana_user.id)).all()
    assert NAME in hana.get(f"/cases/{reference}").text  # she handled it: she still sees it
    case = db.scalar(select(Case).filter_by(reference=reference))
    assert case.id in db.scalars(select(Case.id).where(visible_cases(db.get(User, hana_user.id)))).all()


def test_an_officer_who_took_a_task_of_their_area_still_sees_the_case_after_the_area_is_taken_away(
        app, client, db, login_as):
    admin = login_as("admin")
    assert create_account(admin, "wes@example.org", ["front_line_officer"], ["waste"]).status_code == 302
    reference = customer_case(client)
    wes = signed_in(app, "wes@example.org")
    task_id = tasks_of(db, reference)["first_contact"].id
    take(wes, tasks_of(db, reference)["first_contact"])
    page_form(wes, f"/tasks/{task_id}", button="Release to the team").submit()
    wes_user = db.scalar(select(User).filter_by(email="wes@example.org"))
    page_form(admin, f"/admin/users/{wes_user.id}", button="Save changes") \
        .set_all({"service_areas": ["housing"]}).submit()
    wes = signed_in(app, "wes@example.org")
    assert NAME in wes.get(f"/cases/{reference}").text  # he took one of its tasks: he handled it


# Every kind of history line a person writes that is not handling a task: none of them shows the case.
NOT_HANDLING = ["migrated", "migration refused", "improvement", "ombudsman", "legal_hold", "extension",
                "incident", "task_closed", "closed", "released", "submitted", "review_requested", "notified"]


@pytest.mark.parametrize("kind", NOT_HANDLING)
def test_no_history_line_but_handling_a_task_widens_what_a_person_sees(client, db, users, kind):
    reference = customer_case(client)
    case = db.scalar(select(Case).filter_by(reference=reference))
    owner = users["owner"]
    db.add(CaseEvent(case_id=case.id, actor_id=owner.id, kind=kind, summary=f"The owner's {kind}"))
    db.flush()
    assert not can_view_case(db, owner, case)
    assert case.id not in db.scalars(select(Case.id).where(visible_cases(owner))).all()
    for handled in ("claimed", "completed"):  # and the lines that are handling a task do
        line = CaseEvent(case_id=case.id, actor_id=owner.id, kind=handled, summary="handled")
        db.add(line)
        db.flush()
        assert can_view_case(db, owner, case)
        assert case.id in db.scalars(select(Case.id).where(visible_cases(owner))).all()
        db.delete(line)
        db.flush()

"""Officers' task lists and the task page where a form moves a case on."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from processes import access
from processes.cases import queries
from processes.cases.tasks import TASK_GONE, check_can_act, claim_task, complete_task, get_task, release_task
from processes.cases.attachments import discard
from processes.errors import InvalidInput, NotAllowed, NotFound, ProcedureError
from processes.paging import page_number
from processes.records.audit import audit

from ..actions import act
from ..extensions import db, writes
from ..guard import guard
from ..unit_of_work import keep_even_if_refused, on_refusal
from ..uploads import kept_for_page, task_files, upload_rules

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
guard(bp)  # every task page is for signed-in staff


@bp.get("/")
def my_tasks():
    page = queries.my_tasks(db.session, current_user, page_number(request.args.get("page")))
    return render_template("tasks/list.html", title="My tasks", page=page, tasks=page.items, team=False)


@bp.get("/team")
def team_tasks():
    page = queries.team_tasks(db.session, current_user, page_number(request.args.get("page")))
    return render_template("tasks/list.html", title="Team tasks", page=page, tasks=page.items, team=True)


def _open_task(task_id: int):
    """The task if it is still open (ready), else None."""
    try:
        return get_task(db.session, task_id)
    except NotFound:
        return None


def _load(task_id: int):
    task = _open_task(task_id)
    if task is None:
        abort(404, TASK_GONE)
    if not access.can_view_case(db.session, current_user, task.case):
        abort(403)
    return task


@bp.post("/<int:task_id>/claim")
def claim(task_id: int):
    _load(task_id)
    return act(lambda: claim_task(db.session, current_user, task_id), "You have taken this task",
               url_for(".show", task_id=task_id))


@bp.post("/<int:task_id>/release")
def release(task_id: int):
    _load(task_id)
    return act(lambda: release_task(db.session, current_user, task_id), "Task released to the team",
               url_for(".team_tasks"))


def _ended(task_id: int):
    """A task's link once the task is done: what became of it, for those who may see its case."""
    ending = queries.task_ending(db.session, task_id)
    if ending is None:
        abort(404, TASK_GONE)
    if not access.can_view_case(db.session, current_user, ending.case):
        abort(403)
    name = ending.details["task"]
    title = f"“{name}” has been completed" if ending.kind == "completed" else f"“{name}” was closed"
    return render_template("tasks/ended.html", title=title, ending=ending, case=ending.case)


@bp.route("/<int:task_id>", methods=["GET", "POST"])
@writes  # audits the view
def show(task_id: int):
    if request.method == "GET" and _open_task(task_id) is None:
        return _ended(task_id)
    task = _load(task_id)
    case, values, errors, blocked, kept = task.case, {}, {}, None, []
    try:
        check_can_act(db.session, current_user, task)
    except NotAllowed as exc:
        blocked = str(exc)
    if request.method == "POST" and not blocked:
        seen = request.form.get("row_version", type=int)
        on_refusal(url_for("cases.show", reference=case.reference))
        files, tokens, refused = task_files(task_id, current_user, case)
        if refused:
            keep_even_if_refused()  # an infected file's audit entry stands (nothing else is written)
        try:
            complete_task(db.session, current_user, task_id, request.form, seen, files=files, refused=refused)
        except InvalidInput as exc:  # the files taken are kept for the next try, as the page lists them
            values, errors, kept = exc.values, exc.errors, kept_for_page(files, tokens)
        except ProcedureError:  # refused (someone else completed it, say): none of these is attached
            if db.session.is_active:  # else the daily run forgets them (forget_unclaimed)
                discard(db.session, upload_rules().directory, files)
            raise
        else:
            flash(f"“{task.name}” completed for {case.reference}", "success")
            return redirect(url_for(".my_tasks"))
    elif request.method == "POST":
        abort(403)
    else:
        audit(db.session, current_user, "view", f"Opened the task “{task.name}”", case.reference)
    definition = case.process_version.forms.get(task.form_name)
    return render_template("tasks/show.html", title=task.name, task=task, case=case, definition=definition,
                           values=values, errors=errors, form_errors=errors, kept=kept,
                           blocked=blocked), (400 if errors else 200)

"""The web side of the forms that take files: the files chosen in a request, and, for a task's form, the files
taken on an earlier try that was refused for another answer, carried in the form itself.

A browser never fills a file input again, so a task form refused for a missing answer would otherwise ask
for every file again; an officer expects the letter they chose to still be there. Each file kept is a
checkbox (ticked) whose value is signed for this task and this person, so nobody can point a form at
another case's file, and it lasts less than the week after which the store forgets files no case holds
(processes/cases/attachments.py: forget_unclaimed)."""
from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

from processes.cases.attachments import FIELD, UNCLAIMED_DAYS, Rules, rules_from, take_uploads
from processes.errors import InvalidInput
from processes.records import filestore
from processes.records.uploads import Taken

from .extensions import db

KEPT = "kept_files"  # the checkboxes of the files kept from an earlier try
KEPT_SECONDS = (UNCLAIMED_DAYS - 1) * 86400
LOST = "A file you chose before could not be kept: choose it again"


def upload_rules() -> Rules:
    return rules_from(current_app.config)


def chosen_files() -> list:
    """The files chosen in the form's file input (a browser sends an empty part when none is chosen)."""
    return [(f.filename, f.stream) for f in request.files.getlist(FIELD) if f.filename]


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="task-files")


def _kept(task_id: int, user_id: int) -> tuple[list[tuple[str, Taken]], list[str], bool]:
    """The kept files still ticked, their tokens (sent back as they came: their age counts from the upload)
    and whether any could not be kept (forged, for another task, too old, or gone from the store)."""
    files, tokens, lost = [], [], False
    for token in request.form.getlist(KEPT):
        try:
            item = _signer().loads(token, max_age=KEPT_SECONDS)
            taken = Taken(item["sha256"], item["size"], item["kind"], item["mime"], item["scan_state"])
            ours = (item["task"], item["user"]) == (task_id, user_id)
        except (BadData, KeyError, TypeError, ValueError):
            lost = True
            continue
        if not ours or not filestore.path_of(upload_rules().directory, taken.sha256).is_file():
            lost = True
            continue
        files.append((item["name"], taken))
        tokens.append(token)
    return files, tokens, lost


def task_files(task_id: int, user, case) -> tuple[list[tuple[str, Taken]], list[str], dict[str, str]]:
    """The files of a task form's submission: those kept from an earlier try and still ticked, and those
    chosen now, taken (judged, stored, scanned: one place for the rules). Returns them, the kept files'
    tokens, and the refusal to show beside the field (empty if none)."""
    kept, tokens, lost = _kept(task_id, user.id)
    try:
        taken = take_uploads(db.session, user, upload_rules(), chosen_files(), case, len(kept))
    except InvalidInput as exc:
        return kept, tokens, exc.errors
    return kept + taken, tokens + [keep_token(task_id, user.id, n, t) for n, t in taken], \
        {FIELD: LOST} if lost else {}


def keep_token(task_id: int, user_id: int, name: str, taken: Taken) -> str:
    return _signer().dumps({"task": task_id, "user": user_id, "name": name, **vars(taken)})


def kept_for_page(files: list[tuple[str, Taken]], tokens: list[str]) -> list[dict]:
    """What the task page shows of each kept file: its checkbox's value and its words."""
    return [{"token": token, "name": name, "kind": file.kind, "size": file.size}
            for (name, file), token in zip(files, tokens)]

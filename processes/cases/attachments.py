"""Attachments: files a comment comes with, taken one by one (judged from their content, stored under their
hash, scanned by clamd: processes/records/uploads.py) and then attached to the case.

The history line names how many files, never their names (a name is the customer's words); an infected file
is refused and audited without its name or content. A file waiting for clamd (`pending`) is never served; the
timer worker rescans it (`rescan_pending`)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Attachment, Case, ReadyTask, User
from processes.access import can_view_case, require
from processes.errors import InvalidInput, NotAllowed
from processes.records import filestore
from processes.records.audit import audit
from processes.records.history import audit_case, record_event
from processes.records.uploads import Taken, clean_name, scan_stored, take_file

FIELD = "attachments"


@dataclass(frozen=True)
class Rules:
    """The settings uploads obey (the app passes its config: ATTACHMENTS_DIR, ATTACHMENTS_MAX_FILES,
    ATTACHMENT_MAX_MB, CLAMD_SOCKET)."""
    directory: Path
    max_files: int
    max_mb: int
    clamd: str


def rules_from(config) -> Rules:
    """The Rules from the app's settings (a mapping: Flask's config)."""
    return Rules(Path(config["ATTACHMENTS_DIR"]), int(config["ATTACHMENTS_MAX_FILES"]),
                 int(config["ATTACHMENT_MAX_MB"]), str(config["CLAMD_SOCKET"]))


def take_uploads(session: Session, actor: User | None, rules: Rules, uploads: Iterable[tuple[str, BinaryIO]],
                 case: Case | None = None, already: int = 0) -> list[tuple[str, Taken]]:
    """Take every file (name, stream) given, with `already` files taken before for the same form; raises
    InvalidInput({"attachments": ...}) for the first refusal, after removing from the store what this call
    stored and no attachment uses. An infected file is audited."""
    uploads = list(uploads)
    if len(uploads) + already > rules.max_files:
        raise InvalidInput({FIELD: f"Select no more than {rules.max_files} files"})
    taken: list[tuple[str, Taken]] = []
    for name, stream in uploads:
        shown = clean_name(name)
        try:
            taken.append((shown, take_file(rules.directory, stream, FIELD, rules.max_mb, rules.clamd)))
        except InvalidInput as exc:
            discard(session, rules.directory, taken)
            if "virus" in exc.errors[FIELD]:
                detail = "Refused an uploaded file: it contains a virus (the file was not kept)"
                if case is not None:
                    audit_case(session, actor, "attachment refused", detail, case)
                else:
                    audit(session, actor or "customer", "attachment refused", detail)
            if len(uploads) > 1:
                raise InvalidInput({FIELD: f"{shown}: {exc.errors[FIELD]}"}) from None
            raise
    return taken


def discard(session: Session, directory: Path, taken: Iterable[tuple[str, Taken]]) -> None:
    """Remove taken files from the store when no attachment row names them (the comment was not saved)."""
    for _, file in taken:
        if not session.scalar(select(func.count()).select_from(Attachment).filter_by(sha256=file.sha256)):
            filestore.delete(directory, file.sha256)


def attach_files(session: Session, actor: User | None, case: Case, taken: list[tuple[str, Taken]],
                 task: ReadyTask | None = None) -> None:
    """Attach taken files to a case, with its comment or with the `task` just completed; `actor` None is the
    customer's own form."""
    if not taken:
        return
    if actor is not None and not can_view_case(session, actor, case):
        raise NotAllowed("This case is outside your service areas")
    came = {"came_with": "task", "task_id": task.id, "task_name": task.name, "stage": task.stage} if task \
        else {"came_with": "comment"}
    who, count = actor.name if actor else "The customer", len(taken)
    files = f"{count} file{'s' if count != 1 else ''}"
    _attach(session, actor, case, taken, came, f"{who} attached {files} with “{task.name}”" if task
            else f"{who} attached {files}", task.id if task else None)


def add_files(session: Session, actor: User, rules: Rules, case: Case,
              uploads: Iterable[tuple[str, BinaryIO]]) -> int:
    """Files that came later (a letter by post, say) added from the case page by an officer who works on it:
    taken as on the forms, then attached; returns how many."""
    require(actor, "work_tasks", "Only officers who work on cases can add files to them")
    if not can_view_case(session, actor, case):
        raise NotAllowed("This case is outside your service areas")
    if case.anonymised_at is not None:
        raise NotAllowed("This case has been anonymised: no files can be added to it")
    taken = take_uploads(session, actor, rules, uploads, case=case)
    if not taken:
        raise InvalidInput({FIELD: "Select a file to add"})
    count = len(taken)
    _attach(session, actor, case, taken, {"came_with": "case"},
            f"{actor.name} added {count} file{'s' if count != 1 else ''} to the case")
    return count


def _attach(session: Session, actor: User | None, case: Case, taken: list[tuple[str, Taken]], came: dict,
            summary: str, task_id: int | None = None) -> None:
    for name, file in taken:
        session.add(Attachment(case=case, sha256=file.sha256, original_name=name, kind=file.kind,
                               mime=file.mime, size=file.size, scan_state=file.scan_state,
                               uploaded_by_id=actor.id if actor else None, **came))
    record_event(session, case, actor, "attached", summary, task_id=task_id)  # the count, never the names
    session.flush()


def attachment_to_serve(session: Session, actor: User, case: Case, attachment_id: int) -> Attachment | None:
    """The case's attachment for `actor` to download, or None (not this case's, or the actor may not see the
    case: the same answer, so that nobody learns which exist). A pending one is returned: the caller says it
    is being checked and serves nothing."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id or not can_view_case(session, actor, case):
        return None
    return attachment


def rescan_pending(session: Session, rules: Rules, limit: int = 100) -> dict[str, int]:
    """Scan files that waited for clamd: clean ones are served from now on; an infected one is deleted with
    its row (and audited); those clamd still cannot scan wait on."""
    counts = {"clean": 0, "infected": 0, "pending": 0}
    waiting = session.scalars(select(Attachment).filter_by(scan_state="pending").order_by(Attachment.id)
                              .limit(limit)).all()
    for attachment in waiting:
        state = scan_stored(rules.directory, attachment.sha256, rules.clamd)
        counts[state] += 1
        if state == "clean":
            attachment.scan_state = "clean"
        elif state == "infected":
            case, sha = attachment.case, attachment.sha256
            session.delete(attachment)
            session.flush()
            discard(session, rules.directory, [("", Taken(sha, 0, "", "", "infected"))])
            record_event(session, case, None, "attachment_removed",
                         "A file that waited to be checked contained a virus and was removed")
    session.flush()
    return counts


UNCLAIMED_DAYS = 7  # a public form's files wait this long for their comment to be sent


def forget_unclaimed(session: Session, directory: Path, now: float, days: int = UNCLAIMED_DAYS) -> int:
    """Delete stored files that no attachment names and that were stored more than `days` ago: what a
    customer uploaded on the public form and never sent (their words and photos, kept nowhere else). Returns
    how many went. Run daily by the timer worker."""
    directory, cutoff, gone = Path(directory), now - days * 86400, 0
    if not directory.is_dir():
        return 0
    for path in directory.glob("??/*"):
        if not filestore.is_hash(path.name) or path.stat().st_mtime > cutoff:
            continue
        if not session.scalar(select(func.count()).select_from(Attachment).filter_by(sha256=path.name)):
            filestore.delete(directory, path.name)
            gone += 1
    return gone


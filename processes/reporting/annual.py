"""The annual complaints report's own parts (the Code's section 8): the self-assessment against each provision
of the Code, the governing body's response, the Ombudsman's annual letter and the complaints not taken."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AnnualReport, Attachment, CaseStage, ProcessVersion, SelfAssessment, User
from models.reporting import ANSWERS
from processes.access import require
from processes.errors import InvalidInput
from processes.records import filestore
from processes.records.audit import audit
from processes.records.uploads import clean_name, take_file
from processes.typed import date_from_parts

# Data, not code: the Code's sections in the LGSCO's order, each with its numbered provisions. It lies beside
# the reporting code that reads it: no one edits it in the browser (a new Code is a new release), and it is
# not a task form (forms/), which deploys with a diagram.
PROVISIONS_FILE = Path(__file__).with_name("code_provisions.json")
_WHO = "Only the Customer Relations Officer can change this"


@dataclass(frozen=True)
class Provision:
    number: str  # "6.3"
    text: str
    checked: bool = True  # False: summarised without the Code's text to hand (see the file's "source")

    @property
    def field(self) -> str:
        """The form's name for it: answer_6_3, evidence_6_3."""
        return self.number.replace(".", "_")


@dataclass(frozen=True)
class CodeSection:
    key: str
    number: int
    title: str
    provisions: tuple[Provision, ...]

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}"


@lru_cache(maxsize=1)
def code_sections() -> tuple[CodeSection, ...]:
    """The Code's sections, read once from the data file."""
    data = json.loads(PROVISIONS_FILE.read_text(encoding="utf-8"))
    return tuple(CodeSection(s["key"], s["number"], s["title"],
                             tuple(Provision(p["number"], p["text"], p.get("checked", True))
                                   for p in s["provisions"])) for s in data["sections"])


def self_assessment(session: Session, year: int) -> dict[str, SelfAssessment]:
    """The year's answers by provision number."""
    return {a.provision: a for a in session.scalars(select(SelfAssessment).filter_by(year=year))}


def save_self_assessment(session: Session, actor: User, year: int, values: Mapping[str, str]) -> None:
    """Answer every provision of the Code for a year, with the evidence for each answer."""
    require(actor, "change_improvement", _WHO)
    errors: dict[str, str] = {}
    for section in code_sections():
        for p in section.provisions:
            if values.get(f"answer_{p.field}") not in ANSWERS:
                errors[f"answer_{p.field}"] = f"Select how far we meet provision {p.number}"
            elif len((values.get(f"evidence_{p.field}") or "").strip()) > 4000:
                errors[f"evidence_{p.field}"] = "This must be 4,000 characters or fewer"
    if errors:
        raise InvalidInput(errors, dict(values))
    saved = self_assessment(session, year)
    for section in code_sections():
        for p in section.provisions:
            row = saved.get(p.number) or SelfAssessment(year=year, section=section.key, provision=p.number)
            row.answer, row.evidence = values[f"answer_{p.field}"], (
                values.get(f"evidence_{p.field}") or "").strip()
            row.section, row.updated_by_id = section.key, actor.id
            session.add(row)
    session.flush()
    audit(session, actor, "self-assessment", f"Self-assessment against the Code saved for {year}")


def annual_report(session: Session, year: int) -> AnnualReport | None:
    return session.get(AnnualReport, year)


def _report_row(session: Session, year: int) -> AnnualReport:
    row = session.get(AnnualReport, year)
    if row is None:
        row = AnnualReport(year=year)
        session.add(row)
    return row


def save_governance_response(session: Session, actor: User, year: int, values: Mapping[str, str],
                             today: date) -> AnnualReport:
    """The governing body's response to the year's report, as the CRO enters it: who, when, what."""
    require(actor, "change_improvement", _WHO)
    errors: dict[str, str] = {}
    body = (values.get("governance_body") or "").strip()
    text = (values.get("governance_response") or "").strip()
    if not body:
        errors["governance_body"] = "Enter who responded, such as the Audit and Governance Committee"
    elif len(body) > 200:
        errors["governance_body"] = "This must be 200 characters or fewer"
    on = date_from_parts(values.get("responded_on-year"), values.get("responded_on-month"),
                         values.get("responded_on-day"))
    if on is None:  # the errors in the page's order
        errors["responded_on"] = "Enter the date of the response as a real date, like 27 3 2027"
    elif on > today:
        errors["responded_on"] = "The date of the response must be today or in the past"
    if not text:
        errors["governance_response"] = "Enter the governing body's response"
    elif len(text) > 20000:
        errors["governance_response"] = "This must be 20,000 characters or fewer"
    if errors:
        raise InvalidInput(errors, dict(values))
    row = _report_row(session, year)
    row.governance_body, row.governance_response, row.governance_responded_on = body, text, on
    row.governance_entered_by_id = actor.id
    session.flush()
    audit(session, actor, "annual report", f"Governing body's response to the annual report {year} recorded")
    return row


def attach_ombudsman_letter(session: Session, actor: User, year: int, name: str | None, stream: BinaryIO,
                            directory: Path, max_mb: int, clamd: str, now: datetime) -> AnnualReport:
    """The Ombudsman's annual letter for the year: judged, stored and scanned like any attachment (a refusal
    is an InvalidInput beside the `letter` field); a new letter replaces the one before."""
    require(actor, "change_improvement", _WHO)
    if not name:
        raise InvalidInput({"letter": "Select the Ombudsman's annual letter"})
    try:
        taken = take_file(directory, stream, "letter", max_mb, clamd)
    except InvalidInput as refused:
        if refused.errors.get("letter") == "The selected file contains a virus":
            audit(session, actor, "attachment refused",
                  f"Refused the Ombudsman's letter for {year}: it contains a virus (the file was not kept)")
        raise
    row = _report_row(session, year)
    replaced = row.letter_sha256
    row.letter_sha256, row.letter_name, row.letter_kind = taken.sha256, clean_name(name), taken.kind
    row.letter_mime, row.letter_size, row.letter_scan_state = taken.mime, taken.size, taken.scan_state
    row.letter_uploaded_by_id, row.letter_uploaded_at = actor.id, now
    session.flush()
    if replaced and replaced != taken.sha256 and not _file_in_use(session, replaced):
        filestore.delete(directory, replaced)
    audit(session, actor, "annual report", f"The Ombudsman's annual letter for {year} attached")
    return row


def _file_in_use(session: Session, sha256: str) -> bool:
    # The store is shared with the cases' attachments.
    return bool(session.scalar(select(func.count()).select_from(Attachment).filter_by(sha256=sha256))
                or session.scalar(select(func.count()).select_from(AnnualReport)
                                  .filter_by(letter_sha256=sha256)))


# What a summary of complaints not taken may be counted by: the service area, and the reason chosen from the
# first contact form's list (its key; older free-text reasons count as not recorded).
NOT_TAKEN_BY = MappingProxyType({"service_area": CaseStage.service_area,  # read-only: no module state
                                 "reason": CaseStage.not_taken_reason})


def reasons_not_taken(definition: Mapping) -> list[dict[str, str]]:
    """A first contact form's reasons for not taking a complaint (the options of `signpost_reason`): key, the
    words shown to the officer, and where to go (the option's hint, named in the signposting letter)."""
    field = next((f for f in definition.get("fields", []) if f.get("name") == "signpost_reason"), {})
    where = field.get("options_hints") or {}
    return [{"key": o["value"], "text": o["text"], "where": where.get(o["value"], "")}
            for o in field.get("options", []) if isinstance(o, Mapping)]


def reason_labels(session: Session) -> dict[str, str]:
    """The words of each reason, as the newest complaint versions' forms name them (older names first, so
    a reason renamed or removed since is still named)."""
    labels: dict[str, str] = {}
    for forms in session.scalars(select(ProcessVersion.forms).filter_by(process_key="complaint")
                                 .order_by(ProcessVersion.id)):
        if forms and "first_contact" in forms:
            labels.update({r["key"]: r["text"] for r in reasons_not_taken(forms["first_contact"])})
    return labels


def complaints_not_taken(session: Session, lower: datetime, upper: datetime,
                         by: str = "service_area") -> list[tuple[str | None, int]]:
    """Complaints received in [lower, upper) and not taken on: closed as signposted at first contact, counted
    by `by` (most first)."""
    column = NOT_TAKEN_BY[by]
    count = func.count(CaseStage.id)
    return [(key, number) for key, number in session.execute(
        select(column, count).where(CaseStage.comment_type == "complaint", CaseStage.outcome == "signposted",
                                    CaseStage.received_at >= lower, CaseStage.received_at < upper)
        .group_by(column).order_by(count.desc(), column))]

"""The management figures: aggregate SQL over the cases and their recorded facts, never the workflows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from models import Case, CaseRemedy, CaseStage, ImprovementAction, OmbudsmanEnquiry
from models.case import CHANNELS, COMMENT_TYPES
from models.reporting import ACTION_SOURCES, OMBUDSMAN_DECISIONS, OUTCOMES, REMEDIES, STAGES

from .calendar import LONDON

SERVICE_AREAS = {"waste": "Waste and recycling", "council_tax": "Council tax", "housing": "Housing",
                 "planning": "Planning", "parks": "Parks and open spaces",
                 "environmental_health": "Environmental health", "licensing": "Licensing",
                 "customer_services": "Customer services", "other": "Other"}
NONE = "Not recorded"
FORMAL_OUTCOMES = ("upheld", "partly_upheld", "not_upheld")


@dataclass(frozen=True)
class Filters:
    """Cases received from `start` to `end` (UK dates, both included), optionally of one area, type, channel."""

    start: date
    end: date
    service_area: str | None = None
    comment_type: str | None = None
    channel: str | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return _midnight(self.start), _midnight(self.end + timedelta(days=1))

    def where(self) -> list:
        """Cases received in the period and matching the other filters."""
        lower, upper = self.bounds
        return [Case.received_at >= lower, Case.received_at < upper, *self.narrowing()]

    def narrowing(self) -> list:
        pairs = ((Case.service_area, self.service_area), (Case.comment_type, self.comment_type),
                 (Case.channel, self.channel))
        return [column == value for column, value in pairs if value]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON).astimezone(timezone.utc)


@dataclass
class Table:
    """One measure: a captioned table, the column its bar chart draws, and its CSV name."""

    key: str
    caption: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    chart_column: int | None = 1
    unit: str = ""

    def bars(self) -> list[tuple[str, float]]:
        if self.chart_column is None:
            return []
        return [(str(r[0]), float(r[self.chart_column] or 0)) for r in self.rows]


def percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _label(names: dict[str, str], value: str | None) -> str:
    return names.get(value, value) if value else NONE


def _counted(session: Session, column, filters: Filters, names: dict[str, str], key: str, caption: str,
             heading: str) -> Table:
    rows = session.execute(select(column, func.count()).where(*filters.where()).group_by(column)
                           .order_by(func.count().desc(), column)).all()
    return Table(key, caption, [heading, "Comments"], [[_label(names, v), n] for v, n in rows])


def volumes(session: Session, f: Filters) -> list[Table]:
    """Comments received by type, channel, service area and month."""
    return [_counted(session, Case.comment_type, f, COMMENT_TYPES, "by-type", "Comments received by type", "Type"),
            _counted(session, Case.channel, f, CHANNELS, "by-channel", "Comments received by channel", "Channel"),
            _counted(session, Case.service_area, f, SERVICE_AREAS, "by-service", "Comments received by service area",
                     "Service area"),
            by_month(session, f)]


def _months(f: Filters) -> list[date]:
    first, months = f.start.replace(day=1), []
    while first <= f.end:
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def by_month(session: Session, f: Filters) -> Table:
    """Months as people count them (UK time): a CASE over the month boundaries works on any database."""
    months = _months(f)
    bucket = case(*[(Case.received_at < _midnight((m + timedelta(days=32)).replace(day=1)), i)
                    for i, m in enumerate(months)], else_=len(months))
    counts = dict(session.execute(select(bucket, func.count()).where(*f.where()).group_by(bucket)).all())
    return Table("by-month", "Comments received by month", ["Month", "Comments"],
                 [[m.strftime("%B %Y"), counts.get(i, 0)] for i, m in enumerate(months)])


def acknowledged_in_time(session: Session, f: Filters) -> Table:
    """Of the acknowledgements sent (or first-contact resolutions), how many were within the timescale."""
    stmt = (select(CaseStage.stage, func.count(), func.sum(case((CaseStage.ack_in_time.is_(True), 1), else_=0)))
            .join(Case, Case.id == CaseStage.case_id).where(*f.where(), CaseStage.ack_in_time.is_not(None))
            .group_by(CaseStage.stage).order_by(CaseStage.stage))
    rows = [[STAGES[s], n, int(ok or 0), percent(int(ok or 0), n)] for s, n, ok in session.execute(stmt).all()]
    return Table("acknowledged", "Acknowledged within time", ["Stage", "Acknowledged", "Within time", "% within time"],
                 rows, chart_column=3, unit="%")


def responded_in_time(session: Session, f: Filters) -> Table:
    """Responses within time by stage, with and without an extension; average working days taken."""
    extended = CaseStage.extension_days > 0
    stmt = (select(CaseStage.stage, extended, func.count(),
                   func.sum(case((CaseStage.response_in_time.is_(True), 1), else_=0)),
                   func.avg(CaseStage.working_days_to_respond))
            .join(Case, Case.id == CaseStage.case_id)
            .where(*f.where(), CaseStage.response_in_time.is_not(None))
            .group_by(CaseStage.stage, extended).order_by(CaseStage.stage, extended))
    rows = []
    for stage, ext, n, ok, avg in session.execute(stmt).all():
        label = f"{STAGES[stage]}, {'with' if ext else 'without'} extension"
        rows.append([label, n, int(ok or 0), percent(int(ok or 0), n), round(float(avg), 1) if avg is not None else None])
    return Table("responded", "Responded within time", ["Stage", "Responses", "Within time", "% within time",
                                                         "Average working days to respond"],
                 rows, chart_column=3, unit="%")


def average_days(session: Session, f: Filters) -> Table:
    stmt = (select(CaseStage.stage, func.count(), func.avg(CaseStage.working_days_to_respond))
            .join(Case, Case.id == CaseStage.case_id)
            .where(*f.where(), CaseStage.response_in_time.is_not(None))  # formal responses, not first contact
            .group_by(CaseStage.stage).order_by(CaseStage.stage))
    rows = [[STAGES[s], n, round(float(a), 1)] for s, n, a in session.execute(stmt).all()]
    return Table("working-days", "Average working days to respond", ["Stage", "Responses", "Average working days"],
                 rows, chart_column=2, unit=" days")


def outcomes_by_service(session: Session, f: Filters) -> Table:
    """Complaint outcomes at each stage per service area (resolved at first contact counts at stage 1)."""
    stmt = (select(Case.service_area, CaseStage.stage, CaseStage.outcome, func.count())
            .join(Case, Case.id == CaseStage.case_id)
            .where(*f.where(), Case.comment_type == "complaint", CaseStage.outcome.is_not(None))
            .group_by(Case.service_area, CaseStage.stage, CaseStage.outcome)
            .order_by(Case.service_area, CaseStage.stage, CaseStage.outcome))
    rows = [[_label(SERVICE_AREAS, a), STAGES[s], _label(OUTCOMES, o), n] for a, s, o, n in session.execute(stmt)]
    return Table("outcomes", "Complaint outcomes by service area", ["Service area", "Stage", "Outcome", "Complaints"],
                 rows, chart_column=None)


def remedies(session: Session, f: Filters) -> Table:
    stmt = (select(CaseRemedy.remedy, func.count(), func.sum(CaseRemedy.amount))
            .join(Case, Case.id == CaseRemedy.case_id).where(*f.where())
            .group_by(CaseRemedy.remedy).order_by(func.count().desc(), CaseRemedy.remedy))
    rows = [[REMEDIES[r], n, f"{amount:.2f}" if amount is not None else ""] for r, n, amount in session.execute(stmt)]
    return Table("remedies", "Remedies given", ["Remedy", "Times given", "Total financial remedy (£)"], rows)


def escalation(session: Session, f: Filters) -> Table:
    """Stage 1 complaints answered, and how many of them the customer took to stage 2."""
    stmt = (select(func.sum(case((CaseStage.stage == "stage1", 1), else_=0)),
                   func.sum(case((CaseStage.stage == "stage2", 1), else_=0)))
            .join(Case, Case.id == CaseStage.case_id)
            .where(*f.where(), Case.comment_type == "complaint",
                   CaseStage.outcome.in_(FORMAL_OUTCOMES + ("resolved",)) | (CaseStage.stage == "stage2")))
    stage1, stage2 = (int(v or 0) for v in session.execute(stmt).one())
    return Table("escalation", "Escalation from stage 1 to stage 2",
                 ["Measure", "Stage 1 responses", "Taken to stage 2", "% escalated"],
                 [["Complaints", stage1, stage2, percent(stage2, stage1)]], chart_column=3, unit="%")


def ombudsman(session: Session, f: Filters) -> Table:
    """Ombudsman enquiries received in the period (for cases matching the filters), by decision."""
    where = [*f.narrowing(), OmbudsmanEnquiry.received_on >= f.start, OmbudsmanEnquiry.received_on <= f.end]
    stmt = (select(OmbudsmanEnquiry.decision, func.count()).join(Case, Case.id == OmbudsmanEnquiry.case_id)
            .where(*where).group_by(OmbudsmanEnquiry.decision).order_by(OmbudsmanEnquiry.decision))
    rows = [[_label(OMBUDSMAN_DECISIONS, d) if d else "Awaiting decision", n] for d, n in session.execute(stmt)]
    return Table("ombudsman", "Ombudsman enquiries by decision", ["Decision", "Enquiries"], rows)


def actions(session: Session, f: Filters, today: date) -> Table:
    """Improvement actions due in the period, by where they came from; open ones past their due date."""
    overdue = and_(ImprovementAction.status == "open", ImprovementAction.due_on < today)
    stmt = (select(ImprovementAction.source, func.count(),
                   func.sum(case((ImprovementAction.status == "done", 1), else_=0)), func.sum(case((overdue, 1), else_=0)))
            .where(ImprovementAction.due_on >= f.start, ImprovementAction.due_on <= f.end,
                   *([ImprovementAction.service_area == f.service_area] if f.service_area else []))
            .group_by(ImprovementAction.source).order_by(ImprovementAction.source))
    rows = [[ACTION_SOURCES[s], n, int(d or 0), int(o or 0)] for s, n, d, o in session.execute(stmt)]
    return Table("actions", "Improvement actions due in the period", ["Raised from", "Actions", "Done", "Overdue"], rows)


def adopted_suggestions(session: Session, f: Filters) -> Table:
    stmt = (select(CaseStage.outcome, func.count()).join(Case, Case.id == CaseStage.case_id)
            .where(*f.where(), Case.comment_type == "suggestion", CaseStage.outcome.is_not(None))
            .group_by(CaseStage.outcome).order_by(CaseStage.outcome))
    rows = [[_label(OUTCOMES, o), n] for o, n in session.execute(stmt)]
    return Table("suggestions", "Suggestions decided", ["Decision", "Suggestions"], rows)


def compliments(session: Session, f: Filters) -> Table:
    only = Filters(f.start, f.end, f.service_area, "compliment", f.channel)
    if f.comment_type not in (None, "compliment"):  # filtered to another type: no compliments to count
        only = Filters(f.start, f.start - timedelta(days=1))
    table = _counted(session, Case.service_area, only, SERVICE_AREAS, "compliments", "Compliments by service area",
                     "Service area")
    table.headers[1] = "Compliments"
    return table


def dashboard(session: Session, f: Filters, today: date) -> list[Table]:
    """Every measure listed under Monitoring, for the cases received in the period."""
    return [*volumes(session, f), acknowledged_in_time(session, f), responded_in_time(session, f),
            average_days(session, f), escalation(session, f), outcomes_by_service(session, f), remedies(session, f),
            compliments(session, f), adopted_suggestions(session, f), ombudsman(session, f), actions(session, f, today)]

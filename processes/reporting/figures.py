"""The management figures: aggregate SQL over the cases and their recorded facts, never the workflows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from models import (POINT_OUTCOMES, Case, CaseRemedy, CaseStage, ComplaintPoint, ImprovementAction,
                    OmbudsmanEnquiry, RemedyAction, Representative)
from models.case import CHANNELS, COMMENT_TYPES
from models.case import STAGES
from models.representative import ELECTED, RELATIONSHIPS
from models.reporting import ACTION_SOURCES, FIRST_CONTACT, OMBUDSMAN_DECISIONS, OUTCOMES, REMEDIES
from processes.policy.calendar import LONDON
from processes.reporting.facts import NOT_HANDLED_AS_COMPLAINTS

NONE = "Not recorded"
FORMAL_OUTCOMES = ("upheld", "partly_upheld", "not_upheld")


@dataclass(frozen=True)
class Filters:
    """Cases received from `start` to `end` (UK dates, both included), optionally of one area, type,
    channel."""

    start: date
    end: date
    service_area: str | None = None
    comment_type: str | None = None
    channel: str | None = None
    # "area/key": one category of one service area (a category's key is its area's own)
    category: str | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return _midnight(self.start), _midnight(self.end + timedelta(days=1))

    def where(self, model=Case) -> list:
        """Rows (of cases, or of their stages) received in the period and matching the other filters."""
        lower, upper = self.bounds
        return [model.received_at >= lower, model.received_at < upper, *self.narrowing(model)]

    def narrowing(self, model=Case) -> list:
        pairs = ((model.service_area, self.service_area), (model.comment_type, self.comment_type),
                 (model.channel, self.channel))
        narrowed = [column == value for column, value in pairs if value]
        if self.category:
            area, _, key = self.category.partition("/")
            narrowed += [model.service_area == area, model.category == key]
        return narrowed


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


def _labelled(counts: dict, names: dict[str, str]) -> list[list[Any]]:
    """Rows of (label, count), largest first, ties in label order."""
    return [[_label(names, k), n]
            for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], _label(names, kv[0])))]


def _months(f: Filters) -> list[date]:
    first, months = f.start.replace(day=1), []
    while first <= f.end:
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def volume_groups(session: Session, f: Filters) -> list[tuple]:
    """Cases counted by type, channel, service area and month in one pass over the reporting index.

    Months are as people count them (UK time): a CASE over the month boundaries works on any database.
    """
    months = _months(f)
    bucket = case(*[(Case.received_at < _midnight((m + timedelta(days=32)).replace(day=1)), i)
                    for i, m in enumerate(months)], else_=len(months))
    keys = (Case.comment_type, Case.channel, Case.service_area, Case.category, bucket.label("month"))
    return session.execute(select(*keys, func.count().label("n")).where(*f.where(Case)).group_by(*keys)).all()


def _sum_by(groups, key: str, where=lambda g: True) -> dict:
    """Add up the groups' counts by one of their keys."""
    totals: dict = {}
    for g in groups:
        if where(g):
            totals[getattr(g, key)] = totals.get(getattr(g, key), 0) + g.n
    return totals


def volumes(groups, f: Filters, areas: dict[str, str]) -> list[Table]:
    """Comments received by type, channel, service area and month; compliments by service area."""
    by_month = _sum_by(groups, "month")
    compliments = _sum_by(groups, "service_area", lambda g: g.comment_type == "compliment")
    return [Table("by-type", "Comments received by type", ["Type", "Comments"],
                  _labelled(_sum_by(groups, "comment_type"), COMMENT_TYPES)),
            Table("by-channel", "Comments received by channel", ["Channel", "Comments"],
                  _labelled(_sum_by(groups, "channel"), CHANNELS)),
            Table("by-service", "Comments received by service area", ["Service area", "Comments"],
                  _labelled(_sum_by(groups, "service_area"), areas)),
            Table("by-month", "Comments received by month", ["Month", "Comments"],
                  [[m.strftime("%B %Y"), by_month.get(i, 0)] for i, m in enumerate(_months(f))]),
            Table("compliments", "Compliments by service area", ["Service area", "Compliments"],
                  _labelled(compliments, areas))]


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def stage_groups(session: Session, f: Filters) -> list:
    """Every stage measure in one pass: counts per stage, type, service area, outcome and extension."""
    s = CaseStage
    keys = (s.stage, s.comment_type, s.service_area, s.category, s.outcome, s.first_contact,
            (s.extension_days > 0).label("extended"))
    answered = s.response_in_time.is_not(None)
    return session.execute(select(
        *keys, _count_if(s.ack_in_time.is_not(None)).label("acked"),
        _count_if(s.ack_in_time.is_(True)).label("acked_ok"),
        _count_if(answered).label("answered"), _count_if(s.response_in_time.is_(True)).label("answered_ok"),
        func.sum(case((answered, s.working_days_to_respond), else_=0)).label("days"),
        func.count().label("n")).where(*f.where(s)).group_by(*keys)).all()


def _add(totals: dict, key, values) -> None:
    totals[key] = [a + int(b or 0) for a, b in zip(totals.get(key, [0] * len(values)), values)]


def acknowledged_in_time(groups) -> Table:
    """Of the acknowledgements sent (or first-contact resolutions), how many were within the timescale; a
    comment found at first contact to be a request for service, not for this procedure or a duplicate is
    not counted."""
    totals: dict = {}
    for g in groups:
        if g.acked and g.outcome not in NOT_HANDLED_AS_COMPLAINTS:
            _add(totals, g.stage, (g.acked, g.acked_ok))
    rows = [[STAGES[k], n, ok, percent(ok, n)] for k, (n, ok) in sorted(totals.items())]
    return Table("acknowledged", "Acknowledged within time",
                 ["Stage", "Acknowledged", "Within time", "% within time"], rows, chart_column=3, unit="%")


def _average(days: int, n: int) -> float:
    return round(days / n, 1)


def responded_in_time(groups) -> Table:
    """Responses within time by stage, with and without an extension; average working days taken."""
    totals: dict = {}
    for g in groups:
        if g.answered:
            _add(totals, (g.stage, bool(g.extended)), (g.answered, g.answered_ok, g.days))
    rows = [[f"{STAGES[stage]}, {'with' if ext else 'without'} extension", n, ok, percent(ok, n),
             _average(days, n)]
            for (stage, ext), (n, ok, days) in sorted(totals.items())]
    return Table("responded", "Responded within time", ["Stage", "Responses", "Within time", "% within time",
                                                         "Average working days to respond"],
                 rows, chart_column=3, unit="%")


def average_days(groups) -> Table:
    """Formal responses only: a resolution at first contact has no response deadline."""
    totals: dict = {}
    for g in groups:
        if g.answered:
            _add(totals, g.stage, (g.answered, g.days))
    rows = [[STAGES[k], n, _average(days, n)] for k, (n, days) in sorted(totals.items())]
    return Table("working-days", "Average working days to respond",
                 ["Stage", "Responses", "Average working days"], rows, chart_column=2, unit=" days")


def outcomes_by_service(groups, areas: dict[str, str]) -> Table:
    """Complaint outcomes at each stage per service area (resolved at first contact counts at stage 1)."""
    totals: dict = {}
    for g in groups:
        if g.comment_type == "complaint" and g.outcome:
            _add(totals, (_label(areas, g.service_area), STAGES[g.stage], _label(OUTCOMES, g.outcome)),
                 (g.n,))
    rows = [[*key, n] for key, (n,) in sorted(totals.items())]
    return Table("outcomes", "Complaint outcomes by service area",
                 ["Service area", "Stage", "Outcome", "Complaints"], rows, chart_column=None)


def category_label(categories: dict[tuple[str, str], str], areas: dict[str, str], area, key) -> str:
    """"Housing: Repairs"; a case without a category counts under its area's "Not recorded"."""
    if not key:
        return f"{_label(areas, area)}: {NONE}"
    return categories.get((area, key)) or f"{_label(areas, area)}: {key}"


def by_category(groups, areas: dict[str, str], categories: dict[tuple[str, str], str]) -> Table:
    """Comments received by category (each named with its service area), largest first."""
    totals: dict = {}
    for g in groups:
        name = category_label(categories, areas, g.service_area, g.category)
        totals[name] = totals.get(name, 0) + g.n
    return Table("by-category", "Comments received by category", ["Category", "Comments"],
                 [[k, n] for k, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))])


def outcomes_by_category(groups, areas: dict[str, str], categories: dict[tuple[str, str], str]) -> Table:
    """Outcomes of every comment with one, at each stage, per category."""
    totals: dict = {}
    for g in groups:
        if g.outcome:
            name = category_label(categories, areas, g.service_area, g.category)
            _add(totals, (name, COMMENT_TYPES[g.comment_type], STAGES[g.stage], _label(OUTCOMES, g.outcome)),
                 (g.n,))
    rows = [[*key, n] for key, (n,) in sorted(totals.items())]
    return Table("outcomes-by-category", "Outcomes by category",
                 ["Category", "Type", "Stage", "Outcome", "Comments"], rows, chart_column=None)


def escalation(groups) -> Table:
    """Stage 1 complaints answered (or resolved at first contact), and how many the customer took to stage
    2."""
    stage1 = sum(g.n for g in groups if g.comment_type == "complaint" and g.stage == "stage1"
                 and g.outcome in FORMAL_OUTCOMES + ("resolved",))
    stage2 = sum(g.n for g in groups if g.comment_type == "complaint" and g.stage == "stage2")
    return Table("escalation", "Escalation from stage 1 to stage 2",
                 ["Measure", "Stage 1 responses", "Taken to stage 2", "% escalated"],
                 [["Complaints", stage1, stage2, percent(stage2, stage1)]], chart_column=3, unit="%")


def first_contact(groups) -> Table:
    """Complaints offered a resolution at first contact, by whether the customer said they were satisfied."""
    totals = _sum_by(groups, "first_contact", lambda g: g.comment_type == "complaint" and g.first_contact)
    offered = sum(totals.values())
    rows = [[label, totals.get(key, 0), percent(totals.get(key, 0), offered)]
            for key, label in FIRST_CONTACT.items()]
    return Table("first-contact", "Resolution at first contact",
                 ["What the customer said", "Complaints", "% of resolutions offered"], rows)


def service_requests(groups, areas: dict[str, str]) -> Table:
    """Comments recorded as complaints that were requests for service, passed to the service at first contact
    (the Code asks that they are recorded and monitored), by service area, largest first."""
    totals = _sum_by(groups, "service_area", lambda g: g.comment_type == "complaint"
                     and g.outcome == "service_request")
    return Table("service-requests", "Requests for service passed on at first contact",
                 ["Service area", "Requests for service"], _labelled(totals, areas))


def adopted_suggestions(groups) -> Table:
    totals = _sum_by(groups, "outcome", lambda g: g.comment_type == "suggestion" and g.outcome)
    rows = [[_label(OUTCOMES, k), n] for k, n in sorted(totals.items())]
    return Table("suggestions", "Suggestions decided", ["Decision", "Suggestions"], rows)


def remedies(session: Session, f: Filters) -> Table:
    stmt = (select(CaseRemedy.remedy, func.count(), func.sum(CaseRemedy.amount))
            .join(Case, Case.id == CaseRemedy.case_id).where(*f.where(Case))
            .group_by(CaseRemedy.remedy).order_by(func.count().desc(), CaseRemedy.remedy))
    rows = [[REMEDIES[r], n, f"{amount:.2f}" if amount is not None else ""]
            for r, n, amount in session.execute(stmt)]
    return Table("remedies", "Remedies given", ["Remedy", "Times given", "Total financial remedy (£)"], rows)


def remedy_actions(session: Session, f: Filters, today: date) -> Table:
    """Remedies the responses promised to do later, in complaints received in the period, by stage: done by
    their date (UK time), done after it, and not done with the date passed."""
    stmt = (select(RemedyAction.stage, RemedyAction.due_on, RemedyAction.done_at)
            .join(Case, Case.id == RemedyAction.case_id).where(*f.where(Case)))
    totals: dict[str, list[int]] = {}
    for stage, due_on, done_at in session.execute(stmt):  # a few per complaint: counted here, not in SQL
        done_on = done_at.astimezone(LONDON).date() if done_at else None
        row = totals.setdefault(stage, [0, 0, 0, 0])
        row[0] += 1
        row[1] += done_on is not None and done_on <= due_on
        row[2] += done_on is not None and done_on > due_on
        row[3] += done_on is None and due_on < today
    return Table("remedy-actions", "Remedy actions", ["Stage", "Promised", "Done on time", "Done late",
                                                      "Open and overdue"],
                 [[STAGES[k], *v] for k, v in sorted(totals.items())], chart_column=None)


def ombudsman(session: Session, f: Filters) -> Table:
    """Ombudsman enquiries received in the period (for cases matching the filters), by decision."""
    where = [*f.narrowing(), OmbudsmanEnquiry.received_on >= f.start, OmbudsmanEnquiry.received_on <= f.end]
    stmt = (select(OmbudsmanEnquiry.decision, func.count()).join(Case, Case.id == OmbudsmanEnquiry.case_id)
            .where(*where).group_by(OmbudsmanEnquiry.decision).order_by(OmbudsmanEnquiry.decision))
    rows = [[_label(OMBUDSMAN_DECISIONS, d) if d else "Awaiting decision", n]
            for d, n in session.execute(stmt)]
    return Table("ombudsman", "Ombudsman enquiries by decision", ["Decision", "Enquiries"], rows)


def elected_enquiries(session: Session, f: Filters) -> Table:
    """Comments made by an MP or a councillor for a constituent, received in the period: each case once per
    kind of representative (from the representatives table; anonymised cases still count)."""
    stmt = (select(Representative.relation, func.count(func.distinct(Case.id)))
            .join(Case, Case.id == Representative.case_id)
            .where(Representative.relation.in_(ELECTED), *f.where(Case))
            .group_by(Representative.relation))
    counts = dict(session.execute(stmt).all())
    return Table("elected", "MP and councillor enquiries", ["Made by", "Comments"],
                 [[RELATIONSHIPS[r], counts.get(r, 0)] for r in ELECTED])


def point_outcomes(session: Session, f: Filters, areas: dict[str, str]) -> Table:
    """The points of complaints received in the period, by service area, stage and the outcome each point was
    given (from the points table: points still awaiting their response are not counted; anonymised ones
    are)."""
    stmt = (select(Case.service_area, ComplaintPoint.stage, ComplaintPoint.outcome, func.count())
            .join(Case, Case.id == ComplaintPoint.case_id)
            .where(ComplaintPoint.outcome.is_not(None), *f.where(Case))
            .group_by(Case.service_area, ComplaintPoint.stage, ComplaintPoint.outcome))
    counts: dict = {}
    for area, stage, outcome, n in session.execute(stmt):
        counts.setdefault((_label(areas, area), stage), {})[outcome] = n
    rows = [[area, _label(STAGES, stage), *(by.get(o, 0) for o in POINT_OUTCOMES), sum(by.values())]
            for (area, stage), by in sorted(counts.items())]
    return Table("points", "Points of complaint by service area and outcome",
                 ["Service area", "Stage", *POINT_OUTCOMES.values(), "Points answered"], rows,
                 chart_column=None)


def actions(session: Session, f: Filters, today: date) -> Table:
    """Improvement actions due in the period, by where they came from; open ones past their due date."""
    overdue = and_(ImprovementAction.status == "open", ImprovementAction.due_on < today)
    stmt = (select(ImprovementAction.source, func.count(),
                   _count_if(ImprovementAction.status == "done"), _count_if(overdue))
            .where(ImprovementAction.due_on >= f.start, ImprovementAction.due_on <= f.end,
                   *([ImprovementAction.service_area == f.service_area] if f.service_area else []))
            .group_by(ImprovementAction.source).order_by(ImprovementAction.source))
    rows = [[ACTION_SOURCES[s], n, int(d or 0), int(o or 0)] for s, n, d, o in session.execute(stmt)]
    return Table("actions", "Improvement actions due in the period",
                 ["Raised from", "Actions", "Done", "Overdue"], rows)


def dashboard(session: Session, f: Filters, today: date, areas: dict[str, str],
              categories: dict[tuple[str, str], str] | None = None) -> list[Table]:
    """Every measure listed under Monitoring, for the cases received in the period; `areas` names service
    areas, `categories` each (area, key) category."""
    categories = categories or {}
    groups = volume_groups(session, f)
    by_type, by_channel, by_service, by_month, compliments = volumes(groups, f, areas)
    stages = stage_groups(session, f)
    return [by_type, by_channel, by_service, by_category(groups, areas, categories), by_month,
            acknowledged_in_time(stages), responded_in_time(stages), average_days(stages), escalation(stages),
            first_contact(stages), service_requests(stages, areas),
            outcomes_by_service(stages, areas), point_outcomes(session, f, areas),
            outcomes_by_category(stages, areas, categories),
            remedies(session, f), remedy_actions(session, f, today), compliments, adopted_suggestions(stages),
            ombudsman(session, f),
            elected_enquiries(session, f), actions(session, f, today)]

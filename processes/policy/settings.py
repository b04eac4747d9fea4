"""The working-day calendar and timescales as the process owner has set them."""
from __future__ import annotations

from datetime import date, time
from typing import Any, Mapping

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from models import PROFILES, ClosureDay, PolicySetting, Timescale, User
from processes.access import require
from processes.errors import InvalidInput
from processes.policy.calendar import WorkingCalendar
from processes.records.audit import audit

DEFAULT_PROFILE = "council"  # the timescale profile in force until the process owner chooses another


def setting(session: Session, key: str, default: str) -> str:
    row = session.get(PolicySetting, key)
    return row.value if row else default


def ombudsman_details(session: Session) -> dict[str, str]:
    """The Ombudsman's name, website, phone and address, kept in one place of policy data (policy_setting rows
    `ombudsman_*`): {"name": ..., "website": ..., "phone": ..., "address": ...}."""
    rows = session.execute(select(PolicySetting.key, PolicySetting.value)
                           .where(PolicySetting.key.startswith("ombudsman_")))
    return {key.removeprefix("ombudsman_"): value for key, value in rows}


def load_calendar(session: Session) -> WorkingCalendar:
    """Bank holidays, the council's closure days and its close of business, as they stand now (one query)."""
    return calendar_from(*session.execute(_CALENDAR).one())


def calendar_from(close_of_business: str | None, closure_days: str | None) -> WorkingCalendar:
    """The calendar from the values of `CALENDAR_COLUMNS`."""
    hours, minutes = (close_of_business or "17:00").split(":")
    closures = (frozenset(date.fromisoformat(day) for day in closure_days.split(",")) if closure_days
                else frozenset())
    return WorkingCalendar(closures=closures, close_of_business=time(int(hours), int(minutes)))


# The calendar as two values, the close of business and the closure days joined by commas, so that a query
# reading something else can read the calendar in the same round trip (processes.procedure.load_step).
CALENDAR_COLUMNS = (
    select(PolicySetting.value).where(PolicySetting.key == "close_of_business").scalar_subquery(),
    select(func.aggregate_strings(cast(ClosureDay.day, String), ",")).scalar_subquery())
_CALENDAR = select(*CALENDAR_COLUMNS)


def active_profile(session: Session) -> str:
    return setting(session, "timescale_profile", DEFAULT_PROFILE)


def current_timescales(session: Session) -> dict[str, Any]:
    """The active profile as the diagrams read it: {"stage1_response": 10, "stage1_response_from": ...}."""
    values: dict[str, Any] = {}
    for key, working_days, counts_from in session.execute(_ACTIVE_TIMESCALES):
        values[key] = working_days
        if counts_from:
            values[f"{key}_from"] = counts_from
    return values


_ACTIVE_PROFILE = func.coalesce(select(PolicySetting.value).where(PolicySetting.key == "timescale_profile")
                                .scalar_subquery(), DEFAULT_PROFILE)
_ACTIVE_TIMESCALES = select(Timescale.key, Timescale.working_days, Timescale.counts_from).where(
    Timescale.profile == _ACTIVE_PROFILE)


def _require_owner(actor: User) -> None:
    require(actor, "change_policy", "Only the process owner can change the calendar and timescales")


def add_closure_day(session: Session, actor: User, day: date, reason: str) -> ClosureDay:
    _require_owner(actor)
    errors = {}
    if session.get(ClosureDay, day) is not None:
        errors["day"] = f"{day:%-d %B %Y} is already a closure day"
    if not reason.strip():
        errors["reason"] = "Enter why the council is closed that day"
    elif len(reason) > 200:
        errors["reason"] = "The reason must be 200 characters or fewer"
    if errors:
        raise InvalidInput(errors)
    closure = ClosureDay(day=day, reason=reason.strip(), added_by_id=actor.id)
    session.add(closure)
    audit(session, actor, "policy", f"Added closure day {day.isoformat()}: {reason.strip()}")
    session.flush()
    return closure


def remove_closure_day(session: Session, actor: User, day: date) -> None:
    _require_owner(actor)
    closure = session.get(ClosureDay, day)
    if closure is not None:
        session.delete(closure)
        audit(session, actor, "policy", f"Removed closure day {day.isoformat()}")
        session.flush()


def choose_profile(session: Session, actor: User, profile: str) -> None:
    _require_owner(actor)
    if profile not in PROFILES:
        raise InvalidInput({"profile": "Select one of the timescale profiles"})
    row = (session.get(PolicySetting, "timescale_profile")
           or PolicySetting(key="timescale_profile", value=profile))
    row.value = profile
    session.add(row)
    audit(session, actor, "policy", f"New cases follow the {profile} timescales")
    session.flush()


def set_close_of_business(session: Session, actor: User, value: str) -> None:
    """After this time (UK) a comment counts as received on the next working day."""
    _require_owner(actor)
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput({"close_of_business": "Enter a time in 24-hour form, like 17:00"}) from None
    row = session.get(PolicySetting, "close_of_business") or PolicySetting(key="close_of_business", value="")
    row.value = f"{parsed:%H:%M}"
    session.add(row)
    audit(session, actor, "policy", f"Close of business set to {row.value}")
    session.flush()


OMBUDSMAN_FIELDS = {"name": "the Ombudsman's name", "website": "the Ombudsman's website",
                    "phone": "the Ombudsman's phone number", "address": "the Ombudsman's postal address"}


def set_ombudsman_details(session: Session, actor: User, values: Mapping[str, str]) -> None:
    """The details every page and message gives customers for the Ombudsman: one place, changed here."""
    _require_owner(actor)
    cleaned = {field: " ".join((values.get(field) or "").split()) for field in OMBUDSMAN_FIELDS}
    errors = {f"ombudsman_{field}": f"Enter {label}" for field, label in OMBUDSMAN_FIELDS.items()
              if not cleaned[field]}
    errors.update({f"ombudsman_{field}": f"{label[0].upper()}{label[1:]} must be 200 characters or fewer"
                   for field, label in OMBUDSMAN_FIELDS.items() if len(cleaned[field]) > 200})
    if errors:
        raise InvalidInput(errors)
    for field, value in cleaned.items():
        row = (session.get(PolicySetting, f"ombudsman_{field}")
               or PolicySetting(key=f"ombudsman_{field}", value=""))
        if row.value != value:
            audit(session, actor, "policy", f"Ombudsman's {field}: {row.value or '(none)'} -> {value}")
        row.value = value
        session.add(row)
    session.flush()


def set_timescale(session: Session, actor: User, profile: str, key: str, working_days: int) -> Timescale:
    """Change one number of a profile; cases that started before keep the timescales they started with."""
    _require_owner(actor)
    row = session.get(Timescale, (profile, key))
    if row is None:
        raise InvalidInput({key: "There is no such timescale"})
    if not 0 <= working_days <= 250:
        raise InvalidInput({key: f"{row.label} must be between 0 and 250 working days"})
    if row.working_days != working_days:
        audit(session, actor, "policy", f"{profile} {key}: {row.working_days} -> {working_days} working days")
    row.working_days = working_days
    session.flush()
    return row

"""Finding cases: the search index, written in the transaction that changes a case, and the staff search.

A case is found by its reference (exact; "CC-" may be left off, or the year too: "123" is CC-<year>-000123 of
every year), a phone number (spaces ignored, +44 as 0), an email address (any
capitals), a postcode (any spaces and capitals) or words: the customer's and representatives' names and the
words of the comment. Keys are rows of case_search_key; words are a tsvector with a GIN index on PostgreSQL
and an FTS5 table on SQLite (models.search). Only this module knows the difference."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import bindparam, column, delete, func, insert, literal, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.elements import ColumnElement, Grouping

from models import Case, ReferenceCounter, Representative, User
from models.search import SEARCH_TEXT_TABLE, CaseSearchKey
from processes.access import visible_cases
from processes.paging import COUNT_UP_TO, PAGE_SIZE, Page

MAX_QUERY = 200  # characters read from the box: past any name, number or phrase anyone types
MAX_WORDS = 8
_REFERENCE = re.compile(r"(?:CC[-\s]?)?(20[0-9]{2})[-\s]?([0-9]{6})", re.IGNORECASE)  # "CC" may be left off
_REFERENCE_NUMBER = re.compile(r"(?:CC[-\s]?)?([0-9]{1,6})", re.IGNORECASE)  # "123": CC-<any year>-000123
_POSTCODE = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})(?![A-Z0-9])")
_WHOLE_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"\+?[0-9]{6,15}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
# The characters of a word as both full-text engines cut them (FTS5's unicode61, PostgreSQL's parser):
# letters and digits; anything else (quotes, *, -, NEAR's brackets, NUL) separates words and is never sent.
_WORD = re.compile(r"[^\W_]+")


def normal_phone(text: str) -> str | None:
    """A phone number as stored and looked up: digits only, a UK number from 0 ("+44 (0)7700 900123" and
    "07700 900123" are both 07700900123), None if it is not a phone number."""
    number = _PHONE_SEPARATORS.sub("", text.replace("(0)", ""))
    for international in ("+44", "0044"):
        if number.startswith(international):
            number = "0" + number[len(international):].lstrip("0")
    return number if _PHONE.fullmatch(number) else None


def postcodes_in(text: str) -> list[str]:
    """The UK postcodes written in an address, without spaces, in capitals."""
    return [outward + inward for outward, inward in _POSTCODE.findall(text.upper())]


def normal_email(text: str) -> str | None:
    address = text.strip().lower()
    return address if _EMAIL.fullmatch(address) else None


# ---- The index, written with the case

_CUSTOMER = (Case.customer_name, Case.customer_phone, Case.customer_email, Case.customer_address)
_REPRESENTATIVE = (Representative.name, Representative.phone, Representative.email, Representative.address)


def _entry(case_id: int, comment: str | None, people: Iterable[tuple]) -> tuple[list[dict], dict]:
    """The key rows and the words row of one case, from each person's (name, phone, email, address)."""
    keys, names = set(), []
    for name, phone, email, address in people:
        names += [name] if name else []
        keys |= {("phone", p) for p in [normal_phone(phone or "")] if p}
        keys |= {("email", e[:254]) for e in [normal_email(email or "")] if e}
        keys |= {("postcode", p) for p in postcodes_in(address or "")}
    return ([{"case_id": case_id, "kind": kind, "value": value} for kind, value in sorted(keys)],
            {"id": case_id, "names": " ".join(names), "words": comment or ""})


def index_case(session: Session, case: Case, new: bool = False) -> None:
    """Write the case's search entry afresh, in the caller's transaction: after submission, a change to the
    customer's details or representatives, and anonymisation (which leaves only its reference to find)."""
    session.flush()  # the case's id, and its representatives' rows
    if not new:
        forget_case(session, case.id)
    if case.anonymised_at is not None:
        return
    people = [tuple(getattr(case, c.key) for c in _CUSTOMER)]
    people += [(r.name, r.phone, r.email, r.address) for r in case.representatives]
    keys, words = _entry(case.id, case.comment, people)
    _write(session, keys, [words])


def forget_case(session: Session, case_id: int) -> None:
    session.execute(delete(CaseSearchKey).where(CaseSearchKey.case_id == case_id))
    column = "rowid" if _dialect(session) == "sqlite" else "case_id"
    session.execute(text(f"DELETE FROM {SEARCH_TEXT_TABLE} WHERE {column} = :id"), {"id": case_id})


def forget_words(session: Session) -> None:
    """Make the words of deleted entries unreadable. FTS5 deletes by writing a marker, keeping the old words
    in its segments until they are merged; 'optimize' merges them all now. (PostgreSQL's dead rows go at
    the next vacuum, as every other updated row of an anonymised case does.)"""
    if _dialect(session) == "sqlite":
        session.execute(text(f"INSERT INTO {SEARCH_TEXT_TABLE} ({SEARCH_TEXT_TABLE}) VALUES ('optimize')"))


def _write(session: Session, keys: list[dict], words: list[dict]) -> None:
    if keys:
        session.execute(insert(CaseSearchKey), keys)
    if _dialect(session) == "sqlite":
        statement = f"INSERT INTO {SEARCH_TEXT_TABLE} (rowid, names, words) VALUES (:id, :names, :words)"
    else:  # names as written (no stemming: "Will" is a name), the comment's words stemmed in English
        statement = (f"INSERT INTO {SEARCH_TEXT_TABLE} (case_id, document) VALUES (:id, "
                     "to_tsvector('simple', :names) || to_tsvector('english', :words))")
    if words:
        session.execute(text(statement), words)


def index_all(session: Session, after: int = 0, batch: int = 5000,
              done: Callable[[int], object] = lambda count: None) -> int:
    """Index every case with an id above `after` that is not anonymised (the bench's copies, the upgrade that
    made the index), in batches, reading only the columns it needs; `done` is told each batch's size.
    Returns how many it indexed."""
    indexed = 0
    while True:
        cases = session.execute(select(Case.id, Case.comment, *_CUSTOMER)
                                .where(Case.id > after, Case.anonymised_at.is_(None))
                                .order_by(Case.id).limit(batch)).all()
        if not cases:
            return indexed
        ids = [case[0] for case in cases]
        representatives: dict[int, list[tuple]] = {}
        for case_id, *person in session.execute(select(Representative.case_id, *_REPRESENTATIVE)
                                                .where(Representative.case_id.in_(ids))):
            representatives.setdefault(case_id, []).append(tuple(person))
        keys, words = [], []
        for case_id, comment, *customer in cases:
            case_keys, case_words = _entry(case_id, comment, [customer, *representatives.get(case_id, [])])
            keys += case_keys
            words.append(case_words)
        _write(session, keys, words)
        done(len(cases))
        indexed, after = indexed + len(cases), ids[-1]


# ---- The search


@dataclass(frozen=True)
class Search:
    """What the box held, read: how the cases are looked for, and the page found (None until asked)."""
    text: str
    kind: str  # "reference", "reference number", "phone", "email", "postcode", "words" or "" (nothing)
    value: str | tuple[str, ...] = ""
    page: Page | None = None

    @property
    def described(self) -> str:
        return {"reference": "the reference", "reference number": "the number of the reference",
                "phone": "the phone number", "email": "the email address",
                "postcode": "the postcode", "words": "names and words of the comment"}.get(self.kind, "")


def read_query(typed: str | None) -> Search:
    """What a person typed in the box, as one kind of search."""
    typed = (typed or "").replace("\x00", " ")[:MAX_QUERY].strip()
    squeezed = re.sub(r"\s+", "", typed).upper()
    if match := _REFERENCE.fullmatch(typed):
        return Search(typed, "reference", f"CC-{match[1]}-{match[2]}")
    if "@" in typed and (email := normal_email(typed)):
        return Search(typed, "email", email)
    if _WHOLE_POSTCODE.fullmatch(squeezed):
        return Search(typed, "postcode", squeezed)
    if match := _REFERENCE_NUMBER.fullmatch(typed):  # no phone number as stored: those have an area code
        return Search(typed, "reference number", f"{int(match[1]):06d}")
    if phone := normal_phone(typed):
        return Search(typed, "phone", phone)
    words = tuple(dict.fromkeys(w.lower()[:50] for w in _WORD.findall(typed)))[:MAX_WORDS]
    return Search(typed, "words" if words else "", words)


def search_cases(session: Session, user: User, typed: str | None, number: int = 1) -> Search:
    """The cases that match what was typed, among those the user may see, newest recorded first, a page at a
    time; counted up to COUNT_UP_TO (or the end of the page asked for).

    In two steps, each cheap whatever the words (measured at 1,000,000 cases: docs/performance.md). First the
    ids of the matches the user may see, up to the bound, in no order: a rare word reads its few matches, a
    common one stops at the bound. If that found them all, the page is those ids, newest first. Only when
    there are more does the page come from reading the matches in id order, newest first, to the page's end:
    the matches are then dense enough for that to stop early. (Asking the database for the page in one
    statement let it read a rare word's matches in id order too, through every case, for an officer who may
    see few of them: 165 ms, against 7 ms now.)"""
    search = read_query(typed)
    if not search.kind:
        return search
    if _dialect(session) == "postgresql":
        # Planned for the words typed, every time: a plan cached for a rare name (read the few matches, then
        # sort) read a common word's 300,000 matches in the same way (120 ms instead of 3 ms).
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    source, matches, key = _matching(session, search)
    where = [matches, visible_cases(user)]
    bound = max(COUNT_UP_TO, number * PAGE_SIZE)
    found = session.scalars(select(key).select_from(source).where(*where).limit(bound + 1)).all()
    more, total = len(found) > bound, min(len(found), bound)
    columns = (Case.id, Case.reference, Case.comment_type, Case.service_area, Case.status, Case.stage,
               Case.received_at, Case.customer_name, Case.anonymised_at)
    if more:
        rows = session.execute(select(*columns).select_from(source).where(*where).order_by(key.desc())
                               .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    else:
        number = min(number, max(1, -(-total // PAGE_SIZE)))
        page = sorted(found, reverse=True)[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        rows = session.execute(select(*columns).where(Case.id.in_(page)).order_by(Case.id.desc()))
    return Search(search.text, search.kind, search.value, Page(list(rows), total, number, more=more))


def _matching(session: Session, search: Search) -> tuple[FromClause, ColumnElement[bool], ColumnElement]:
    """Where the matches are read from, what they must meet, and the case id to order them by."""
    cases = Case.__table__
    if search.kind == "reference":
        return cases, Case.reference == search.value, Case.id
    if search.kind == "reference number":  # in each year that has references: an exact lookup for each
        years = session.scalars(select(ReferenceCounter.year)).all()
        return cases, Case.reference.in_([f"CC-{year}-{search.value}" for year in years]), Case.id
    if search.kind in ("phone", "email", "postcode"):
        return cases, Case.id.in_(select(CaseSearchKey.case_id).where(CaseSearchKey.kind == search.kind,
                                                                     CaseSearchKey.value == search.value)), \
            Case.id
    words = list(search.value)
    if _dialect(session) == "sqlite":
        # FTS5 drives, in its own rowid order (either way), so a limit stops its reading; `id IN (MATCH)`
        # made a list of every match first (170 ms for a word in a third of 1,000,000 comments).
        # Each word quoted: FTS5 reads it as a word, never an operator (words hold letters and digits only).
        index = table(SEARCH_TEXT_TABLE, column("rowid"))
        expression = " ".join(f'"{word}"' for word in words)
        return (index.join(cases, Case.id == index.c.rowid),
                text(f"{SEARCH_TEXT_TABLE} MATCH :expression").bindparams(expression=expression),
                index.c.rowid)
    return cases, Case.id.in_(_tsvector_matches(words)), Case.id


def _tsvector_matches(words: list[str]):
    """The ids of the cases whose words hold every one of `words` (whole words, as written or stemmed)."""
    query = None
    for number, word in enumerate(words):
        said = bindparam(f"word_{number}", word)
        either = Grouping(func.plainto_tsquery(literal("simple", REGCONFIG), said)
                          .op("||")(func.plainto_tsquery(literal("english", REGCONFIG), said)))
        query = either if query is None else Grouping(query.op("&&")(either))
    return (select(literal_column("case_id")).select_from(table(SEARCH_TEXT_TABLE))
            .where(literal_column("document").op("@@")(query)))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name

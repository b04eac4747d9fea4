"""Finding cases (issue 21): staff type a reference, a name, an email address, a phone number, a postcode or
words of the comment in the search page's box, and see the open and closed cases they may see, a page at a
time. The box is used as the page renders it."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import Case, CaseSearchKey
from processes.records.retention import anonymise_case
from processes.search.cases import normal_phone, postcodes_in, read_query

from .helpers.cases import record_case
from .helpers.forms import page_form
from .helpers.pages import error_messages
from .test_representatives import rep_form
from .test_visibility import create_account, signed_in

CUSTOMER = {"customer_name": "Philippa Quenby-Stroud", "customer_email": "P.Quenby@Example.org",
            "customer_phone": "07700 900123", "customer_address": "4 Tansley Row\nCrich\nMatlock\nde4 5dd",
            "comment": "The recycling lorry crushed my garden wall while reversing down the lane."}


def search(client, typed: str, page: str | None = None, status: int = 200):
    """Type in the search page's box and press Search, as an officer would."""
    form = page_form(client, "/cases/search")
    # A NUL cannot be typed into a page; it can be put in the address the form sends
    form.tamper("q", typed) if "\x00" in typed else form.fill("q", typed)
    response = form.submit()
    if page is not None:
        response = client.get(f"{response.request.url}&page={page}")
    assert response.status_code == status, (typed, response.status_code)
    return response


def found(client, typed: str) -> list[str]:
    html = search(client, typed).text
    return [part.split('"')[0] for part in html.split('data-reference="')[1:]]


@pytest.fixture()
def case(db, users):
    return record_case(db, users["frontline"], **CUSTOMER)


def test_a_phone_number_is_found_however_it_is_written(case, login_as):
    officer = login_as("frontline")
    for typed in ("07700 900123", "+44 7700 900123", "07700900123", "+44 (0)7700 900 123", "0044 7700-900123",
                  " (07700) 900123 "):
        assert found(officer, typed) == [case.reference], typed
    assert found(officer, "07700 900124") == []
    assert search(officer, "07700 900124").text.count("No cases you may see match the phone number") == 1


def test_a_postcode_email_and_reference_are_found_with_any_capitals_and_spaces(case, login_as):
    officer = login_as("investigator")
    for typed in ("DE4 5DD", "de45dd", " De4  5dD ", "p.quenby@example.org", "P.QUENBY@EXAMPLE.ORG",
                  case.reference, case.reference.lower(), case.reference.replace("-", " ")):
        assert found(officer, typed) == [case.reference], typed
    assert found(officer, "DE4 5DE") == [] and found(officer, "quenby@example.org") == []
    assert found(officer, case.reference[:-1]) == []  # a reference is exact


def test_a_reference_is_found_without_its_prefix_or_year(db, users, login_as):
    """Officers type the number a customer reads out: "123" finds CC-<year>-000123 of every year."""
    in_2025 = datetime(2025, 11, 3, 9, tzinfo=timezone.utc)
    in_2026 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    older, newer = record_case(db, users["cro"], in_2025), record_case(db, users["cro"], in_2026)
    # Each year counts on from where the run's earlier tests left it: record on until both have one number
    while older.reference[-6:] != newer.reference[-6:]:
        if older.reference[-6:] < newer.reference[-6:]:
            older = record_case(db, users["cro"], in_2025)
        else:
            newer = record_case(db, users["cro"], in_2026)
    number = newer.reference[-6:]
    assert older.reference == f"CC-2025-{number}" and newer.reference == f"CC-2026-{number}"
    officer = login_as("investigator")
    short = str(int(number))
    last_first = [case.reference for case in sorted((older, newer), key=lambda case: case.id, reverse=True)]
    assert found(officer, short) == found(officer, number) == found(officer, f"cc-{short}") == last_first
    assert found(officer, f"2025-{number}") == [older.reference]
    assert found(officer, str(int(number) + 1)) == [] and found(officer, f"2024-{number}") == []
    assert "found by the number of the reference" in search(officer, short).text


def test_names_and_the_comments_words_are_found_as_whole_words(case, db, login_as):
    officer = login_as("frontline")
    assert rep_form(officer, case.reference).submit().status_code == 302  # Ottoline Marchbanks-Vey MP
    for typed in ("Quenby-Stroud", "philippa", "Philippa Stroud", "Marchbanks", "crushed wall", "walls",
                  "Recycling", "SW1A 0AA", "020 7946 0833"):  # the representative's postcode and phone too
        assert found(officer, typed) == [case.reference], typed
    for typed in ("Philip", "crushed fence", "Ottoline Quenby-Stroud garage"):
        assert found(officer, typed) == [], typed
    row = search(officer, "Quenby").text
    assert "Complaint" in row and "Open" in row and "Philippa Quenby-Stroud" in row


def test_an_officer_of_another_area_does_not_find_the_case(app, case, login_as):
    admin = login_as("admin")
    assert create_account(admin, "hana@example.org", ["front_line_officer"], ["housing"]).status_code == 302
    assert create_account(admin, "wes@example.org", ["investigating_officer"], ["waste"]).status_code == 302
    housing, waste = signed_in(app, "hana@example.org"), signed_in(app, "wes@example.org")
    for typed in ("Quenby", "07700 900123", "DE4 5DD", "p.quenby@example.org", case.reference):
        assert found(housing, typed) == [], typed
        assert found(waste, typed) == [case.reference], typed
        assert found(login_as("cro"), typed) == [case.reference], typed
    # Those who see no case have no search
    assert login_as("owner").get("/cases/search?q=Quenby").status_code == 403
    assert login_as("reports").get("/cases/search?q=Quenby").status_code == 403


def test_closed_cases_are_found_and_anonymisation_takes_the_case_out_of_the_index(case, db, login_as):
    cro = login_as("cro")
    closed = db.get(Case, case.id)
    closed.status, closed.closed_at = "closed", datetime(2019, 1, 1, tzinfo=timezone.utc)
    db.commit()
    assert found(cro, "Quenby") == [case.reference] and "Closed" in search(cro, "Quenby").text
    anonymise_case(db, db.get(Case, case.id), datetime.now(timezone.utc))
    db.commit()
    for typed in ("Quenby", "Philippa", "crushed wall", "07700 900123", "DE4 5DD", "p.quenby@example.org"):
        assert found(cro, typed) == [], typed
    assert db.scalars(select(CaseSearchKey).where(CaseSearchKey.case_id == case.id)).all() == []
    page = search(cro, case.reference).text  # the reference still finds it: nothing personal is shown
    assert case.reference in page and "Removed (anonymised)" in page and "Quenby" not in page


@pytest.mark.parametrize("bound", [1000, 50])
def test_results_come_a_page_at_a_time_most_recently_recorded_first(db, users, login_as, monkeypatch, bound):
    """Counted to 1,000 the 53 matches are all found first, then paged; counted to 50 the first page is read
    in order from the matches, as a common word's is (processes.search.cases.search_cases)."""
    monkeypatch.setattr("processes.search.cases.COUNT_UP_TO", bound)
    references = [record_case(db, users["cro"], datetime(2026, 3, 2, 9, minute, tzinfo=timezone.utc),
                              customer_name=f"Marigold Fenwick-{minute}").reference for minute in range(53)]
    cro = login_as("cro")
    first = search(cro, "Marigold")
    assert ("Showing 1 to 50 of 53 cases" if bound == 1000 else "Showing 1 to 50 of more than 50 cases") \
        in first.text
    assert found(cro, "Marigold") == references[::-1][:50]
    second = search(cro, "Marigold", page="2").text
    assert [p.split('"')[0] for p in second.split('data-reference="')[1:]] == references[::-1][50:]
    past = search(cro, "Marigold", page="99").text  # past the end: the last page
    assert "Showing 51 to 53 of 53 cases" in past


HOSTILE = ['"', '""', "'", "*", "smith*", "NEAR(a b)", "a NEAR b", "-smith", "^x", "a OR b", "a AND NOT b",
           "(", ")", ":", "col:x", "{names}: x", "x" * 10_000, "' OR 1=1 --", "١٢٣٤٥٦٧٨",
           "+", "@", "@@", "a@", "%", "_", "\\", "!", "&|", "<script>x</script>", "    "]


def test_hostile_input_gives_results_or_a_clear_message(case, login_as):
    officer = login_as("frontline")
    for typed in HOSTILE:
        html = search(officer, typed).text
        answered = "data-results" in html or "data-empty" in html
        asked = error_messages(html) == ["Enter a reference, a name, an email address, a phone number, "
                                         "a postcode or words from the comment"]
        assert answered != asked, typed
    for typed in ("a\x00b", "\x00", "Quenby\x00"):  # refused by every page, with the reason
        assert "a character we cannot accept" in search(officer, typed, status=400).text
    for typed in ('"Quenby" crushed*', "Quenby -crushed", "quenby:crushed"):
        assert found(officer, typed) == [case.reference], typed  # operators are only what is between words


def test_an_empty_box_says_what_to_type(login_as):
    officer = login_as("frontline")
    page = officer.get("/cases/search")
    assert page.status_code == 200 and error_messages(page.text) == []  # not asked yet: no error
    assert "Error: Find a case" in search(officer, "").text.split("</title>")[0]


def test_how_the_box_is_read():
    assert [normal_phone(p) for p in ("+44 (0) 1773 570222", "01773-570222", "+33 1 23 45 67 89", "12")] == [
        "01773570222", "01773570222", "+33123456789", None]
    assert postcodes_in("Flat 2, 10 Downing St, London sw1a2aa and W1A 1AA") == ["SW1A2AA", "W1A1AA"]
    assert read_query("cc-2026-000012").kind == "reference"
    typed = ("2026-000012", "2026 000012", "12", "CC-012", "012345", "1234567")
    assert [(q.kind, q.value) for q in map(read_query, typed)] == [
        ("reference", "CC-2026-000012"), ("reference", "CC-2026-000012"), ("reference number", "000012"),
        ("reference number", "000012"), ("reference number", "012345"), ("phone", "1234567")]
    assert read_query("Mrs O'Brien-Smith").value == ("mrs", "o", "brien", "smith")

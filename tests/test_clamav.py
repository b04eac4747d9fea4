"""The clamd client against a real clamd started here with the shipped EICAR signature: infected found, clean
passed, a dead socket or a stopped clamd reported as unavailable (the file would wait), then found again."""
from __future__ import annotations

import io

import pytest

from processes.records.clamav import ScannerUnavailable, ping, scan_stream

from .helpers.clamd import EICAR
from .helpers.clamd import start as _start
from .helpers.clamd import stop as _stop


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clamd")
    socket_path = _start(folder)
    yield folder, socket_path
    _stop(folder)


def test_eicar_is_found_and_a_clean_file_passes(clamd):
    _, address = clamd
    assert ping(address)
    found = scan_stream(address, io.BytesIO(EICAR))
    assert not found.clean and found.signature == "Eicar-Test-Signature.UNOFFICIAL"
    assert scan_stream(address, io.BytesIO(b"A letter about my bins.\n" * 100_000)).clean  # 2.4 MB in chunks


def test_a_dead_socket_is_unavailable_then_a_restarted_clamd_answers(clamd, tmp_path):
    folder, address = clamd
    with pytest.raises(ScannerUnavailable):
        scan_stream(str(tmp_path / "no-such.sock"), io.BytesIO(b"hello"))
    with pytest.raises(ScannerUnavailable):
        scan_stream("127.0.0.1:1", io.BytesIO(b"hello"))
    _stop(folder)
    assert not ping(address)
    with pytest.raises(ScannerUnavailable):
        scan_stream(address, io.BytesIO(EICAR))
    assert _start(folder) == address  # back: the file that waited is scanned now
    assert not scan_stream(address, io.BytesIO(EICAR)).clean


def test_a_running_clamd_is_reused(clamd):
    folder, address = clamd
    pid = (folder / "clamd.pid").read_text()
    assert _start(folder) == address and (folder / "clamd.pid").read_text() == pid


def test_taking_files_refuses_each_kind_of_bad_file_and_quarantines_when_clamd_is_away(clamd, tmp_path):
    from processes.errors import InvalidInput
    from processes.records.uploads import take_file

    _, address = clamd
    store = tmp_path / "store"

    def refusal(content: bytes, max_mb: int = 10) -> str:
        with pytest.raises(InvalidInput) as caught:
            take_file(store, io.BytesIO(content), "attachments", max_mb, address)
        return caught.value.errors["attachments"]

    assert refusal(b"") == "The selected file is empty"
    assert refusal(b"MZ\x90\x00" + b"\0" * 100).startswith("The selected file must be a photo")
    too_big = b"%PDF-1.4\n" + b"x" * (1024 * 1024)
    assert refusal(too_big, max_mb=1) == "The selected file must be smaller than 1MB"
    assert refusal(EICAR) == "The selected file contains a virus"
    assert not [p for p in store.rglob("*") if p.is_file()]  # nothing refused is kept
    taken = take_file(store, io.BytesIO(b"%PDF-1.4\nmy letter\n"), "attachments", 10, address)
    assert (taken.kind, taken.scan_state) == ("PDF document", "clean")
    waiting = take_file(store, io.BytesIO(b"Dear council\n"), "attachments", 10, str(tmp_path / "dead.sock"))
    assert waiting.scan_state == "pending"
    from processes.records.uploads import scan_stored
    assert scan_stored(store, waiting.sha256, address) == "clean"  # clamd back: the timer worker's rescan

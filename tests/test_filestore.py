"""The content-addressed store: streamed in with its hash, refused past the size without a trace, read back
in chunks, deleted; names only ever from a hash."""
from __future__ import annotations

import hashlib
import io

import pytest

from processes.records.filestore import TooBig, chunks, delete, path_of, store


def test_a_file_is_stored_under_its_hash_read_back_and_deleted(tmp_path):
    content = bytes(range(256)) * 5000  # 1.28 MB: many chunks
    stored = store(tmp_path, io.BytesIO(content), 10 * 1024 * 1024)
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.size == len(content)
    assert path_of(tmp_path, stored.sha256).read_bytes() == content
    assert b"".join(chunks(tmp_path, stored.sha256)) == content
    assert store(tmp_path, io.BytesIO(content), 10 * 1024 * 1024) == stored  # the same bytes: one file
    delete(tmp_path, stored.sha256)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_too_big_is_refused_and_nothing_is_kept(tmp_path):
    with pytest.raises(TooBig):
        store(tmp_path, io.BytesIO(b"x" * 1001), 1000)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    assert store(tmp_path, io.BytesIO(b"x" * 1000), 1000).size == 1000  # exactly the limit is taken


@pytest.mark.parametrize("name", ["../../etc/passwd", "photo.jpg", "A" * 64, "0" * 63, ""])
def test_names_that_are_not_hashes_are_refused(tmp_path, name):
    with pytest.raises(ValueError):
        path_of(tmp_path, name)

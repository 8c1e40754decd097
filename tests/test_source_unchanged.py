"""A landed file's bytes as parsed are the bytes whose SHA-256 went into provenance (integrity.verify_unchanged).

The file is OPM's own: the FY2009 FedScope separations cube slice in ../shared/reference
(workforce/fedscope_sep_fy2009_slice/SEPDATA_FY2009_slice.TXT, its real header, CRLF rows and codes), landed
as test_workforce_fedscope_fy2009.py lands it and read by the workforce reader. A file that had settled
before it was hashed and is the same file when read (inode, size, modification and change times) is taken
as hashed; one changed after it was found, or found within SETTLED_NS of being written, is hashed again
from the bytes read and refused if they differ. hashlib.sha256 is the real function, counted.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import time

import pytest

from assets.sources import files as source_files
from assets.sources import integrity
from assets.sources.files import SETTLED_NS, SourceFile, SourceFileError
from assets.workforce.readers import parse_actions

CUBE = "SEPDATA_FY2009_slice.TXT"
MONTH = "200909"


@pytest.fixture
def hashes(monkeypatch):
    """How many times the reader hashed bytes it read."""
    calls = []
    real = hashlib.sha256

    def counted(data=None, *args, **kwargs):
        if data is not None:  # bytes hashed at once, as a reader does (a file found is hashed in blocks, by update)
            calls.append(len(data))
        return real(*([] if data is None else [data]), *args, **kwargs)

    monkeypatch.setattr(integrity.hashlib, "sha256", counted)
    return calls


def _land(reference, root):
    folder = root / "landing" / "workforce" / MONTH
    folder.mkdir(parents=True)
    shutil.copy(reference / "workforce" / "fedscope_sep_fy2009_slice" / CUBE, folder / CUBE)  # temp dir only
    return folder / CUBE


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    """Three landed copies, written at once and left to settle together (one wait for the module)."""
    from tests.conftest import reference_dir

    if reference_dir() is None:
        pytest.skip("../shared/reference (or $CXEX_REFERENCE_DIR) is not present")
    roots = [tmp_path_factory.mktemp(f"settled{i}") for i in range(3)]
    for root in roots:
        _land(reference_dir(), root)
    time.sleep(SETTLED_NS / 1e9 + 0.2)  # a change time no user can set back: wait until the files have settled
    return roots


def _found(root):
    source_files._HASHED.clear()
    path = root / "landing" / "workforce" / MONTH / CUBE
    return path, SourceFile.from_path(path, root, is_sample=False)


def _rows_of_month(path) -> int:
    with open(path, newline="") as f:
        return sum(r["EFDATE"] == MONTH for r in csv.DictReader(f))


def _changed(text: bytes) -> bytes:
    """The same bytes but one COUNT digit of the first data row (the same size)."""
    header, rest = text.split(b"\r\n", 1)
    row, tail = rest.split(b"\r\n", 1)
    fields = row.split(b",")
    fields[14] = b"2" if fields[14] != b"2" else b"3"  # COUNT
    return header + b"\r\n" + b",".join(fields) + b"\r\n" + tail


def test_a_settled_file_read_as_found_is_not_hashed_again(settled, hashes):
    path, src = _found(settled[0])
    table = parse_actions(src, "fedscope", "separation", MONTH)
    assert table.num_rows == _rows_of_month(path) > 0
    assert hashes == []  # the bytes read are the bytes hashed when it was found


def test_a_file_changed_after_it_was_found_is_refused(settled, hashes):
    path, src = _found(settled[1])
    text = path.read_bytes()
    changed = _changed(text)
    assert changed != text and len(changed) == len(text)
    with open(path, "r+b") as f:  # in place: the same inode and size, other bytes
        f.write(changed)
    with pytest.raises(SourceFileError, match=rf"{CUBE}: changed while it was being read"):
        parse_actions(src, "fedscope", "separation", MONTH)
    assert hashes == [len(changed)]


def test_a_file_replaced_after_it_was_found_is_refused(settled, hashes):
    path, src = _found(settled[2])
    other = path.with_name("new.tmp")
    other.write_bytes(_changed(path.read_bytes()))
    os.replace(other, path)
    with pytest.raises(SourceFileError, match="changed while it was being read"):
        parse_actions(src, "fedscope", "separation", MONTH)


def test_a_file_found_as_it_was_written_is_hashed_again(reference, tmp_path, hashes):
    path = _land(reference, tmp_path)
    _, src = _found(tmp_path)  # found within SETTLED_NS of being written
    table = parse_actions(src, "fedscope", "separation", MONTH)
    assert table.num_rows == _rows_of_month(path)
    assert hashes == [path.stat().st_size]

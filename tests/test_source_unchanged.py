"""A landed file's bytes as parsed are the bytes whose SHA-256 went into provenance (integrity.verify_unchanged).

The file is the FWD employment layout of tests/workforce_data.py (OPM's Federal Workforce Data header,
warehouse/reference/fwd_columns.csv). A file that had settled before it was hashed and is the same file
when read (inode, size, modification and change times) is taken as hashed; one changed after it was found,
or found within SETTLED_NS of being written, is hashed again from the bytes read and refused if they differ.
hashlib.sha256 is the real function, counted.
"""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from assets.sources import files as source_files
from assets.sources import integrity
from assets.sources.files import SETTLED_NS, SourceFile, SourceFileError
from assets.workforce.readers import parse_employment
from tests import workforce_data as wd


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


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    """Three landed copies, written at once and left to settle together (one wait for the module)."""
    roots = [tmp_path_factory.mktemp(f"settled{i}") for i in range(3)]
    for root in roots:
        wd.write_fwd_month(root, "202407")
    time.sleep(SETTLED_NS / 1e9 + 0.2)  # a change time no user can set back: wait until the files have settled
    return roots


def _found(root):
    source_files._HASHED.clear()
    path = root / "landing" / "workforce" / "202407" / "FWD_employment_202407.txt"
    return path, SourceFile.from_path(path, root, is_sample=False)


def test_a_settled_file_read_as_found_is_not_hashed_again(settled, hashes):
    _, src = _found(settled[0])
    table = parse_employment(src, "fwd")
    assert table.num_rows == len(wd.employment("202407"))
    assert hashes == []  # the bytes read are the bytes hashed when it was found


def test_a_file_changed_after_it_was_found_is_refused(settled, hashes):
    path, src = _found(settled[1])
    text = path.read_bytes()
    changed = text.replace(b"|99|", b"|98|", 1)
    assert changed != text and len(changed) == len(text)
    with open(path, "r+b") as f:  # in place: the same inode and size, other bytes
        f.write(changed)
    with pytest.raises(SourceFileError, match=r"FWD_employment_202407\.txt: changed while it was being read"):
        parse_employment(src, "fwd")
    assert hashes == [len(changed)]


def test_a_file_replaced_after_it_was_found_is_refused(settled, hashes):
    path, src = _found(settled[2])
    text = path.read_bytes()
    other = path.with_name("new.tmp")
    other.write_bytes(text.replace(b"|99|", b"|97|", 1))
    os.replace(other, path)
    with pytest.raises(SourceFileError, match="changed while it was being read"):
        parse_employment(src, "fwd")


def test_a_file_found_as_it_was_written_is_hashed_again(tmp_path, hashes):
    wd.write_fwd_month(tmp_path, "202407")
    path, src = _found(tmp_path)  # found within SETTLED_NS of being written
    table = parse_employment(src, "fwd")
    assert table.num_rows == len(wd.employment("202407"))
    assert hashes == [path.stat().st_size]

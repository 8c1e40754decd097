"""The structural gate's bulk path (assets/sources/integrity.py) gives the verdict the line-by-line
check gives, on real layouts with real and injected mess.

Most rows of a big file are checked in bulk (field counts, blank rows, long rows and empty quoted
fields, vectorised); any doubt falls back to the line-by-line check that names row and column. Here
every file is checked both ways (the bulk path switched off by making it always doubt) and the
verdicts (the structure, or the exact error message) must be equal. Layouts: the real 2018 FEVS
PRDF extract (../shared/reference/fevs/fevs2018_prdf_subset.csv.gz: OPM's header and values, no
quotes); the same rows with OPM's empty quoted fields ("", as the 2023-2024 PRDFs have them, see
reference README); a pipe-delimited FWD employment file in the header OPM publishes
(warehouse/reference/fwd_columns.csv, from the reference's real header lines).
"""

from __future__ import annotations

import gzip

import pytest

from assets.sources import integrity
from assets.sources.files import SourceFileError


def _verdict(data: bytes, delimiter: str):
    try:
        s = integrity.check_structure(data, "f.csv", delimiter=delimiter, max_field_bytes=1000)
        return ("ok", s.columns, s.rows)
    except SourceFileError as e:
        return ("refused", str(e))


def _both_ways(data: bytes, delimiter: str, monkeypatch) -> tuple:
    with monkeypatch.context() as m:
        m.setattr(integrity, "BULK_CHUNK", 97)  # many chunks, boundaries everywhere
        bulk = _verdict(data, delimiter)
    with monkeypatch.context() as m:
        m.setattr(integrity, "_bulk_rows", lambda *a, **k: None)  # always in doubt: line by line
        lines = _verdict(data, delimiter)
    return bulk, lines


def _fevs_real(reference) -> list[bytes]:
    with gzip.open(reference / "fevs" / "fevs2018_prdf_subset.csv.gz", "rb") as f:
        return [f.readline().rstrip(b"\n") for _ in range(60)]


def _fwd() -> list[bytes]:
    from assets.workforce.sample import fwd_columns

    header = fwd_columns()["employment"]
    row = [b"HU", b"HU06", b"65 or more", b"12.5", b"8", b"0343", b"1", b"202409"]
    body = [b"|".join((row * 9)[: len(header)]) for _ in range(40)]
    return ["|".join(header).encode(), *body]


def _mutations(lines: list[bytes], d: bytes):
    """(name, file bytes): the file as is and with one fault or one piece of real mess at several rows."""
    n = len(lines)
    yield "as published", b"\n".join(lines) + b"\n"
    yield "no final newline", b"\n".join(lines)
    yield "CRLF", b"\r\n".join(lines) + b"\r\n"
    for at in (2, 3, n // 2, n - 1):
        def edit(fn, at=at):
            out = list(lines)
            out[at] = fn(out[at])
            return b"\n".join(out) + b"\n"
        fields = lines[at].split(d)
        yield f"empty quoted fields at row {at + 1}", edit(lambda l: d.join([b'""' if i % 3 == 1 else f for i, f in enumerate(l.split(d))]))
        yield f"empty quoted last field at row {at + 1}", edit(lambda l: l.rsplit(d, 1)[0] + d + b'""')
        yield f"one field short at row {at + 1}", edit(lambda l: l.rsplit(d, 1)[0])
        yield f"stray delimiter at row {at + 1}", edit(lambda l: l + d)
        yield f"blank row {at + 1}", edit(lambda l: b"")
        yield f"CR-only row {at + 1}", edit(lambda l: b"\r")
        yield f"quoted delimiter at row {at + 1}", edit(lambda l: d.join([b'"a' + d + b'b"', *l.split(d)[1:]]))
        yield f"quote glued to a value at row {at + 1}", edit(lambda l: d.join([b'""x', *l.split(d)[1:]]))
        yield f"four quotes at row {at + 1}", edit(lambda l: d.join([b'""""', *l.split(d)[1:]]))
        yield f"long field at row {at + 1}", edit(lambda l: d.join([b"9" * 1200, *l.split(d)[1:]]))
        yield f"quote opened and not closed at row {at + 1}", edit(lambda l: b'"' + l)
        yield f"multi-line quoted field at row {at + 1}", edit(lambda l: d.join([b'"a\nb"', *l.split(d)[1:]]))
        assert fields  # every row has fields
    yield "blank line before the final newline", b"\n".join(lines) + b"\n\n"


def _check(lines: list[bytes], delimiter: str, monkeypatch) -> int:
    refused = 0
    for name, data in _mutations(lines, delimiter.encode()):
        bulk, by_line = _both_ways(data, delimiter, monkeypatch)
        assert bulk == by_line, name
        refused += bulk[0] == "refused"
    return refused


def test_bulk_and_line_by_line_agree_on_the_real_2018_prdf(reference, monkeypatch):
    refused = _check(_fevs_real(reference), ",", monkeypatch)
    assert refused >= 20  # the faults are refused, the mess is not


def test_bulk_and_line_by_line_agree_on_empty_quoted_fields(reference, monkeypatch):
    lines = _fevs_real(reference)
    quoted = [lines[0]] + [b",".join(b'""' if i % 7 == 3 else f for i, f in enumerate(l.split(b","))) for l in lines[1:]]
    assert _verdict(b"\n".join(quoted) + b"\n", ",")[0] == "ok"
    _check(quoted, ",", monkeypatch)


def test_bulk_and_line_by_line_agree_on_a_pipe_delimited_fwd_file(monkeypatch):
    refused = _check(_fwd(), "|", monkeypatch)
    assert refused >= 20


def test_bulk_check_is_used_for_a_clean_file(monkeypatch):
    """A clean file is not checked line by line beyond its first two rows (that is where the time goes)."""
    calls = []
    real = integrity._scan
    monkeypatch.setattr(integrity, "_scan", lambda lines, *a: calls.append(len(lines)) or real(lines, *a))
    lines = _fwd()
    assert _verdict(b"\n".join(lines) + b"\n", "|")[2] == len(lines) - 1
    assert calls == [2]


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])

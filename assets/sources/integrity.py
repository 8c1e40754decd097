"""Structural integrity of a landed source file, checked before any value in it is read.

Every delimited source (FEVS PRDF, FWD and FedScope workforce files, A-11 and CSS CSVs) passes
`check_structure` on the exact bytes its reader then parses, and JSON pages pass `json_records`:

- encoding: UTF-8 (a UTF-8 byte-order mark is dropped); a UTF-16/UTF-32 byte-order mark or a byte
  sequence that is not UTF-8 is refused, naming row and column;
- no NUL byte anywhere (OPM's 2024 PRDF was published with NUL runs in the middle of the file);
- header names unique after case-folding and after the source's own normalisation (`Q2` = `Q02`);
  an empty name is allowed only at the end of the header (a trailing delimiter);
- every row has exactly the header's field count (a row may lack only the header's trailing empty
  names), so a file truncated mid-row, a ragged row or a stray delimiter is refused; no blank line
  (a parser reads one as a row of nulls) other than the file's final newline;
- no field longer than CXEX_MAX_FIELD_BYTES; balanced quotes.
Archives (`open_archive_member`): one data member, no member whose name is absolute or climbs out
(`../`), no symlink member, no encrypted member, unpacked size at most CXEX_MAX_UNPACKED_BYTES and
compression ratio at most CXEX_MAX_COMPRESSION_RATIO (zip bomb), read with a bounded read that does
not trust the sizes the archive declares. `verify_unchanged` refuses a file whose bytes changed between
being found (its SHA-256 went into provenance) and being parsed. Every refusal is a SourceFileError
naming the file (and row and column where there is one).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath

from warehouse.settings import source_limits

from .files import SourceFileError, hashed_as_is

BOMS = {b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe\x00\x00": "UTF-32", b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}
UTF8_BOM = b"\xef\xbb\xbf"
NUL = b"\0"


@dataclass(frozen=True)
class Structure:
    columns: tuple[str, ...]
    rows: int     # data rows (header excluded)


def _column(names: list[str], i: int) -> str:
    return names[i] if i < len(names) and names[i] else f"#{i + 1}"


def _fields(text: str, delim: str) -> list[str]:
    return next(csv.reader([text], delimiter=delim, strict=True), [""]) if '"' in text else text.split(delim)


def check_structure(data: bytes, name: str, *, delimiter: str = ",", normalise: Callable[[str], str] = str.casefold,
                    max_field_bytes: int | None = None, short_rows: int = 0) -> Structure:
    """Refuse `data` (a delimited text file called `name`) unless it is structurally sound (see the module doc).

    `short_rows`: rows may carry up to this many fields fewer than the header, provided every row carries the
    same number (GSA/touchpoints reporting_controller.rb `hisp_service_questions` writes 26 names and rows of
    24 values); the first data row fixes the width, so a truncated or ragged row is still refused."""
    limit = max_field_bytes or source_limits()["max_field_bytes"]
    for bom, enc in BOMS.items():
        if data.startswith(bom):
            raise SourceFileError(f"{name}: row 1: encoded as {enc} (byte-order mark {bom.hex(' ')}); expected UTF-8")
    body = data.removeprefix(UTF8_BOM)
    if not body or body.isspace():  # (strip() would copy the whole file)
        raise SourceFileError(f"{name}: empty file (no header row)")
    has_nul, ascii_only = NUL in body, body.isascii()  # whole-file tests first (C speed)
    # The common case: no NUL, valid UTF-8, and no quote other than empty quoted fields ("", as OPM's
    # PRDFs have them), which hide no delimiter or newline. The header and first data row are read line
    # by line, the other rows checked in bulk; any doubt goes to the line-by-line check below, which
    # names row and column.
    if not has_nul and (ascii_only or _is_utf8(body)):
        first_nl = body.find(b"\n")
        second_nl = body.find(b"\n", first_nl + 1) if first_nl >= 0 else -1
        head = body[:second_nl].split(b"\n") if second_nl >= 0 else body.split(b"\n")
        if head and head[-1] == b"":
            head.pop()  # the final newline ends the last row; it starts none
        first = _scan(head, data, name, delimiter, normalise, limit, short_rows, has_nul, ascii_only)
        rest_at = second_nl + 1 if second_nl >= 0 else len(body)
        if rest_at >= len(body):
            return Structure(first.columns, first.rows)
        more = _bulk_rows(body, rest_at, delimiter, first.width - first.optional, first.width, limit) if first.rows else None
        if more is not None:
            return Structure(first.columns, first.rows + more)
    lines = body.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # the final newline ends the last row; it starts none
    scanned = _scan(lines, data, name, delimiter, normalise, limit, short_rows, has_nul, ascii_only)
    return Structure(scanned.columns, scanned.rows)


@dataclass(frozen=True)
class _Scanned:
    columns: tuple[str, ...]
    rows: int
    width: int
    optional: int


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


BULK_CHUNK = 1 << 22  # bytes per step of the bulk check (its temporary arrays stay a few times this)


def _bulk_rows(buf: bytes, offset: int, delimiter: str, low: int, high: int, limit: int) -> int | None:
    """The rows of `buf` from `offset` on (no NUL) when every one has `low`..`high` fields, none is blank,
    none is longer than `limit` bytes and every quote is part of an empty quoted field (`""` between
    delimiters or line ends, which hides no delimiter); None otherwise (the caller then checks line by line)."""
    import numpy as np

    arr = np.frombuffer(buf, dtype=np.uint8)
    delim, total, start, rows = ord(delimiter), len(arr), offset, 0
    while start < total:
        end = min(start + BULK_CHUNK, total)
        if end < total:
            nxt = buf.find(b"\n", end - 1)
            end = total if nxt == -1 else nxt + 1
        chunk = arr[start:end]  # whole rows: it starts after a newline and ends with one (or the file)
        quotes = np.flatnonzero(chunk == 34)
        if len(quotes):
            a, b = quotes[0::2], quotes[1::2]
            if len(a) != len(b) or not np.array_equal(b, a + 1):
                return None
            before = chunk[np.maximum(a - 1, 0)]
            after = chunk[np.minimum(b + 1, len(chunk) - 1)]
            after2 = chunk[np.minimum(b + 2, len(chunk) - 1)]
            if not (((a == 0) | (before == delim) | (before == 10)).all()
                    and ((b == len(chunk) - 1) | (after == delim) | (after == 10) | ((after == 13) & (after2 == 10))).all()):
                return None
        stops = np.flatnonzero(chunk == 10)
        if end == total and (len(stops) == 0 or stops[-1] != len(chunk) - 1):
            stops = np.append(stops, len(chunk))  # a last row without a final newline
        starts = np.concatenate(([0], stops[:-1] + 1))
        lengths = stops - starts
        cr = np.zeros(len(stops), dtype=bool)
        has = lengths > 0
        cr[has] = chunk[stops[has] - 1] == 13
        lengths = lengths - cr
        if lengths.min() < 1 or lengths.max() > limit:
            return None  # a blank row, or a long one whose fields need measuring
        fields = np.add.reduceat(chunk == delim, starts, dtype=np.int32) + 1  # every segment is non-empty here; no int32 copy of the chunk
        if fields.min() < low or fields.max() > high:
            return None
        rows += len(stops)
        start = end
    return rows


def _scan(lines: list[bytes], data: bytes, name: str, delimiter: str, normalise: Callable[[str], str], limit: int,
          short_rows: int, has_nul: bool, ascii_only: bool) -> _Scanned:
    """The line-by-line check of `lines` (the file's rows from the header on); raises on the first fault."""
    header: list[str] = []
    width = optional = 0
    row, records, pending, pending_quotes = 0, 0, [], 0
    delim = delimiter.encode()
    for line in lines:
        if line.endswith(b"\r"):
            line = line[:-1]
        if not pending:
            row += 1
        if has_nul and NUL in line:
            col = line[:line.index(NUL)].count(delim)
            raise SourceFileError(f"{name}: row {row}, column {_column(header, col)}: NUL byte "
                                  f"({data.count(NUL)} in the file): a corrupt or padded file")
        if not ascii_only and not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                col = line[:e.start].count(delim)
                raise SourceFileError(f"{name}: row {row}, column {_column(header, col)}: bytes {line[e.start:e.start + 4]!r} "
                                      "are not UTF-8 (the declared encoding)") from None
        fields = None
        if pending or b'"' in line:
            pending.append(line)
            pending_quotes += line.count(b'"')
            if pending_quotes % 2:
                continue  # a quoted field runs on to the next line
            line, pending, pending_quotes = b"\n".join(pending), [], 0
            try:
                fields = _fields(line.decode("utf-8"), delimiter)
            except csv.Error as e:
                raise SourceFileError(f"{name}: row {row}: not a well-formed CSV row: {e}") from None
        if row == 1:
            header = [c.strip().strip('"').strip() for c in (fields or line.decode("utf-8").split(delimiter))]
            width = len(header)
            while optional < width and not header[width - 1 - optional]:
                optional += 1
            seen: dict[str, int] = {}
            for i, c in enumerate(header):
                if not c:
                    if i < width - optional:
                        raise SourceFileError(f"{name}: row 1, column #{i + 1}: empty column name")
                    continue
                key = normalise(c)
                if key in seen:
                    raise SourceFileError(f"{name}: row 1: columns {header[seen[key]]!r} (#{seen[key] + 1}) and {c!r} (#{i + 1}) "
                                          "name the same column (after case-folding and the source's normalisation)")
                seen[key] = i
            continue
        if not line:
            raise SourceFileError(f"{name}: row {row}: blank line (a parser would read it as a row of nulls)")
        n = len(fields) if fields is not None else line.count(delim) + 1
        if records == 0 and width - optional - short_rows <= n < width - optional:
            width, optional = n, 0  # the writer's own consistent width: every row must have it
        if not width - optional <= n <= width:
            raise SourceFileError(f"{name}: row {row}: {n} fields, the header has {width} "
                                  "(a ragged row, a stray delimiter or a file truncated mid-row)")
        records += 1
        if len(line) > limit:
            for i, f in enumerate(fields if fields is not None else line.decode("utf-8").split(delimiter)):
                if len(f.encode()) > limit:
                    raise SourceFileError(f"{name}: row {row}, column {_column(header, i)}: field of {len(f.encode()):,} bytes "
                                          f"is over the limit of {limit:,} (CXEX_MAX_FIELD_BYTES)")
    if pending:
        raise SourceFileError(f"{name}: row {row}: a quoted field is never closed (a file truncated inside a quote?)")
    return _Scanned(tuple(header), records, width, optional)


READ_CHUNK = 1 << 20


def read_bounded(stream, name: str, limit: int, packed: int | None = None, limits: dict | None = None) -> bytes:
    """At most `limit` bytes from a (decompressing) stream, refusing more: the declared size is not trusted.
    With `packed` (the compressed size) and `limits`, the compression ratio is checked after every chunk,
    so a bomb is refused once it passes the ratio, never inflated whole (memory stays near ratio × packed)."""
    chunks, size = [], 0
    while block := stream.read(min(READ_CHUNK, limit + 1 - size)):
        size += len(block)
        if size > limit:
            raise SourceFileError(f"{name}: unpacks to more than {limit:,} bytes (CXEX_MAX_UNPACKED_BYTES): refused as a "
                                  "possible decompression bomb")
        if packed is not None and limits is not None:
            _ratio_check(name, size, packed, limits)
        chunks.append(block)
    return b"".join(chunks)


def _ratio_check(name: str, unpacked: int, packed: int, limits: dict) -> None:
    ratio = unpacked / max(packed, 1)
    if unpacked > 1024 * 1024 and ratio > limits["max_compression_ratio"]:
        raise SourceFileError(f"{name}: compression ratio {ratio:,.0f} is over {limits['max_compression_ratio']} "
                              "(CXEX_MAX_COMPRESSION_RATIO): refused as a possible decompression bomb")


def zip_members(path: Path, zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's file members, refusing names that escape it and symlinks (never extracted, still refused)."""
    out = []
    for info in zf.infolist():
        member = info.filename
        parts = PurePosixPath(member.replace("\\", "/")).parts
        if member.startswith(("/", "\\")) or (len(member) > 1 and member[1] == ":") or ".." in parts:
            raise SourceFileError(f"{path}: member {member!r} has an absolute or climbing path (zip slip)")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SourceFileError(f"{path}: member {member!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise SourceFileError(f"{path}: member {member!r} is encrypted")
        if not info.is_dir() and not member.startswith("__MACOSX"):
            out.append(info)
    return out


def open_archive_member(path: Path, raw: bytes, pick: Callable[[list[str]], list[str]]) -> tuple[bytes, str]:
    """The bytes of the one data member of a .zip (`pick` chooses among the member names), or of a .gz;
    `raw`: the archive's bytes as read (and checksummed)."""
    limits = source_limits()
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.GzipFile(fileobj=BytesIO(raw)) as g:
                data = read_bounded(g, str(path), limits["max_unpacked_bytes"], len(raw), limits)
            return data, path.name[:-3]
        with zipfile.ZipFile(BytesIO(raw)) as zf:
            infos = {i.filename: i for i in zip_members(path, zf)}
            members = pick(list(infos))
            if len(members) != 1:
                raise SourceFileError(f"{path}: expected one CSV inside the zip, found {members or 'none'}")
            info = infos[members[0]]
            where = f"{path}!{info.filename}"
            if info.file_size > limits["max_unpacked_bytes"]:
                raise SourceFileError(f"{where}: declares {info.file_size:,} bytes unpacked, over "
                                      f"{limits['max_unpacked_bytes']:,} (CXEX_MAX_UNPACKED_BYTES)")
            _ratio_check(where, info.file_size, info.compress_size, limits)
            with zf.open(info) as m:
                data = read_bounded(m, where, limits["max_unpacked_bytes"], info.compress_size, limits)  # not trusting the declared size
            return data, info.filename
    except (zipfile.BadZipFile, gzip.BadGzipFile, EOFError, OSError, RuntimeError, NotImplementedError) as e:
        raise SourceFileError(f"{path}: not a readable CSV archive: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None


def verify_unchanged(path: Path, expected_sha256: str | None, data: bytes) -> None:
    """Refuse `data` (a file's bytes as read for parsing) unless they are the bytes found and recorded in
    provenance (`expected_sha256`; None: nothing recorded): the file was replaced or is still being written."""
    if not expected_sha256 or hashed_as_is(path, expected_sha256, len(data)):
        return  # (the same file as when it was hashed: its bytes, read after, are those; 2.9 s of a national run)
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise SourceFileError(f"{path}: changed while it was being read (SHA-256 {expected_sha256[:12]}… when found, "
                              f"{actual[:12]}… when parsed); land it again and re-run")


def json_records(raw: bytes, name: str) -> object:
    """A JSON document, refusing NUL characters, over-long strings and objects that repeat a key
    (case-folded): `json.loads` would otherwise keep the last one silently."""
    limit = source_limits()["max_field_bytes"]

    def pairs(items):
        seen = {}
        for k, v in items:
            if k.casefold() in seen:
                raise SourceFileError(f"{name}: key {k!r} appears twice in one record (also as {seen[k.casefold()]!r})")
            seen[k.casefold()] = k
            if isinstance(v, str) and ("\0" in v or len(v.encode()) > limit):
                what = "a NUL character" if "\0" in v else f"{len(v.encode()):,} bytes (over CXEX_MAX_FIELD_BYTES={limit:,})"
                raise SourceFileError(f"{name}: key {k!r}: value holds {what}")
        return dict(items)

    for bom, enc in BOMS.items():
        if raw.startswith(bom):
            raise SourceFileError(f"{name}: encoded as {enc} (byte-order mark); expected UTF-8")
    if NUL in raw:
        raise SourceFileError(f"{name}: NUL byte at offset {raw.index(NUL)}: a corrupt or padded file")
    try:
        return json.loads(raw.decode("utf-8-sig"), object_pairs_hook=pairs)
    except (ValueError, UnicodeDecodeError) as e:
        if isinstance(e, SourceFileError):
            raise
        raise SourceFileError(f"{name}: not readable JSON: {e}") from None

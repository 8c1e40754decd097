"""Fault injection, FEVS public release data file (PRDF): every bad input lands as a reader would see it.

Base file: tests/hand_data, a 12-respondent file in the 2018 PRDF layout (the columns of OPM's 2018 extract in
../shared/reference/fevs/fevs2018_prdf_subset.csv.gz: RANDOM, AGENCY, LEVEL1, POSTWT, Q1-Q71), written as OPM
writes it (comma, unquoted, LF). Each attack corrupts its bytes. Zips follow OPM's re-issue
(`2019_opm_fevs_prdf_revised.zip` holding `2019/2019_OPM_FEVS_PRDF_Redacted.csv`, reference README).
Outcomes: refused with a SourceFileError naming file, row and column; or accepted with the documented meaning.
The Dagster runs at the end show a refused file leaves the published Parquet, manifest and catalog byte-identical.
"""

from __future__ import annotations

import gzip

import pyarrow as pa
import pytest

from assets.fevs.prdf import find_fevs_file, parse_prdf
from assets.sources.files import SourceFileError
from assets.resources import CxexResource
from quality_checks.fevs.suite import MIN_WEIGHT, fevs_expectations, fevs_warning_expectations, plausible_floor
from quality_checks.gx_runner import run_suite
from tests import hand_data
from tests.conftest import run_publish, land, make_defs, run_year, write_prdf
from tests.faults.conftest import publication_hashes, zip_bytes
from warehouse.contracts import TEXT_DICTIONARY
from warehouse.fevs_scores import scored_item_columns

N = len(hand_data.rows())  # data rows: file rows 2..N+1


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> bytes:
    return write_prdf(tmp_path_factory.mktemp("good") / "prdf.csv", hand_data.rows(), hand_data.COLUMNS).read_bytes()


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _parse(tmp_path, data: bytes, name: str = "prdf.csv", year: int = 2018):
    p = tmp_path / name
    p.write_bytes(data)
    return parse_prdf(p, year)


def _refused(tmp_path, data: bytes, match: str, name: str = "prdf.csv"):
    with pytest.raises(SourceFileError, match=match) as e:
        _parse(tmp_path, data, name)
    assert name in str(e.value)  # the file is named
    return str(e.value)


def _blocking(t: pa.Table, year: int = 2018, bounds=(10, 1_500_000)):
    return run_suite(t, f"fevs_responses_{year}", fevs_expectations(year, scored_item_columns(t.schema), bounds, t.column_names))


# ---- structure: rows, NUL bytes, header, encoding, size -------------------------------------------

def test_truncated_mid_row_is_refused(tmp_path, good):
    cut = good[:len(good) - 60]  # inside the last row, no newline at the end (a download cut short)
    _refused(tmp_path, cut, rf"row {N + 1}: \d+ fields, the header has {len(hand_data.COLUMNS)}")


def test_truncated_at_a_row_boundary_fails_the_plausible_size_floor(tmp_path, good):
    """A cut at a row boundary leaves a well-formed file: only its size betrays it. The floor is data:
    half of the rows OPM published for the year (warehouse/reference/fevs_published_rows.csv)."""
    lines = _lines(good)
    t = _parse(tmp_path, b"\n".join(lines[:6]) + b"\n").table
    assert t.num_rows == 5
    assert plausible_floor(2019, 0.5, is_sample=False) == 307_698  # 615,395 / 2, rounded up (by hand)
    assert plausible_floor(2019, 0.5, is_sample=True) == 0         # the generated sample is exempt
    assert plausible_floor(2018, 0.5, is_sample=False) == 0        # no published count recorded for 2018
    out = _blocking(t, 2018, (plausible_floor(2019, 0.5, False), 1_500_000))
    [f] = out.failures
    assert f.type == "expect_table_row_count_to_be_between" and f.observed_value == 5


@pytest.mark.parametrize("where", ["middle", "field", "end"])
def test_nul_bytes_anywhere_are_refused(tmp_path, good, where):
    """OPM's 2024 PRDF was published with NUL runs after row 87,320."""
    lines = _lines(good)
    if where == "middle":
        lines.insert(5, b"\0" * 64)
        match = r"row 6, column RANDOM: NUL byte \(64 in the file\)"
    elif where == "field":
        lines[3] = lines[3].replace(b",AA,", b",A\0A,", 1)
        match = r"row 4, column AGENCY: NUL byte"
    else:
        lines[-1] = b"\0" * 4096  # NULs after the last row's newline, as in OPM's 2024 file
        match = rf"row {N + 2}, column RANDOM: NUL byte"
    _refused(tmp_path, b"\n".join(lines), match)


@pytest.mark.parametrize("rename,match", [
    ({"Q5": "Q1"}, r"columns 'Q1' \(#5\) and 'Q1' \(#9\)"),
    ({"LEVEL1": "agency"}, r"columns 'AGENCY' \(#2\) and 'agency' \(#3\)"),
    ({"Q5": "POSTWT"}, r"columns 'POSTWT' \(#4\) and 'POSTWT' \(#9\)"),
    ({"Q5": "Q02"}, r"columns 'Q2' \(#6\) and 'Q02' \(#9\)"),
    ({"Q5": "q2"}, r"columns 'Q2' \(#6\) and 'q2' \(#9\)"),
])
def test_duplicate_or_colliding_headers_are_refused(tmp_path, good, rename, match):
    lines = _lines(good)
    lines[0] = b",".join(rename.get(c, c).encode() for c in lines[0].decode().split(","))
    _refused(tmp_path, b"\n".join(lines), r"row 1: " + match)


def test_ragged_row_and_stray_delimiter_are_refused(tmp_path, good):
    lines = _lines(good)
    lines[4] += b",5"
    _refused(tmp_path, b"\n".join(lines), rf"row 5: {len(hand_data.COLUMNS) + 1} fields")


def test_blank_lines_are_refused_a_final_newline_or_none_is_fine(tmp_path, good):
    """Polars would read a blank line (`\\r\\n` after the last row, too) as a respondent with no answers.
    Real files end with one newline or none (performance.gov's hisp-quarterly-data.csv has none)."""
    lines = _lines(good)
    _refused(tmp_path, b"\n".join(lines[:4] + [b""] + lines[4:]), r"row 5: blank line")
    _refused(tmp_path, good + b"\r\n", rf"row {N + 2}: blank line")
    assert _parse(tmp_path, good.rstrip(b"\n")).table.num_rows == N


def test_unclosed_quote_is_refused(tmp_path, good):
    lines = _lines(good)
    lines[-2] = lines[-2].replace(b",", b',"', 1)  # a quote opened in the last row, never closed
    _refused(tmp_path, b"\n".join(lines), rf"row {N + 1}: a quoted field is never closed")


def test_utf8_bom_and_crlf_are_accepted_as_the_same_file(tmp_path, good):
    plain = _parse(tmp_path, good).table
    t = _parse(tmp_path, b"\xef\xbb\xbf" + good.replace(b"\n", b"\r\n"), "bom.csv").table
    assert t.equals(plain)


def test_utf16_and_non_utf8_bytes_are_refused(tmp_path, good):
    _refused(tmp_path, good.decode().encode("utf-16"), r"row 1: encoded as UTF-16")
    lines = _lines(good)
    lines[2] = lines[2].replace(b",AAAA,", b",AA\xe9A,", 1)  # a Latin-1 byte
    _refused(tmp_path, b"\n".join(lines), r"row 3, column LEVEL1: bytes .* are not UTF-8")


def test_huge_field_is_refused_naming_row_and_column(tmp_path, good):
    lines = _lines(good)
    lines[7] = lines[7].replace(b",AAAB,", b"," + b"A" * 70_000 + b",", 1)
    _refused(tmp_path, b"\n".join(lines), r"row 8, column LEVEL1: field of 70,000 bytes is over the limit of 65,536 \(CXEX_MAX_FIELD_BYTES\)")


def test_empty_file_is_refused(tmp_path):
    _refused(tmp_path, b"", r"empty file")


# ---- archives ----------------------------------------------------------------------------------

def test_zip_as_opm_publishes_it_is_accepted_with_a_readme_beside_the_csv(tmp_path, good):
    data = zip_bytes({"2019/": b"", "2019/2019_OPM_FEVS_PRDF_Redacted.csv": good, "2019/readme.txt": b"read me"})
    assert _parse(tmp_path, data, "2019_opm_fevs_prdf_revised.zip").table.num_rows == N


def test_zip_with_several_csvs_is_refused(tmp_path, good):
    data = zip_bytes({"a/prdf.csv": good, "b/prdf_revised.csv": good})
    _refused(tmp_path, data, r"expected one CSV inside the zip", "x.zip")


@pytest.mark.parametrize("member", ["../../prdf.csv", "2019/../../prdf.csv", "/etc/prdf.csv", "C:/prdf.csv"])
def test_zip_slip_members_are_refused(tmp_path, good, member):
    _refused(tmp_path, zip_bytes({member: good}), r"has an absolute or climbing path \(zip slip\)", "x.zip")


def test_symlink_member_is_refused(tmp_path, good):
    data = zip_bytes({"2019/2019_OPM_FEVS_PRDF_Redacted.csv": b"/etc/passwd"}, symlinks=("2019/2019_OPM_FEVS_PRDF_Redacted.csv",))
    _refused(tmp_path, data, r"is a symbolic link", "x.zip")


def test_zip_bomb_is_refused_by_ratio_and_by_size(tmp_path, good, monkeypatch):
    lines = _lines(good)
    bomb = lines[0] + b"\n" + b"\n".join([lines[1]] * 40_000)  # 40,000 identical rows: deflates ~1:300
    _refused(tmp_path, zip_bytes({"prdf.csv": bomb}, level=9), r"compression ratio [\d,]+ is over 100 \(CXEX_MAX_COMPRESSION_RATIO\)",
             "bomb.zip")
    p = tmp_path / "bomb.csv.gz"
    p.write_bytes(gzip.compress(bomb, 9))
    with pytest.raises(SourceFileError, match=r"bomb\.csv\.gz: compression ratio"):
        parse_prdf(p, 2018)
    monkeypatch.setenv("CXEX_MAX_UNPACKED_BYTES", "1024")
    _refused(tmp_path, zip_bytes({"prdf.csv": good}), r"declares [\d,]+ bytes unpacked, over 1,024 \(CXEX_MAX_UNPACKED_BYTES\)", "big.zip")
    p.write_bytes(gzip.compress(good))
    with pytest.raises(SourceFileError, match=r"unpacks to more than 1,024 bytes"):
        parse_prdf(p, 2018)


def test_corrupt_zip_is_refused(tmp_path, good):
    _refused(tmp_path, zip_bytes({"prdf.csv": good})[:200], r"not a readable CSV archive", "cut.zip")


# ---- landing: replaced files, two versions, symlinks out --------------------------------------

def test_file_replaced_between_finding_and_reading_is_refused(tmp_path, good):
    layout = CxexResource(data_dir=str(tmp_path)).layout
    p = land(tmp_path, 2018)
    p.parent.mkdir(parents=True)
    p.write_bytes(good)
    src = find_fevs_file(layout, 2018)  # checksum taken here (it goes into provenance)
    p.write_bytes(good.replace(b",AA,", b",BB,"))  # replaced (or still being written) before the parse
    with pytest.raises(SourceFileError, match=r"prdf\.csv: changed while it was being read"):
        parse_prdf(src, 2018)
    assert parse_prdf(find_fevs_file(layout, 2018), 2018).table.num_rows == N  # found again: read


def test_two_versions_of_one_year_are_refused(tmp_path, good):
    layout = CxexResource(data_dir=str(tmp_path)).layout
    for name in ("2018_prdf.csv", "2018_prdf_revised.csv"):
        land(tmp_path, 2018, name).parent.mkdir(parents=True, exist_ok=True)
        land(tmp_path, 2018, name).write_bytes(good)
    with pytest.raises(SourceFileError, match=r"2 candidate FEVS files .*keep exactly one per survey year"):
        find_fevs_file(layout, 2018)


def test_landing_folder_symlinked_out_of_the_data_dir_is_refused(tmp_path, good):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "prdf.csv").write_bytes(good)
    data = tmp_path / "data"
    (data / "landing" / "fevs").mkdir(parents=True)
    (data / "landing" / "fevs" / "2018").symlink_to(outside)
    with pytest.raises(SourceFileError, match=r"outside the data directory"):
        find_fevs_file(CxexResource(data_dir=str(data)).layout, 2018)


# ---- values: every declared item, weights, unknown columns ---------------------------------------

def _table(tmp_path, mutate=None, columns=None, year=2018) -> pa.Table:
    rows = hand_data.rows()
    if mutate:
        mutate(rows)
    return parse_prdf(write_prdf(tmp_path / "f.csv", rows, columns or hand_data.COLUMNS), year).table


def test_out_of_range_answer_in_a_non_index_declared_item_blocks(tmp_path):
    """Q1 is no index item, but OPM's 2018 codebook puts it on the 5-point scale, so it is declared
    (warehouse/reference/fevs_items.csv) and must hold 1-5, X or blank like an index item."""
    def mutate(rows):
        rows[4]["Q1"], rows[7]["Q1"] = "6", "-1"
    t = _table(tmp_path, mutate)
    [f] = _blocking(t).failures
    assert f.column == "Q1" and f.type == "expect_column_values_to_be_in_set"
    assert f.sample_rows == [6, 9] and f.sample_values == [6, -1]


@pytest.mark.parametrize("value", ["Y", "3.0", "0"])
def test_non_answers_in_a_declared_item_stop_the_parse(tmp_path, value):
    """`0` too: the parser stores X as 0, so a literal 0 would otherwise pass as "do not know"."""
    def mutate(rows):
        rows[4]["Q1"] = value
    with pytest.raises(SourceFileError, match=rf"f\.csv: row 6, column Q1: answer '{value}' is not 1-5, X or blank"):
        _table(tmp_path, mutate)


def test_undeclared_item_is_kept_as_text_never_scored_and_named(tmp_path):
    """A Q column OPM's 2024 codebook does not have (Q120; the codebook ends at Q92) answered `7` is accepted with
    the documented meaning: kept as text, never scored, named by the warnings check. (Q1, which the 2024
    codebook declares a five-point item, now blocks on a 7: test_a_seven_in_any_five_point_item_blocks_that_year_only.)"""
    cols = ["RandomID", "agency", "level1", "POSTWT"] + sorted({i for r in _index_items(2024) for i in r}, key=lambda q: int(q[1:])) + ["Q120"]
    rows = [{"RandomID": str(k), "agency": "AA", "level1": "AAAA", "POSTWT": "1.5", **{c: "4" for c in cols[4:]}} for k in range(12)]
    rows[3]["Q120"] = "7"
    parsed = parse_prdf(write_prdf(tmp_path / "f.csv", rows, cols), 2024)
    assert parsed.unknown_items == ("Q120",) and parsed.table.schema.field("Q120").type == TEXT_DICTIONARY  # text (its few answers encoded)
    assert "Q120" not in scored_item_columns(parsed.table.schema)
    assert _blocking(parsed.table, 2024).success
    warn = run_suite(parsed.table, "w", fevs_warning_expectations(2024, parsed.table.column_names))
    [cols_f] = [f for f in warn.failures if f.type == "expect_table_columns_to_match_set"]
    assert "Q120" in cols_f.describe()


def _index_items(year):
    from warehouse import reference
    return reference.indices_for_year(year).values()


def test_implausibly_small_weight_blocks(tmp_path):
    """POSTWT below MIN_WEIGHT (0.01) blocks: OPM's 2018 weights run 0.79-21.96 (reference extract)."""
    weights = {2: "1e-300", 4: "0.001", 6: "0", 8: str(MIN_WEIGHT), 10: "0.79"}  # the last two are plausible

    def mutate(rows):
        for i, w in weights.items():
            rows[i]["POSTWT"] = w
    [f] = _blocking(_table(tmp_path, mutate)).failures
    assert f.column == "postwt" and f.sample_rows == [4, 6, 8] and f.sample_values == [1e-300, 0.001, 0.0]


def test_unknown_columns_are_kept_and_reported(tmp_path):
    def mutate(rows):
        for r in rows:
            r["RANDOM"] = "1.12971E+11"  # as Excel left OPM's RandomID
            r["Q72"] = "3"               # not in 2018's item map
            r["EXTRA_NOTE"] = "x"        # no OPM column
    parsed = parse_prdf(write_prdf(tmp_path / "f.csv", [*map(dict, hand_data.rows())], hand_data.COLUMNS), 2018)
    assert parsed.unknown_columns == ()
    rows = hand_data.rows()
    mutate(rows)
    parsed = parse_prdf(write_prdf(tmp_path / "g.csv", rows, [*hand_data.COLUMNS, "Q72", "EXTRA_NOTE"]), 2018)
    t = parsed.table
    assert parsed.unknown_items == ("Q72",) and parsed.unknown_columns == ("EXTRA_NOTE",)
    assert "EXTRA_NOTE" in t.column_names and t.schema.field("Q72").type == TEXT_DICTIONARY  # kept as text, not dropped
    assert _blocking(t).success
    warn = run_suite(t, "w", fevs_warning_expectations(2018, t.column_names))
    assert {f.type for f in warn.failures} == {"expect_column_values_to_be_unique", "expect_table_columns_to_match_set"}
    [cols] = [f for f in warn.failures if f.type == "expect_table_columns_to_match_set"]
    assert cols.sample_values == ["Q72"] and "Q72" in cols.describe()


# ---- real Dagster runs: a refused file leaves the publication byte-identical ----------------------

@pytest.fixture(scope="module")
def published(tmp_path_factory, good):
    """One good 2018 year run and published; the attacks below land over it."""
    data_dir = tmp_path_factory.mktemp("pub") / "data"
    data_dir.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CXEX_DATA_DIR", str(data_dir))
        defs = make_defs(data_dir)
        land(data_dir, 2018).parent.mkdir(parents=True)
        land(data_dir, 2018).write_bytes(good)
        assert run_year(defs, 2018).success
        assert run_publish(defs).success  # the whole publication (assets/publication.py)
        yield data_dir, defs, publication_hashes(data_dir), mp


def _nul_mid(good):
    lines = _lines(good)
    return b"\n".join(lines[:5] + [b"\0" * 64] + lines[5:])


def _tiny_weight(good):
    lines = _lines(good)
    f = lines[3].split(b",")
    f[3] = b"1e-300"
    return b"\n".join(lines[:3] + [b",".join(f)] + lines[4:])


@pytest.mark.parametrize("attack,expect", [
    (lambda g: g[:len(g) - 60], "fields, the header has"),
    (_nul_mid, "NUL byte"),
    (lambda g: g.replace(b"Q5,", b"Q05,", 1).replace(b"Q6,", b"Q5,", 1), "name the same column"),
    (_tiny_weight, "postwt"),
])
def test_refused_file_leaves_publication_byte_identical(published, good, attack, expect):
    data_dir, defs, before, _ = published
    land(data_dir, 2018).write_bytes(attack(good))
    try:
        result = run_year(defs, 2018)
        assert not result.success
        failure = " ".join(e.step_failure_data.error.to_string() for e in result.all_events if e.is_step_failure)
        checks = " ".join(c.description or "" for c in result.get_asset_check_evaluations() if not c.passed)
        assert expect in failure + checks and "landing/fevs/2018/prdf.csv" in failure + checks
        assert not result.asset_materializations_for_node("warehouse__fevs_item_scores")
        assert publication_hashes(data_dir) == before
    finally:
        land(data_dir, 2018).write_bytes(good)


def test_checks_read_only_the_columns_they_need_yet_judge_the_whole_file(data_dir):
    """The FEVS checks read from the typed file only the columns their expectations read (the warnings:
    `respondent_id`), yet the column-set expectation judges every column of the file: run through Dagster,
    an undeclared item (Q72) nothing reads is still named, and the blocking suite still passes."""
    rows = hand_data.rows()
    for r in rows:
        r["Q72"] = "3"  # not in 2018's item map
    write_prdf(land(data_dir, 2018), rows, [*hand_data.COLUMNS, "Q72"])
    result = run_year(make_defs(data_dir), 2018)
    evaluations = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert evaluations["fevs_responses_expectations"].passed
    warnings = evaluations["fevs_responses_warnings"]
    assert not warnings.passed and "expect_table_columns_to_match_set" in warnings.description and "Q72" in warnings.description
    assert "expect_column_values_to_be_unique" not in warnings.description  # hand_data's ids are unique

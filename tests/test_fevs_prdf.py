"""Reading PRDF files as OPM publishes them, and refusing malformed ones with file, row and column."""

from __future__ import annotations

import gzip
import zipfile

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.common import PROVENANCE_META, write_stage
from assets.fevs.prdf import find_fevs_file, parse_prdf
from warehouse.fevs_scores import scored_item_columns
from assets.fevs.sample import generate_sample, sample_path
from assets.sources.files import SourceFileError
from tests import hand_data
from tests.conftest import land, write_prdf
from warehouse.contracts import TEXT_DICTIONARY
from warehouse.layout import DataLayout


def _rows_2024():
    df = generate_sample(2024, respondents=60)
    return df


def test_both_agency_column_spellings_and_level1_optional(tmp_path):
    # 2024 layout: lowercase agency/level1, RandomID
    p24 = tmp_path / "p24.csv"
    _rows_2024().write_csv(p24)
    t24 = parse_prdf(p24, 2024).table
    assert {"agency_code", "level1_code", "respondent_id", "postwt"} <= set(t24.column_names)
    # 2023 layout: no level1 at all
    p23 = tmp_path / "p23.csv"
    generate_sample(2023, respondents=60).write_csv(p23)
    t23 = parse_prdf(p23, 2023).table
    assert t23.column("level1_code").null_count == t23.num_rows
    assert "Q90" in scored_item_columns(t23.schema)


def test_types_x_blank_and_source_rows(tmp_path):
    path = write_prdf(tmp_path / "f.csv", hand_data.rows(), hand_data.COLUMNS)
    t = parse_prdf(path, 2018).table
    assert t.schema.field("Q1").type == pa.int8() and t.schema.field("postwt").type == pa.float64()
    assert t.column("Q1").to_pylist()[:7] == [5, 4, 3, 2, 1, 0, None]
    assert t.column("source_row").to_pylist()[:3] == [2, 3, 4]
    assert t.column("survey_year").to_pylist()[0] == 2018


def test_zip_and_gzip_inputs(tmp_path):
    csv = write_prdf(tmp_path / "f.csv", hand_data.rows(), hand_data.COLUMNS)
    z = tmp_path / "prdf.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(csv, "FEVS_2018_PRDF.csv")
    gz = tmp_path / "prdf.csv.gz"
    gz.write_bytes(gzip.compress(csv.read_bytes()))
    plain = parse_prdf(csv, 2018).table
    assert parse_prdf(z, 2018).table.equals(plain)
    assert parse_prdf(gz, 2018).table.equals(plain)


def test_missing_weight_column_names_file_and_column(tmp_path):
    cols = [c for c in hand_data.COLUMNS if c != "POSTWT"]
    path = write_prdf(tmp_path / "noweight.csv", hand_data.rows(), cols)
    with pytest.raises(SourceFileError, match=r"noweight\.csv: required column\(s\) missing: POSTWT"):
        parse_prdf(path, 2018)


def test_text_answer_names_file_row_and_column(tmp_path):
    rows = hand_data.rows()
    rows[3]["Q12"] = "Agree"
    path = write_prdf(tmp_path / "bad.csv", rows, hand_data.COLUMNS)
    with pytest.raises(SourceFileError, match=r"bad\.csv: row 5, column Q12: answer 'Agree' is not 1-5, X or blank \(1 such rows\)"):
        parse_prdf(path, 2018)


def test_text_weight_names_file_row_and_column(tmp_path):
    rows = hand_data.rows()
    rows[10]["POSTWT"] = "1,5"
    path = write_prdf(tmp_path / "badwt.csv", rows, hand_data.COLUMNS)
    with pytest.raises(SourceFileError, match=r"badwt\.csv: row 12, column POSTWT: weight '1,5' is not a number"):
        parse_prdf(path, 2018)


def test_not_a_csv(tmp_path):
    p = tmp_path / "x.zip"
    p.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SourceFileError, match=r"x\.zip: not a readable CSV"):
        parse_prdf(p, 2018)


def test_only_declared_items_are_scored_category_and_unknown_are_kept_as_text(tmp_path):
    """2022 layout (reference README; OPM's 2022 codebook): Q90, Q91, Q93, Q95 are category items and Q92 yes/no, declared in
    fevs_items.csv and never scored; a Q column the map does not declare (here Q120, answered 1-5) is kept
    as text and listed, not scored: the old rule "1-5/X/blank means scored" is gone."""
    df = generate_sample(2022, respondents=40)
    df = df.with_columns(Q120=df["Q2"])
    p = tmp_path / "p.csv"
    df.write_csv(p)
    parsed = parse_prdf(p, 2022)
    # the 2022 codebook (fevs_items.csv): check-all Q15_1-Q15_6 and Q90, Q91, Q93, Q95 category, Q92 yes/no
    assert parsed.unscored_items == (*(f"Q15_{i}" for i in range(1, 7)), "Q90", "Q91", "Q92", "Q93", "Q95")
    assert parsed.unknown_items == ("Q120",)
    scored = scored_item_columns(parsed.table.schema)
    assert "Q120" not in scored and "Q90" not in scored and {"Q12", "Q34", "Q2"} <= set(scored)
    # text: dictionary-encoded in memory (its few answers), plain `string` in the staged file
    assert parsed.table.schema.field("Q120").type == TEXT_DICTIONARY
    assert parsed.table.column("Q120").to_pylist() == df["Q120"].to_list()
    staged = tmp_path / "raw.parquet"
    write_stage(parsed.table, "fevs_responses", staged, {PROVENANCE_META: "{}"})
    back = pq.read_table(staged)
    assert back.schema.field("Q120").type == pa.string() and back.column("Q120").to_pylist() == df["Q120"].to_list()


@pytest.mark.parametrize("bad", ["Y", "3.0"])
def test_non_integer_answer_in_a_declared_non_index_item_stops_the_parse(tmp_path, bad):
    """Q1 is no index item in 2018, but it is a declared scale item (OPM's 2018 codebook): it is validated too."""
    rows = hand_data.rows()
    rows[6]["Q1"] = bad
    path = write_prdf(tmp_path / "bad.csv", rows, hand_data.COLUMNS)
    with pytest.raises(SourceFileError, match=rf"bad\.csv: row 8, column Q1: answer '{bad}' is not 1-5, X or blank"):
        parse_prdf(path, 2018)


def test_real_files_win_over_sample_and_ambiguity_is_an_error(data_dir):
    layout = DataLayout(data_dir)
    src = find_fevs_file(layout, 2019)
    assert src.is_sample and src.path == sample_path(layout, 2019)
    real = write_prdf(land(data_dir, 2019, "FEVS2019_PRDF.csv"), hand_data.rows(), hand_data.COLUMNS)
    src = find_fevs_file(layout, 2019)
    assert not src.is_sample and src.path == real and src.relative == "landing/fevs/2019/FEVS2019_PRDF.csv"
    write_prdf(land(data_dir, 2019, "another.csv"), hand_data.rows(), hand_data.COLUMNS)
    with pytest.raises(SourceFileError, match="2 candidate FEVS files"):
        find_fevs_file(layout, 2019)
    with pytest.raises(SourceFileError, match="CXEX_USE_SAMPLE=never"):  # the layout carries the sample rule
        find_fevs_file(DataLayout(data_dir, "never"), 2020)


def test_sample_is_deterministic_and_realistic():
    a, b = generate_sample(2018), generate_sample(2018)
    assert a.equals(b)
    assert a.columns[:3] == ["RANDOM", "AGENCY", "LEVEL1"] and "POSTWT" in a.columns
    assert generate_sample(2021).columns[:3] == ["RandomID", "agency", "DSEX"]  # no LEVEL1 in 2020-2023
    q12 = a["Q12"].to_list()
    assert "X" in q12 and "" in q12 or None in q12
    assert "XX" in a["AGENCY"].to_list()
    assert a["RANDOM"].n_unique() == a.height


def _as_strings(t: pa.Table) -> pa.Table:
    return t.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_dictionary(f.type) else f for f in t.schema]))


def _general_path(monkeypatch):
    """Force every answer column onto the categorical path (as a file with an unexpected answer takes it)."""
    from assets.fevs import prdf as fevs_prdf

    read = fevs_prdf._read_csv_strings
    monkeypatch.setattr(fevs_prdf, "_read_csv_strings", lambda path, sha256=None, as_answers=None: read(path, sha256, lambda c: False))


@pytest.mark.reference
def test_answer_enum_path_equals_the_general_path_on_opms_2018_file(reference, monkeypatch):
    """OPM's real 2018 PRDF extract (../shared/reference/fevs/fevs2018_prdf_subset.csv.gz, 101,881 rows; skipped
    when absent): its answer columns are read as ANSWER_ENUM (every value is 1-5, X or blank) and give the same
    table, value for value, as the categorical path every other file takes."""
    from assets.fevs import prdf as fevs_prdf

    path = reference / "fevs" / "fevs2018_prdf_subset.csv.gz"
    raw = fevs_prdf._read_csv_strings(path)
    items = [c for c in raw.columns if fevs_prdf.ITEM_COL.match(c)]
    assert len(items) > 60 and all(raw.schema[c] == fevs_prdf.ANSWER_ENUM for c in items)
    fast = parse_prdf(path, 2018)
    _general_path(monkeypatch)
    general = parse_prdf(path, 2018)
    assert fast.table.num_rows == 101_881 and fast.scored_items == general.scored_items
    assert _as_strings(fast.table).equals(_as_strings(general.table))


@pytest.mark.parametrize("odd", ["6", " 3", "0x", "x"])
def test_an_answer_outside_the_enum_sends_the_file_down_the_general_path(tmp_path, monkeypatch, odd):
    """A value that is not one of ANSWER_ENUM's (an out-of-range 6, a padded ' 3', text in an unknown item)
    makes the Enum read fail; the file is read again with categoricals and parsed as before: 6 is typed for
    the validation suite to report, ' 3' is 3, an unknown item keeps its text. A lowercase x is the Enum's
    (X = 0 either way)."""
    df = generate_sample(2022, respondents=40).with_columns(Q120=pl.col("Q2"))
    col = "Q120" if odd == "0x" else "Q12"
    df = df.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(pl.lit(odd)).otherwise(pl.col(col)).alias(col))
    p = tmp_path / "p.csv"
    df.write_csv(p)
    from assets.fevs import prdf as fevs_prdf

    raw = fevs_prdf._read_csv_strings(p, None, lambda c: True)
    # every answer column on the general path, but for an x
    assert raw.schema["Q2"] == (fevs_prdf.ANSWER_ENUM if odd == "x" else pl.Categorical)
    parsed = parse_prdf(p, 2022)
    got = parsed.table.column(col).to_pylist()[5]
    assert got == {"6": 6, " 3": 3, "0x": "0x", "x": 0}[odd]
    _general_path(monkeypatch)
    assert _as_strings(parse_prdf(p, 2022).table).equals(_as_strings(parsed.table))

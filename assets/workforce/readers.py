"""OPM workforce data: find a month's files and parse either published layout to one typed shape.

Two layouts, both read as published, any file name, under landing/workforce/<yyyymm>/:
- Federal Workforce Data (data.opm.gov, current): pipe-delimited employment (64 columns),
  accessions (68) and separations (69) files with snake_case columns (`agency_subelement_code`,
  `count`, `snapshot_yyyymm`, `personnel_action_effective_date_yyyymm`, `separation_category_code`,
  `drp_indicator`, `service_computation_date_leave`, ...), named `{type}_{yyyymm}_{version}.txt`.
  OPM republishes a month as version 2, 3, ...: when several versions of one file landed, the
  highest is read and the others ignored (never two). `*`, `REDACTED`, `INVALID` and
  `NO DATA REPORTED` mean withheld; a blank sub-element code becomes `<agency>**` (FedScope's
  "unspecified" sub-element). Names come from the file's `agency`/`agency_subelement` columns.
- Legacy FedScope cubes: comma-delimited `FACTDATA_*.TXT` employment cubes (quarterly: `AGYSUB,
  AGELVL, LOSLVL, SUPERVIS, DATECODE, EMPLOYMENT, LOS, ...`) and separations/accessions cubes
  (`SEP` or `ACC` with `EFDATE` and `COUNT`, no `SUPERVIS`). An action cube covers a whole fiscal
  year (or five): it is landed in the folder of its last month and split by `EFDATE` into the
  months it covers, so each month's partition reads only its own rows.
Lookup tables (`DT*.txt`, comma-delimited with a header) go in landing/workforce/lookups/.

Each file's kind is recognised from its header; a header that matches nothing (a wrong delimiter,
a renamed column) is an error naming the file. Counts that OPM suppressed (`*`, `S`, `REDACTED`,
`<10`) become null with `count_suppressed = true`; any other non-number names file, row and column.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import polars as pl
import pyarrow as pa

from warehouse.contracts import TEXT_DICTIONARY, load_stage
from warehouse.reference import REFERENCE_DIR

from assets.sources.files import SourceFile, SourceFileError
from assets.sources.integrity import check_structure, verify_unchanged


SOURCE = "opm_workforce"
SUPPRESSED_COUNT = re.compile(r"^\s*(\*+|S|REDACTED|<\s*\d+)\s*$", re.IGNORECASE)
# FWD's marks for a withheld or unusable value in any column (besides a blank)
WITHHELD = ("*", "REDACTED", "INVALID", "NO DATA REPORTED")
# FWD's file names: employment_202409_1.txt, separations_202501_3.txt (type, month, version)
FWD_NAME = re.compile(r"^(employment|accessions|separations)_(\d{6})_(\d+)\.txt$", re.IGNORECASE)

# kind → (layout, delimiter, columns that identify it)
KINDS = {
    ("fwd", "employment"): ("|", {"agency_subelement_code", "snapshot_yyyymm", "count"}),
    ("fwd", "accession"): ("|", {"agency_subelement_code", "accession_category_code", "personnel_action_effective_date_yyyymm", "count"}),
    ("fwd", "separation"): ("|", {"agency_subelement_code", "separation_category_code", "personnel_action_effective_date_yyyymm", "count"}),
    ("fedscope", "employment"): (",", {"AGYSUB", "DATECODE", "EMPLOYMENT"}),
    ("fedscope", "accession"): (",", {"AGYSUB", "ACC", "EFDATE", "COUNT"}),
    ("fedscope", "separation"): (",", {"AGYSUB", "SEP", "EFDATE", "COUNT"}),
}
# the typed tables' columns come from their contracts (warehouse/contracts/raw/), nullable while built
EMPLOYMENT_SCHEMA = pa.schema([f.with_nullable(True) for f in load_stage("workforce_employment").schema])
ACTION_SCHEMA = pa.schema([f.with_nullable(True) for f in load_stage("workforce_actions").schema])
EMPLOYMENT_COLUMNS = EMPLOYMENT_SCHEMA.names
ACTION_COLUMNS = ACTION_SCHEMA.names


def _header(path: Path) -> str:
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8", "replace")
    return first.lstrip("\ufeff").rstrip("\r\n")


@lru_cache(maxsize=1)
def codes() -> dict[str, dict[str, dict]]:
    """warehouse/reference/workforce_codes.csv as {code_type: {code: row}}."""
    out: dict[str, dict[str, dict]] = {}
    with open(REFERENCE_DIR / "workforce_codes.csv", newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["code_type"], {})[r["code"]] = r
    return out


# The columns the parsers read. An FWD employment file has 64 columns (2.1 million rows a month):
# reading only these keeps parse time and memory to what is used.
USED_COLUMNS = frozenset({
    "snapshot_yyyymm", "count", "agency_code", "agency_subelement_code", "agency", "agency_subelement", "age_bracket",
    "length_of_service_years", "supervisory_status_code", "service_computation_date_leave", "occupational_series_code",
    "accession_category_code", "separation_category_code", "personnel_action_effective_date_yyyymm", "drp_indicator",
    "AGYSUB", "AGELVL", "LOSLVL", "LOS", "SUPERVIS", "OCC", "DATECODE", "EMPLOYMENT", "SEP", "ACC", "EFDATE", "COUNT",
})


def _read(path: Path, delim: str, sha256: str | None = None) -> pl.DataFrame:
    """The file read once, checked against the checksum taken when it was found and structurally checked
    (assets/sources/integrity.py: field count per row, NUL bytes, encoding, unique header), then parsed."""
    raw = path.read_bytes()
    verify_unchanged(path, sha256, raw)
    header = check_structure(raw, str(path), delimiter=delim).columns
    keep = [c for c in header if c in USED_COLUMNS]
    try:
        df = pl.read_csv(BytesIO(raw), separator=delim, infer_schema=False, encoding="utf8", quote_char='"',
                         columns=keep or None)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as e:
        raise SourceFileError(f"{path}: not a readable {'pipe' if delim == '|' else 'comma'}-delimited file: "
                              f"{str(e).splitlines()[0]}") from None
    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
    return df.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int32))


# FedScope cube columns as OPM's SAS readers and the FY2009 separations cube list them (README of the reference)
FEDSCOPE_COLUMNS = {
    "employment": ("AGYSUB LOC AGELVL EDLVL GSEGRD LOSLVL OCC PATCO PPGRD SALLVL STEMOCC SUPERVIS TOA WORKSCH WORKSTAT "
                   "DATECODE EMPLOYMENT SALARY LOS GENDER"),
    "separation": "AGYSUB SEP EFDATE AGELVL GENDER GSEGRD LOSLVL LOC OCC PATCO PPGRD SALLVL TOA WORKSCH COUNT SALARY LOS",
    "accession": "AGYSUB ACC EFDATE AGELVL GENDER GSEGRD LOSLVL LOC OCC PATCO PPGRD SALLVL TOA WORKSCH COUNT SALARY LOS",
}


def known_columns(layout: str, kind: str) -> set[str]:
    if layout == "fedscope":
        return set(FEDSCOPE_COLUMNS[kind].split())
    from assets.workforce.sample import fwd_columns

    return set(fwd_columns()[{"employment": "employment", "accession": "accessions", "separation": "separations"}[kind]])


def unknown_columns(path: Path, layout: str, kind: str) -> list[str]:
    """Header columns the layout does not know (FWD: warehouse/reference/fwd_columns.csv): kept out of the typed
    table, and reported (run metadata), never silently dropped."""
    delim = KINDS[(layout, kind)][0]
    known = known_columns(layout, kind)
    return [c.strip() for c in _header(path).split(delim) if c.strip() and c.strip() not in known]


def _first_bad(df: pl.DataFrame, col: str, bad: pl.Expr) -> tuple[int, int, str]:
    """(rows where `bad` holds, the first one's file row, its value of `col`). `bad` reads a row's own
    values only, so in a large file it is evaluated once per distinct value and the rows found by a join."""
    if df.height < BY_VALUE_ROWS:
        rows = df.filter(bad).select("source_row", pl.col(col).alias("v"))
        return (rows.height, int(rows["source_row"][0]), str(rows["v"][0])) if rows.height else (0, 0, "")
    cols = sorted({col, *bad.meta.root_names()})
    wrong = _distinct(df, cols).filter(bad)  # a few hundred distinct values
    if not wrong.height:
        return 0, 0, ""
    rows = (df.join(wrong, on=wrong.columns, how="semi", nulls_equal=True, maintain_order="left")
            .select("source_row", pl.col(col).alias("v")))
    return rows.height, int(rows["source_row"][0]), str(rows["v"][0])


def _key(cols: tuple[str, ...] | list[str]) -> pl.Expr:
    """The columns as one value (a struct of several), so `unique` and `replace_strict` take them together."""
    return pl.col(cols[0]) if len(cols) == 1 else pl.struct(cols)


def _distinct(df: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    """The distinct combinations of `cols` (nulls included), as a frame with those columns. The expression's
    `unique` hashes each value once; `DataFrame.unique` took 2.5 times its CPU on a national FWD month."""
    values = df.select(_key(cols).unique())
    return values if len(cols) == 1 else values.unnest(values.columns[0])


BY_VALUE_ROWS = 50_000


def _select_by_value(df: pl.DataFrame, exprs: list[pl.Expr]) -> pl.DataFrame:
    """`df.select(*exprs)` for named expressions that each read a row's own values only: each is evaluated
    once per distinct combination of the columns it reads, and every row takes its combination's result
    (the row's index into the distinct values, then a gather). Over a 2.1-million-row FWD month that is a
    few hundred values per column to clean instead of millions; the distinct values and the indexes of all
    columns are each found in one query, in parallel over the columns."""
    if df.height < BY_VALUE_ROWS:
        return df.select(exprs)  # a small file: one pass over its rows is cheaper than a lookup per column
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, e in enumerate(exprs):
        cols = tuple(sorted(set(e.meta.root_names())))
        groups.setdefault(() if set(cols) <= {"source_row"} else cols, []).append(i)
    direct = [exprs[i] for i in groups.pop((), [])]  # literals and the row number: nothing to clean
    keyed = list(groups.items())
    distinct = df.select([_key(cols).unique().implode().alias(f"__g{n}") for n, (cols, _) in enumerate(keyed)])
    uniques = [distinct[f"__g{n}"][0] for n in range(len(keyed))]
    index = df.select([_key(cols).replace_strict(u, pl.int_range(0, len(u), eager=True, dtype=pl.UInt32),
                                                 return_dtype=pl.UInt32).alias(f"__g{n}")
                       for n, ((cols, _), u) in enumerate(zip(keyed, uniques))])
    out = df.select(pl.col("source_row").alias("__row"), *direct)  # (the row number keeps the height)
    for n, ((cols, members), u) in enumerate(zip(keyed, uniques)):
        values = (u.to_frame(cols[0]) if len(cols) == 1 else u.struct.unnest()).select([exprs[i] for i in members])
        # text outputs as categoricals: dictionary-encoded Arrow after, written without re-hashing
        values = values.with_columns([pl.col(c).cast(pl.Categorical) for c, t in values.schema.items() if t == pl.String])
        out = out.with_columns([values[c].gather(index[f"__g{n}"]) for c in values.columns])
    return out.select([e.meta.output_name() for e in exprs])


def _int_column(df: pl.DataFrame, path: Path, col: str, what: str, *, suppressible: bool) -> tuple[pl.Expr, pl.Expr]:
    s = pl.col(col).str.strip_chars()
    suppressed = s.str.contains(SUPPRESSED_COUNT.pattern) if suppressible else pl.lit(False)
    value = s.cast(pl.Float64, strict=False)
    bad = s.is_null() | (s == "") | (value.is_null() & ~suppressed) | (value.is_not_null() & (value != value.floor()))
    n, row, val = _first_bad(df, col, bad)
    if n:
        raise SourceFileError(f"{path}: row {row}, column {col}: {what} {val!r} is not a whole number ({n} such rows)")
    return pl.when(suppressed).then(None).otherwise(value).cast(pl.Int64), suppressed


def _yyyymm(df: pl.DataFrame, path: Path, col: str) -> pl.Expr:
    s = pl.col(col).str.strip_chars()
    bad = ~s.str.contains(r"^(19|20)\d{2}(0[1-9]|1[0-2])$") | s.is_null()
    n, row, val = _first_bad(df, col, bad)
    if n:
        raise SourceFileError(f"{path}: row {row}, column {col}: {val!r} is not a yyyymm month ({n} such rows)")
    return s.cast(pl.Int32)


def _require(df: pl.DataFrame, path: Path, cols: list[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SourceFileError(f"{path}: required column(s) missing: {', '.join(missing)} (header row 1)")


def _text(col: str) -> pl.Expr:
    """A text column with FWD's withheld marks (and blanks) as null."""
    s = pl.col(col).str.strip_chars()
    return pl.when(s.is_null() | (s == "") | s.str.to_uppercase().is_in(WITHHELD)).then(None).otherwise(s)


def _age_from_label() -> dict[str, str]:
    return {r["label"].lower(): code for code, r in codes()["age"].items()}


def _los_bracket(years: pl.Expr) -> pl.Expr:
    expr = pl.lit("Z")
    for code, r in sorted(codes()["los"].items()):  # ascending, so the outermost test is the longest service
        if r["lower"]:
            expr = pl.when(years >= float(r["lower"])).then(pl.lit(code)).otherwise(expr) if code != "Z" else expr
    return pl.when(years.is_null()).then(pl.lit("Z")).otherwise(expr)


def _fwd_years(df: pl.DataFrame, path: Path) -> pl.Expr:
    """length_of_service_years: withheld marks → null; OPM's impossible values (>= 100 years) → null."""
    los = _text("length_of_service_years")
    n, row, val = _first_bad(df, "length_of_service_years", los.is_not_null() & los.cast(pl.Float64, strict=False).is_null())
    if n:
        raise SourceFileError(f"{path}: row {row}, column length_of_service_years: {val!r} is not a number ({n} such rows)")
    years = los.cast(pl.Float64, strict=False)
    return pl.when(years < 100).then(years)


def _common(df: pl.DataFrame, path: Path, layout: str) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """agency, sub-element, names, age bracket, LOS and supervisory status in the canonical shape
    (and `df` with the columns those expressions read)."""
    if layout == "fwd":
        _require(df, path, ["agency_code", "agency_subelement_code", "age_bracket", "length_of_service_years", "supervisory_status_code"])
        years = _fwd_years(df, path)  # in a large file evaluated per distinct value (_select_by_value), brackets and all
        if df.height < BY_VALUE_ROWS:
            # a small file is read row by row: the years once as a column, or every bracket test of the
            # chain re-evaluates the text cleaning (55 of a sample month's 100 ms)
            df = df.with_columns(years.alias("__los_years"))
            years = pl.col("__los_years")
        labels = _age_from_label()
        age = pl.col("age_bracket").str.strip_chars().str.to_lowercase().replace_strict(labels, default="Z")
        agency = _text("agency_code")
        # a blank sub-element code (a few hundred early-2025 rows) is the agency's unspecified sub-element
        sub = pl.coalesce(_text("agency_subelement_code"), agency + pl.lit("**"))
        names = [(_text(c) if c in df.columns else pl.lit(None, pl.String)).alias(a)
                 for c, a in (("agency", "agency_name"), ("agency_subelement", "agency_subelement_name"))]
        return df, [agency.alias("agency_code"), sub.alias("agency_subelement_code"), *names,
                    age.alias("age_bracket"), years.alias("los_years"), _los_bracket(years).alias("los_bracket"),
                    _text("supervisory_status_code").alias("supervisory_status_code")]
    _require(df, path, ["AGYSUB", "AGELVL", "LOSLVL"])
    years = pl.col("LOS").str.strip_chars().cast(pl.Float64, strict=False) if "LOS" in df.columns else pl.lit(None, pl.Float64)
    # action cubes carry no SUPERVIS column (only the employment cube does)
    sup = pl.col("SUPERVIS").str.strip_chars() if "SUPERVIS" in df.columns else pl.lit(None, pl.String)
    return df, [pl.col("AGYSUB").str.strip_chars().str.slice(0, 2).alias("agency_code"),
                pl.col("AGYSUB").str.strip_chars().alias("agency_subelement_code"),
                pl.lit(None, pl.String).alias("agency_name"), pl.lit(None, pl.String).alias("agency_subelement_name"),
                pl.col("AGELVL").str.strip_chars().alias("age_bracket"), years.alias("los_years"),
                pl.col("LOSLVL").str.strip_chars().alias("los_bracket"), sup.alias("supervisory_status_code")]


def _to_arrow(df: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """The typed table; text columns that are categoricals stay dictionary-encoded (TEXT_DICTIONARY)."""
    table = df.select(schema.names).to_arrow()
    target = pa.schema([f.with_type(TEXT_DICTIONARY) if pa.types.is_dictionary(table.schema.field(f.name).type)
                        and pa.types.is_string(f.type) else f for f in schema])
    return table.cast(target)


def _scd_years(df: pl.DataFrame, path: Path, month_col: str) -> tuple[pl.DataFrame, pl.Expr]:
    """Years of creditable service at the end of the snapshot month, from service_computation_date_leave
    (FWD; YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY). Withheld, blank or 1900 placeholder dates → null.
    (And `df`, in a small file with the dates parsed once as a column, as `_common` does the years.)"""
    if "service_computation_date_leave" not in df.columns:
        return df, pl.lit(None, pl.Float64)
    raw = _text("service_computation_date_leave")
    date = pl.coalesce(raw.str.to_date("%Y-%m-%d", strict=False), raw.str.to_date("%Y%m%d", strict=False),
                       raw.str.to_date("%m/%d/%Y", strict=False), raw.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
    if df.height < BY_VALUE_ROWS:
        # a small file is read row by row: the dates parsed once, not for the check and again for the years
        # (four formats tried per value: 8 ms of a sample month's check and as much again after)
        df = df.with_columns(raw.is_not_null().alias("__scd_given"), date.alias("__scd_date"))
        raw, date = pl.col("__scd_given"), pl.col("__scd_date")
        bad = raw & date.is_null()
    else:
        bad = raw.is_not_null() & date.is_null()
    n, row, val = _first_bad(df, "service_computation_date_leave", bad)
    if n:
        raise SourceFileError(f"{path}: row {row}, column service_computation_date_leave: {val!r} is not a date ({n} such rows)")
    month_end = pl.col(month_col).str.strip_chars().str.to_date("%Y%m", strict=False).dt.month_end()
    years = (month_end - date).dt.total_days() / 365.25
    return df, pl.when(date.dt.year() > 1900).then(years.clip(lower_bound=0))


def parse_employment(src: SourceFile | None, layout: str) -> pa.Table:
    """The typed snapshot; None (a month covered only by an action cube) gives an empty table."""
    if src is None:
        return EMPLOYMENT_SCHEMA.empty_table()
    path = src.path
    df = _read(path, KINDS[(layout, "employment")][0], src.sha256)
    month_col, count_col = ("snapshot_yyyymm", "count") if layout == "fwd" else ("DATECODE", "EMPLOYMENT")
    _require(df, path, [month_col, count_col])
    count, suppressed = _int_column(df, path, count_col, "count", suppressible=True)
    occ_col = "occupational_series_code" if layout == "fwd" else "OCC"
    occ = _text(occ_col) if occ_col in df.columns else pl.lit(None, pl.String)
    df, scd = _scd_years(df, path, month_col) if layout == "fwd" else (df, pl.lit(None, pl.Float64))
    df, common = _common(df, path, layout)
    out = _select_by_value(df, [_yyyymm(df, path, month_col).alias("snapshot_yyyymm"), *common,
                                scd.alias("service_years_scd"), occ.alias("occupational_series_code"),
                                count.alias("count"), suppressed.alias("count_suppressed"), pl.col("source_row"),
                                pl.lit(src.relative).alias("source_file")])
    return _to_arrow(out, EMPLOYMENT_SCHEMA)


def _drp(df: pl.DataFrame, path: Path) -> pl.Expr:
    """drp_indicator (FWD separations, FY2025 deferred resignation program): Y/N; absent or withheld → false."""
    if "drp_indicator" not in df.columns:
        return pl.lit(False)
    v = _text("drp_indicator").str.to_uppercase()
    n, row, val = _first_bad(df, "drp_indicator", v.is_not_null() & ~v.is_in(["Y", "N", "YES", "NO"]))
    if n:
        raise SourceFileError(f"{path}: row {row}, column drp_indicator: {val!r} is not Y or N ({n} such rows)")
    return v.is_in(["Y", "YES"]).fill_null(False)


def parse_actions(src: SourceFile, layout: str, action: str, file_month: str) -> pa.Table:
    """A month's accessions or separations. A FedScope action cube (a fiscal year or more in one
    file) gives only its rows whose EFDATE is `file_month`: the cube is split by effective month."""
    path = src.path
    df = _read(path, KINDS[(layout, action)][0], src.sha256)
    if layout == "fwd":
        cat_col, date_col, count_col = f"{action}_category_code", "personnel_action_effective_date_yyyymm", "count"
    else:
        cat_col, date_col, count_col = ("SEP" if action == "separation" else "ACC"), "EFDATE", "COUNT"
    _require(df, path, [cat_col, date_col, count_col])
    effective = _yyyymm(df, path, date_col)
    if layout == "fedscope":
        df = df.filter(effective == int(file_month))
    count, suppressed = _int_column(df, path, count_col, "count", suppressible=True)
    df, common = _common(df, path, layout)
    out = _select_by_value(df, [pl.lit(action).alias("action"), pl.col(cat_col).str.strip_chars().alias("category_code"),
                                effective.alias("effective_yyyymm"),
                                pl.lit(int(file_month), pl.Int32).alias("file_yyyymm"), *common,
                                _drp(df, path).alias("deferred_resignation"),
                                count.alias("count"), suppressed.alias("count_suppressed"), pl.col("source_row"),
                                pl.lit(src.relative).alias("source_file")])
    return _to_arrow(out, ACTION_SCHEMA)


def empty_actions() -> pa.Table:
    return ACTION_SCHEMA.empty_table()


AGENCY_SCHEMA = pa.schema([("agency_code", pa.string()), ("agency_name", pa.string()), ("agency_subelement_code", pa.string()),
                           ("agency_subelement_name", pa.string()), ("agency_type", pa.string())])


def parse_agency_lookup(src: SourceFile) -> pa.Table:
    """FedScope DTagy.txt as published (quoted names with commas, CRLF) → agencies and sub-elements."""
    path = src.path
    text = path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    need = {"AGYTYP", "AGYTYPT", "AGY", "AGYT", "AGYSUB", "AGYSUBT"}
    if not rows or not need <= set(rows[0]):
        raise SourceFileError(f"{path}: row 1: expected columns {sorted(need)}")
    out = []
    for n, r in enumerate(rows, start=2):
        agy, sub = (r["AGY"] or "").strip(), (r["AGYSUB"] or "").strip()
        if not re.fullmatch(r"[A-Z0-9]{2}", agy) or not sub.startswith(agy):
            raise SourceFileError(f"{path}: row {n}, column AGYSUB: {sub!r} does not belong to agency {agy!r}")
        out.append({
            "agency_code": agy, "agency_name": _strip_code(r["AGYT"], agy),
            "agency_subelement_code": sub, "agency_subelement_name": _strip_code(r["AGYSUBT"], sub),
            "agency_type": (r["AGYTYPT"] or "").strip(),
        })
    return pa.Table.from_pylist(out, schema=AGENCY_SCHEMA)


def _strip_code(text: str, code: str) -> str:
    text = (text or "").strip()
    return text[len(code) + 1:].strip() if text.upper().startswith(code + "-") else text

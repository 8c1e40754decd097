"""OPM FEVS public release data file (PRDF): find it for a survey year and parse it to typed Arrow.

Input contract: the CSV exactly as OPM publishes it (or OPM's .zip holding it, e.g.
`2019_opm_fevs_prdf_revised.zip` with member `2019/2019_OPM_FEVS_PRDF_Redacted.csv`, or .csv.gz),
any file name, under landing/fevs/<survey_year>/. Columns matched case-insensitively: the agency
column (`AGENCY` to 2019, `agency` from 2020), optional `LEVEL1`/`level1` (absent 2020-2023),
weight `POSTWT`, respondent id `RANDOM`/`RandomID` (optional; kept as text, not a key: OPM's files
went through Excel, so it reads `1.12971E+11` and repeats). Other columns (`Year`, `DLEAVING`,
demographics) are kept as text.

What is read as an answer is declared, per year, in warehouse/reference/fevs_items.csv: a
`scale_5` item becomes Int8 (1-5; X = 0; blank = null) and is scored; category and yes/no items
are kept as text and never scored; a `Q<n>` column the map does not declare is kept as text and
reported (`unknown_items`), never scored. Redacted items are simply absent.

`source_row` is the file's row number (header = row 1) that every error message and validation
result quotes. A declared scale item holding something that is not a whole number (`Y`, `3.0`)
stops the parse here with file, row and column; whole numbers out of range (6, -1) pass through
typed, for the blocking validation suite to report with the same detail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import polars as pl
import pyarrow as pa

from warehouse import reference
from warehouse.contracts import TEXT_DICTIONARY

from assets.sources.files import SourceFile, SourceFileError, landed_files, use_sample_policy
from assets.sources.integrity import check_structure, open_archive_member, verify_unchanged

SOURCE = "opm_fevs_prdf"
ANSWER_X = 0  # "do not know" / "no basis to judge"
# an item column: Q12, and 2020's COVID items V7, V17_01 (the check-all options Q15_1 too)
ITEM_COL = re.compile(r"^([qv])([1-9][0-9]{0,2})(_[0-9]{1,2})?$", re.IGNORECASE)


def item_name(col: str) -> str | None:
    """The item a column holds, as fevs_items.csv names it (q12 -> Q12, v17_01 -> V17_01), or None."""
    m = ITEM_COL.match(col.strip().lstrip("\ufeff"))
    return f"{m.group(1).upper()}{int(m.group(2))}{m.group(3) or ''}" if m else None
ALIASES = {
    "agency_code": ("agency",),
    "level1_code": ("level1",),
    "postwt": ("postwt",),
    "respondent_id": ("random", "randomid", "random_id"),
}
REQUIRED = ("agency_code", "postwt")
# OPM's non-item columns: demographics and intent to leave (D...), the 2020 COVID items (V...), `Year` (2023)
OPM_OTHER = re.compile(r"^(d[a-z0-9_]*|v[0-9]+[a-z]?|year)$", re.IGNORECASE)
FAST_ANSWERS = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "X": ANSWER_X, "x": ANSWER_X}
# What OPM's answer columns hold (an empty quoted field reads as ""; an empty one as null). Read as this
# Enum, a column is parsed by a fixed lookup, and an answer's Int8 is its Enum index's entry in
# ANSWER_CODES ("" = blank = null); a file with anything else in an answer column is read again with
# categoricals and takes the general path below.
ANSWER_ENUM = pl.Enum(["", "1", "2", "3", "4", "5", "X", "x"])
ANSWER_CODES = pl.Series("answer_codes", [None, 1, 2, 3, 4, 5, ANSWER_X, ANSWER_X], dtype=pl.Int8)


@dataclass(frozen=True)
class ParsedPRDF:
    table: pa.Table
    scored_items: tuple[str, ...]    # declared scale_5 items present in the file
    unscored_items: tuple[str, ...]  # declared category and yes/no items present (kept as text)
    unknown_items: tuple[str, ...]   # Q columns the item map does not declare for the year (kept as text)
    unknown_columns: tuple[str, ...] = ()  # other columns outside OPM's layout (kept as text, reported)


def find_fevs_file(layout, year: int) -> SourceFile:
    """The PRDF for `year`: the one file in landing/fevs/<year>/, else the generated sample."""
    from assets.fevs.sample import ensure_sample  # late: generating needs numpy only when used

    folder = layout.landing("fevs", str(year))
    files = landed_files(folder)
    if len(files) > 1:
        raise SourceFileError(
            f"{folder}: {len(files)} candidate FEVS files ({', '.join(p.name for p in files)}); keep exactly one per survey year"
        )
    if files:
        return SourceFile.from_path(files[0], layout.root, is_sample=False)
    if use_sample_policy(layout) == "never":
        raise SourceFileError(f"{folder}: no FEVS file for {year}, and CXEX_USE_SAMPLE=never forbids the sample")
    return SourceFile.from_path(ensure_sample(layout, year), layout.root, is_sample=True)


def _pick_csv(names: list[str]) -> list[str]:
    """OPM's zips hold the CSV in a folder (2019/2019_OPM_FEVS_PRDF_Redacted.csv); a .txt is taken only when
    there is no CSV (a read-me beside the CSV is not data)."""
    return [m for m in names if m.lower().endswith(".csv")] or [m for m in names if m.lower().endswith(".txt")]


def _header_key(name: str) -> str:
    """A column's identity: Q02 and q2 are Q2; other names case-folded."""
    m = re.match(r"^([qv])0*([1-9][0-9]{0,2})(_[0-9]{1,2})?$", name.strip(), re.IGNORECASE)
    return f"{m.group(1).lower()}{int(m.group(2))}{m.group(3) or ''}" if m else name.strip().casefold()


def _read_csv_strings(path: Path, sha256: str | None = None, as_answers=lambda col: True) -> pl.DataFrame:
    """The file's bytes read once, checked against the checksum taken when it was found, structurally checked
    (assets/sources/integrity.py), then parsed as text; the answer columns `as_answers` names as ANSWER_ENUM
    if every value is one (else all answer columns as categoricals)."""
    raw = path.read_bytes()
    verify_unchanged(path, sha256, raw)
    name = path.name.lower()
    data, where = open_archive_member(path, raw, _pick_csv) if name.endswith((".zip", ".gz")) else (raw, "")
    check_structure(data, f"{path}!{where}" if where and name.endswith(".zip") else str(path), normalise=_header_key)
    try:
        names = pl.read_csv(BytesIO(data), infer_schema=False, encoding="utf8", n_rows=0).columns
        # answer columns as categoricals (a handful of distinct texts: 4 bytes a value instead of a
        # string each): a national year's read peaks at 0.5 GB instead of 1.3 GB
        answers = [c for c in names if ITEM_COL.match(c.strip().lstrip("\ufeff"))]
        if any(as_answers(c) for c in answers):
            # as the Enum (a fixed lookup, 1 byte a value): on a national year about 1 s less CPU to read than
            # categoricals, and no conversion of each value to Arrow after
            try:
                return pl.read_csv(BytesIO(data), infer_schema=False, encoding="utf8",
                                   schema_overrides={c: ANSWER_ENUM if as_answers(c) else pl.Categorical for c in answers})
            except pl.exceptions.ComputeError:
                pass  # some answer column holds something else: read as categoricals (any error is reported below)
        return pl.read_csv(BytesIO(data), infer_schema=False, encoding="utf8",
                           schema_overrides={c: pl.Categorical for c in answers})
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as e:
        raise SourceFileError(f"{path}: not a readable CSV: {str(e).splitlines()[0]}") from None


def _first_bad(df: pl.DataFrame, original: str, bad: pl.Expr) -> tuple[int, int, str]:
    rows = df.filter(bad).select(pl.col("source_row"), pl.col(original).alias("v"))
    if rows.height == 0:
        return 0, 0, ""
    return rows.height, int(rows["source_row"][0]), str(rows["v"][0])


def parse_prdf(source: SourceFile | Path, year: int) -> ParsedPRDF:
    path = source.path if isinstance(source, SourceFile) else Path(source)
    declared = reference.declared_items(year)

    def as_answers(col: str) -> bool:  # declared category and yes/no items hold other codes
        decl = declared.get(item_name(col) or "")
        return decl is None or decl.scored

    df = _read_csv_strings(path, source.sha256 if isinstance(source, SourceFile) else None, as_answers)
    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
    df = df.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int32))

    by_lower = {c.lower(): c for c in df.columns}
    rename: dict[str, str] = {}
    for target, names in ALIASES.items():
        found = [by_lower[n] for n in names if n in by_lower]
        if len(found) > 1:
            raise SourceFileError(f"{path}: columns {found} all look like {target}; keep one")
        if found:
            rename[found[0]] = target
    missing = [t for t in REQUIRED if t not in rename.values()]
    if missing:
        wanted = {t: "/".join(n.upper() for n in ALIASES[t]) for t in missing}
        raise SourceFileError(f"{path}: required column(s) missing: {', '.join(wanted.values())} (header row 1)")

    items: dict[str, str] = {}
    for c in df.columns:
        if item_name(c):
            items[c] = item_name(c)
    exprs: list[pl.Expr] = [pl.lit(year, dtype=pl.Int16).alias("survey_year"), pl.col("source_row")]
    for col, target in rename.items():
        s = pl.col(col).str.strip_chars()
        if target == "postwt":
            exprs.append(s.cast(pl.Float64, strict=False).alias(target))
        else:
            exprs.append(pl.when(s == "").then(None).otherwise(s).alias(target))

    # weights: anything that is not a number stops the parse
    wt_col = next(c for c, t in rename.items() if t == "postwt")
    wt = pl.col(wt_col).str.strip_chars()
    n_bad, row, val = _first_bad(df, wt_col, (wt != "") & wt.cast(pl.Float64, strict=False).is_null())
    if n_bad:
        raise SourceFileError(f"{path}: row {row}, column {wt_col}: weight {val!r} is not a number ({n_bad} such rows)")

    # one pass over every declared scale item: how many values are not whole numbers
    ordered = sorted(items.items(), key=lambda kv: reference.item_order(kv[1]))

    def text(col: str) -> pl.Expr:
        return pl.col(col).cast(pl.String)  # an answer column is read as a categorical

    def typed_expr(col: str) -> pl.Expr:
        s = text(col).str.strip_chars()
        return pl.when(s.is_in(["X", "x"])).then(pl.lit(ANSWER_X, pl.Int8)).otherwise(s.cast(pl.Int8, strict=False))

    def not_int_expr(col: str) -> pl.Expr:
        # not a whole number, or a literal 0: typed, it would be indistinguishable from X (stored as 0)
        s = text(col).str.strip_chars()
        n = s.cast(pl.Int8, strict=False)
        return s.is_not_null() & (s != "") & ~s.is_in(["X", "x"]) & (n.is_null() | (n == 0))

    # fast path: a clean column maps by lookup alone (on the categorical: no text per value); only
    # columns with anything else (spaces, out-of-range numbers, text) take the slower strip-and-cast path below
    to_score = [(col, item) for col, item in ordered if item in declared and declared[item].scored]
    schema = df.schema  # (built anew at each access: once per column was 0.1-0.2 s of a year's parse)
    enum = {col for col in items if schema[col] == ANSWER_ENUM}  # every value one of ANSWER_ENUM's
    fast = {col: pl.lit(ANSWER_CODES).gather(pl.col(col).to_physical()) if col in enum
            else pl.col(col).replace_strict(FAST_ANSWERS, default=None, return_dtype=pl.Int8) for col, _ in to_score}
    general = [col for col, _ in to_score if col not in enum]
    leftovers = df.select([(pl.col(col).is_not_null() & (pl.col(col) != "") & fast[col].is_null()).sum().alias(col)
                           for col in general]).row(0, named=True) if general else {}
    slow = [col for col in general if leftovers[col]]
    stats = df.select([not_int_expr(col).sum().alias(f"{col}\0bad") for col in slow]).row(0, named=True) if slow else {}
    scored, unscored, unknown = [], [], []
    as_text = [col for col, item in ordered if (item not in declared or not declared[item].scored) and col not in enum]
    # a text column whose few distinct answers need no stripping is kept as read (no text per row)
    padded = df.select([pl.col(c).unique().cast(pl.String).pipe(lambda u: (u != u.str.strip_chars()).any()).alias(c)
                        for c in as_text]).row(0, named=True) if as_text else {}
    for col, item in ordered:
        decl = declared.get(item)
        if decl is None or not decl.scored:
            (unknown if decl is None else unscored).append(item)
            # kept as text, never scored; categorical until it is Arrow (a few distinct answers each), and
            # dictionary-encoded Arrow after (warehouse/contracts.py TEXT_DICTIONARY)
            exprs.append((text(col).str.strip_chars().cast(pl.Categorical) if padded.get(col) else pl.col(col)).alias(item))
            continue
        scored.append(item)
        if col not in slow:
            exprs.append(fast[col].alias(item))
            continue
        n_bad = stats[f"{col}\0bad"]
        if n_bad:
            _, row, val = _first_bad(df, col, not_int_expr(col))
            raise SourceFileError(
                f"{path}: row {row}, column {col}: answer {val!r} is not 1-5, X or blank ({n_bad} such rows)"
            )
        exprs.append(typed_expr(col).alias(item))
    other = [c for c in df.columns if c not in rename and c not in items and c != "source_row"]
    exprs += [pl.col(c) for c in other]
    out = df.select(exprs)
    if "respondent_id" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("respondent_id"))
    if "level1_code" not in out.columns:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("level1_code"))
    del df
    # to Arrow a column at a time, each dropped from the frame as it goes: the frame and its whole Arrow
    # copy (and a cast copy) are never held at once. Text items stay dictionary-encoded (int32 indices
    # into their few answers), other text becomes plain `string`
    names, arrays = out.columns, []
    for name in names:
        col = out.drop_in_place(name).to_arrow()
        if pa.types.is_dictionary(col.type):
            col = col.cast(TEXT_DICTIONARY) if ITEM_COL.match(name) else col.dictionary_decode()
        if pa.types.is_large_string(col.type) or pa.types.is_string_view(col.type):
            col = col.cast(pa.string())
        arrays.append(col)
    return ParsedPRDF(pa.table(arrays, names=names), tuple(scored), tuple(unscored), tuple(unknown),
                      tuple(c for c in other if not OPM_OTHER.match(c)))



def available_years(layout) -> list[int]:
    """Survey years to process: every supported year (the sample fills gaps), or with
    CXEX_USE_SAMPLE=never only the years that have a landed file."""
    years = reference.supported_years()
    if use_sample_policy(layout) == "never":
        return [y for y in years if landed_files(layout.landing("fevs", str(y)))]
    return years

"""OMB A-11 Section 280 customer feedback and GSA's Mission-Support Customer Satisfaction Survey.

A-11, FY2019-FY2023 (era `a11_v1`), as performance.gov's dashboard publishes it, any file names
under landing/cx/a11_v1/:
  - quarterly volumes: `hisp, service, year, quarter, universe, surveyed, respondents[, response_rate]`
  - question details:  `hisp, service, year, quarter, question, average_score, description`
    and, where published, `responses, count_1 … count_5` (answers per point of the 1-5 scale).
  Real-world mess is read as published: `No Data`, thousands separators, percentages as text.
A-11, FY2024 Q2 onward (era `a11_v2`), under landing/cx/a11_v2/:
  - collections: `id, fiscal_year, quarter, service_provider_id, service_id, name`
  - collection details: `collection_id, channel, transaction_point, volume_of_customers,
    volume_of_customers_provided_survey_opportunity, volume_of_respondents, trust_question_text, survey_type`
    (`survey_type`: `thumbs_up_down` or `likert_5`)
  - responses, one file per collection named `responses_<collection id>.csv`, in the A-11 upload
    layout: `external_id, question_1, positive_*, negative_*, question_4`. `question_4` is free
    text that may hold personal information: it is never stored, only whether it was filled in.
GSA CSS (optional; absent means absent), under landing/cx/gsa_css/: `fiscal_year, agency_code,
function, respondents, mean_score[, score_sd]` with functions `hr, acquisition,
financial_management, it` on GSA's 1-7 scale.
`year`/`fiscal_year` are federal fiscal years; quarters are fiscal quarters (Q1 = Oct-Dec).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl
import pyarrow as pa

from warehouse.reference import REFERENCE_DIR

from .files import SourceFile, SourceFileError, landed_files, use_sample_policy

SOURCE_A11 = "omb_a11_section280"
SOURCE_CSS = "gsa_mission_support_css"
V2_FLAGS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")
CSS_FUNCTIONS = ("hr", "acquisition", "financial_management", "it")
MISSING = {"", "no data", "n/a", "na", "-", "null"}

KINDS = {
    "v1_volumes": {"hisp", "service", "year", "quarter", "universe", "surveyed", "respondents"},
    "v1_questions": {"hisp", "service", "year", "quarter", "question", "average_score"},
    "v2_collections": {"id", "fiscal_year", "quarter", "service_provider_id", "service_id"},
    "v2_details": {"collection_id", "channel", "volume_of_customers", "volume_of_respondents", "survey_type"},
    "v2_responses": {"external_id", "question_1"},
    "css": {"fiscal_year", "agency_code", "function", "respondents", "mean_score"},
}


@lru_cache(maxsize=1)
def drivers() -> dict[tuple[str, str], str]:
    with open(REFERENCE_DIR / "a11_drivers.csv", newline="") as f:
        return {(r["era"], r["label"].strip().lower()): r["driver"] for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def registry() -> list[dict]:
    with open(REFERENCE_DIR / "a11_service_registry.csv", newline="") as f:
        return list(csv.DictReader(f))


def registry_table() -> pa.Table:
    return pa.Table.from_pylist(registry())


def _read(path: Path) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as e:
        raise SourceFileError(f"{path}: not a readable CSV: {str(e).splitlines()[0]}") from None
    df = df.rename({c: c.strip().lstrip("\ufeff").lower() for c in df.columns})
    return df.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int32))


def _header_columns(path: Path) -> set[str]:
    with open(path, "rb") as f:
        return {c.strip().strip('"').lower() for c in f.readline().decode("utf-8", "replace").lstrip("\ufeff").strip().split(",")}


def kind_of(path: Path) -> str:
    header = _header_columns(path)
    for kind, needed in KINDS.items():
        if needed <= header:
            return kind
    raise SourceFileError(f"{path}: row 1: header not recognised as A-11 or GSA CSS data: {sorted(header)[:8]}")


def _number(df: pl.DataFrame, path: Path, col: str, *, percent: bool = False, integer: bool = False) -> pl.Expr:
    """Text as published → number: thousands separators dropped, `No Data` → null, `17%` → 0.17."""
    s = pl.col(col).cast(pl.String).str.strip_chars()
    missing = s.is_null() | s.str.to_lowercase().is_in(list(MISSING))
    cleaned = s.str.replace_all(",", "").str.replace(r"%$", "")
    value = cleaned.cast(pl.Float64, strict=False)
    bad = ~missing & value.is_null()
    rows = df.filter(bad).select("source_row", pl.col(col).alias("v"))
    if rows.height:
        raise SourceFileError(f"{path}: row {rows['source_row'][0]}, column {col}: {rows['v'][0]!r} is not a number "
                              f"({rows.height} such rows)")
    if integer:
        frac = df.filter(~missing & value.is_not_null() & (value != value.floor())).select("source_row", pl.col(col).alias("v"))
        if frac.height:
            raise SourceFileError(f"{path}: row {frac['source_row'][0]}, column {col}: {frac['v'][0]!r} is not a whole number")
    out = pl.when(missing).then(None).otherwise(value)
    if percent:
        out = pl.when(s.str.ends_with("%")).then(out / 100).otherwise(out)
    return out.cast(pl.Int64) if integer else out


def _require(df, path, cols):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SourceFileError(f"{path}: required column(s) missing: {', '.join(missing)} (header row 1)")


def _strings(t: pl.DataFrame) -> pa.Table:
    a = t.to_arrow()
    return a.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type) else f
                             for f in a.schema]))


@dataclass(frozen=True)
class A11Files:
    v1_volumes: list[SourceFile]
    v1_questions: list[SourceFile]
    v2_collections: list[SourceFile]
    v2_details: list[SourceFile]
    v2_responses: list[SourceFile]

    @property
    def all(self) -> list[SourceFile]:
        return self.v1_volumes + self.v1_questions + self.v2_collections + self.v2_details + self.v2_responses


def _collect(layout, sub: str) -> tuple[list[Path], bool]:
    """Files of landing/cx/<sub>/ (recursively), else the sample's."""
    from .cx_sample import ensure_samples

    folder = layout.landing("cx", sub)
    files = sorted(f for d in [folder, *(p for p in folder.rglob("*") if p.is_dir())] for f in landed_files(d)) \
        if folder.is_dir() else []
    if files:
        return files, False
    if any(layout.landing("cx", s).is_dir() and any(layout.landing("cx", s).rglob("*.csv")) for s in ("a11_v1", "a11_v2", "gsa_css")):
        return [], False  # real CX data has landed: the sample is not mixed in
    if use_sample_policy(layout) == "never":
        return [], False
    sample = ensure_samples(layout) / sub
    return sorted(p for p in sample.rglob("*.csv")), True


def a11_files(layout) -> A11Files:
    groups: dict[str, list[SourceFile]] = {k: [] for k in ("v1_volumes", "v1_questions", "v2_collections", "v2_details", "v2_responses")}
    for sub in ("a11_v1", "a11_v2"):
        paths, is_sample = _collect(layout, sub)
        for p in paths:
            kind = kind_of(p)
            if kind == "css" or not kind.startswith(sub[-2:]):
                raise SourceFileError(f"{p}: a {kind} file does not belong in landing/cx/{sub}/")
            groups[kind].append(SourceFile.from_path(p, layout.root, is_sample))
    return A11Files(**groups)


def css_files(layout) -> list[SourceFile]:
    paths, is_sample = _collect(layout, "gsa_css")
    return [SourceFile.from_path(p, layout.root, is_sample) for p in paths]


# ---- era 1 ------------------------------------------------------------------------------------

def parse_v1_volumes(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _read(path)
    return df.select(
        pl.lit("a11_v1").alias("era"),
        _number(df, path, "year", integer=True).cast(pl.Int16).alias("fiscal_year"),
        _number(df, path, "quarter", integer=True).cast(pl.Int8).alias("quarter"),
        pl.col("hisp").str.strip_chars().str.to_lowercase().alias("hisp"),
        pl.col("service").str.strip_chars().str.to_lowercase().alias("service"),
        pl.lit(None, pl.String).alias("collection_id"), pl.lit(None, pl.String).alias("channel"),
        _number(df, path, "universe", integer=True).alias("customers"),
        _number(df, path, "surveyed", integer=True).alias("surveys_offered"),
        _number(df, path, "respondents", integer=True).alias("respondents"),
        pl.lit(None, pl.String).alias("survey_type"), pl.lit(None, pl.String).alias("trust_question_text"),
        pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


def parse_v1_questions(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _read(path)
    labels = {label: d for (era, label), d in drivers().items() if era == "a11_v1"}
    q = pl.col("question").str.strip_chars().str.to_lowercase()
    unknown = df.filter(~q.is_in(list(labels))).select("source_row", "question")
    if unknown.height:
        raise SourceFileError(f"{path}: row {unknown['source_row'][0]}, column question: {unknown['question'][0]!r} is not one "
                              f"of the seven A-11 drivers ({unknown.height} such rows); add it to warehouse/reference/a11_drivers.csv")
    counts = [(_number(df, path, f"count_{k}", integer=True) if f"count_{k}" in df.columns else pl.lit(None, pl.Int64)).alias(f"count_{k}")
              for k in range(1, 6)]
    return df.select(
        _number(df, path, "year", integer=True).cast(pl.Int16).alias("fiscal_year"),
        _number(df, path, "quarter", integer=True).cast(pl.Int8).alias("quarter"),
        pl.col("hisp").str.strip_chars().str.to_lowercase().alias("hisp"),
        pl.col("service").str.strip_chars().str.to_lowercase().alias("service"),
        q.replace_strict(labels).alias("driver"),
        (pl.col("description") if "description" in df.columns else pl.lit(None, pl.String)).alias("question_text"),
        _number(df, path, "average_score").alias("mean_score"),
        (_number(df, path, "responses", integer=True) if "responses" in df.columns else pl.lit(None, pl.Int64)).alias("responses"),
        *counts, pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


# ---- era 2 ------------------------------------------------------------------------------------

def parse_v2_collections(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _read(path)
    return df.select(
        pl.col("id").str.strip_chars().alias("collection_id"),
        _number(df, path, "fiscal_year", integer=True).cast(pl.Int16).alias("fiscal_year"),
        _number(df, path, "quarter", integer=True).cast(pl.Int8).alias("quarter"),
        pl.col("service_provider_id").str.strip_chars().alias("service_provider_id"),
        pl.col("service_id").str.strip_chars().alias("service_id"),
    )


def parse_v2_details(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _read(path)
    offered = "volume_of_customers_provided_survey_opportunity"
    _require(df, path, [offered, "trust_question_text"])
    return df.select(
        pl.col("collection_id").str.strip_chars().alias("collection_id"),
        pl.col("channel").str.strip_chars().alias("channel"),
        _number(df, path, "volume_of_customers", integer=True).alias("customers"),
        _number(df, path, offered, integer=True).alias("surveys_offered"),
        _number(df, path, "volume_of_respondents", integer=True).alias("respondents"),
        pl.col("survey_type").str.strip_chars().str.to_lowercase().alias("survey_type"),
        pl.col("trust_question_text").alias("trust_question_text"),
        pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


def response_file_collection(path: Path) -> str | None:
    """The collection a `responses_<id>.csv` upload belongs to, read from its name without parsing it,
    or None when the file names its collections in a `collection_id` column (then it must be read)."""
    m = re.fullmatch(r"responses_(.+)\.csv", path.name, re.IGNORECASE)
    if not m:
        return None
    return None if "collection_id" in _header_columns(path) else m.group(1)


def parse_v2_responses(src: SourceFile) -> pl.DataFrame:
    path = src.path
    m = re.fullmatch(r"responses_(.+)\.csv", path.name, re.IGNORECASE)
    df = _read(path)
    if "collection_id" in df.columns:
        collection = pl.col("collection_id").str.strip_chars()
    elif m:
        collection = pl.lit(m.group(1))
    else:
        raise SourceFileError(f"{path}: a response file needs a collection_id column or a name like responses_<collection id>.csv")
    flags = []
    for side in ("positive", "negative"):
        for f in V2_FLAGS:
            col = f"{side}_{f}"
            if col not in df.columns:
                flags.append(pl.lit(None, pl.Int8).alias(col))
                continue
            s = pl.col(col).str.strip_chars().str.to_lowercase()
            typed = s.replace_strict({"1": 1, "true": 1, "yes": 1, "0": 0, "false": 0, "no": 0, "": None}, default=-1,
                                     return_dtype=pl.Int8)
            bad = df.filter(s.is_not_null() & (typed == -1)).select("source_row", pl.col(col).alias("v"))
            if bad.height:
                raise SourceFileError(f"{path}: row {bad['source_row'][0]}, column {col}: {bad['v'][0]!r} is not 0/1")
            flags.append(typed.alias(col))
    q1 = _number(df, path, "question_1", integer=True)
    comment = (pl.col("question_4").str.strip_chars().fill_null("") != "") if "question_4" in df.columns else pl.lit(False)
    # question_4 (free text) is deliberately not selected: it never leaves the landing folder
    return df.select(collection.alias("collection_id"), pl.col("external_id").str.strip_chars().alias("external_id"),
                     q1.cast(pl.Int8).alias("question_1"), *flags, comment.alias("has_comment"),
                     pl.col("source_row"), pl.lit(src.relative).alias("source_file"))


# ---- GSA CSS ----------------------------------------------------------------------------------

def parse_css(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _read(path)
    return df.select(
        _number(df, path, "fiscal_year", integer=True).cast(pl.Int16).alias("fiscal_year"),
        pl.col("agency_code").str.strip_chars().alias("agency_code"),
        pl.col("function").str.strip_chars().str.to_lowercase().alias("function"),
        _number(df, path, "respondents", integer=True).alias("respondents"),
        _number(df, path, "mean_score").alias("mean_score"),
        (_number(df, path, "score_sd") if "score_sd" in df.columns else pl.lit(None, pl.Float64)).alias("score_sd"),
        pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


def to_arrow(df: pl.DataFrame) -> pa.Table:
    return _strings(df)

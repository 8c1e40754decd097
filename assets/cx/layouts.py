"""OMB A-11 Section 280 customer feedback and GSA's Mission-Support Customer Satisfaction Survey.

Every layout is read as its publisher writes it (CSV, or JSON pages of the Touchpoints API).

A-11 era 1 (FY2019-FY2023, 1-5 agreement on seven drivers), any file names under landing/cx/a11_v1/:
  - performance.gov dashboard, quarterly volumes: `hisp, service, year, quarter, universe, surveyed,
    respondents[, response_rate]` (the service provider is `<hisp>-<service>`, e.g. `va-vha`);
  - performance.gov dashboard, question details: `hisp, service, year, quarter, question,
    average_score, description` (optionally `responses, count_1 … count_5`);
  - the later per-service wide layout (performance.gov `va-vha.csv`: `hisp_service_id, year, quarter,
    touchpoint, surveys_offered_count, response_count, satisfied, trust, effective, easy, efficient,
    transparent, employee`; Touchpoints' `hisp_services` report: the same means with
    `service_provider_slug, service_provided, transaction_point, channel, total_volume`);
  - Touchpoints' FY2021-FY2023 per-question report (`hisp_service_questions` /
    `..._summary`: `service_provider_id` (a slug), `year, quarter, standardized_question_number,
    standardized_question_identifier, likert_scale_1 … likert_scale_5, point_scale, response_volume`;
    rows carry one field fewer than the header, as the report writes them).
  Real mess read as published: `No Data`, thousands separators, `17%`, means of `0` (= not asked).
A-11 era 2 (FY2024 Q2 on, GSA Touchpoints), under landing/cx/a11_v2/, as exported
(`CxCollection.to_csv`, `CxCollectionDetail.to_csv`, `CxResponse.to_csv`, file names such as
`touchpoints-data-cx-responses-2025-01-31.csv`) or as the API's JSON:API pages (`cx_collections.json`,
`cx_collection_details.json`, `cx_responses.json`, `{"data": [{"id", "type", "attributes"}], "links"}`):
  - collections: `id, fiscal_year, quarter, service_provider_id, service_provider_name, service_id, …`
  - collection details (one per channel / stage of a collection): `id, cx_collection_id, channel,
    volume_of_customers, volume_of_customers_provided_survey_opportunity, volume_of_respondents,
    survey_type (thumbs_up_down | likert_scale), trust_question_text`, and in the CSV export
    `cx_collection_fiscal_year, cx_collection_quarter, cx_collection_service_provider_slug/name`
  - responses: `cx_collection_detail_id, question_1, positive_*, negative_*, question_4, job_id,
    external_id`; flags a respondent was not shown are blank or the text `null`. The A-11 upload
    template (`external_id, question_1, …, question_4`, no detail id) is read when its file is named
    `responses_<collection detail id>.csv`. `question_4` is free text that may hold personal
    information: it is never stored, only whether it was filled in.
Public code these layouts come from: github.com/GSA/touchpoints app/models/cx_collection.rb,
cx_collection_detail.rb, cx_response.rb (to_csv), app/serializers/cx_*_serializer.rb,
app/controllers/api/v1/cx_responses_controller.rb, app/controllers/admin/reporting_controller.rb.
Service provider identity comes from the data (slug, else name); warehouse/reference/
a11_service_registry.csv maps it to an OPM agency code. An unknown provider keeps its rows with a
null agency code (a warning check names it).
GSA CSS (optional; absent means absent), under landing/cx/gsa_css/: `fiscal_year, agency_code,
function, respondents, mean_score[, score_sd]` with functions `hr, acquisition,
financial_management, it` on GSA's 1-7 scale.
`year`/`fiscal_year` are federal fiscal years; quarters are fiscal quarters (Q1 = Oct-Dec).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import polars as pl
import pyarrow as pa

from warehouse.reference import REFERENCE_DIR

from assets.sources.files import SourceFileError
from assets.sources.integrity import check_structure, json_records, verify_unchanged

SOURCE_A11 = "omb_a11_section280"
SOURCE_CSS = "gsa_mission_support_css"
V2_FLAGS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")
V1_DRIVERS = ("satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee")
# the wide layouts' column per driver (performance.gov va-vha.csv, Touchpoints hisp_services)
WIDE_COLUMNS = {"satisfied": "satisfaction", "trust": "trust", "effective": "effectiveness", "easy": "ease",
                "efficient": "efficiency", "transparent": "transparency", "employee": "employee"}
SURVEY_TYPES = ("thumbs_up_down", "likert_scale")
CSS_FUNCTIONS = ("hr", "acquisition", "financial_management", "it")
MISSING = {"", "no data", "n/a", "na", "-", "null"}

# kind → columns that identify it (first match wins: the more specific layouts come first)
KINDS = {
    "v1_tp_questions": {"year", "quarter", "standardized_question_number", "likert_scale_1", "likert_scale_5"},
    "v1_wide": {"year", "quarter", "response_count", "satisfied", "trust"},
    "v1_volumes": {"hisp", "service", "year", "quarter", "universe", "surveyed", "respondents"},
    "v1_questions": {"hisp", "service", "year", "quarter", "question", "average_score"},
    "v2_details": {"cx_collection_id", "volume_of_respondents", "survey_type"},
    "v2_responses": {"question_1", "positive_ease"},
    "v2_collections": {"id", "fiscal_year", "quarter", "service_provider_id"},
    "css": {"fiscal_year", "agency_code", "function", "respondents", "mean_score"},
}
V1_KINDS = ("v1_volumes", "v1_questions", "v1_wide", "v1_tp_questions")
V2_KINDS = ("v2_collections", "v2_details", "v2_responses")


# The small era-1 and era-2 files (volumes, means, collections, details) are parsed once per content
# (SourceFile carries the SHA-256) and kept for the process: partition discovery and the raw step
# both read them. Response uploads (the large files) are never cached: a run reads each once, for all
# of its quarters (a11_range_frames), and holds the run's responses until they are written.
per_file = lru_cache(maxsize=256)


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


@lru_cache(maxsize=1)
def _identity_index() -> dict[str, dict]:
    """Lower-cased slug, name and every alias → registry row."""
    out = {}
    for r in registry():
        for key in [r["service_provider_id"], r["service_provider_name"], *r["aliases"].split(";")]:
            if key.strip():
                out.setdefault(key.strip().lower(), r)
    return out


def resolve_providers(df: pl.DataFrame, slug: str | None, name: str | None) -> pl.DataFrame:
    """Add `service_provider_id` (registry slug, else the data's own slug or name), `service_provider_name`
    and `agency_code` (null when the provider is not in the registry) from the data's slug/name columns."""
    idx = _identity_index()
    s = pl.col(slug).cast(pl.String).str.strip_chars() if slug else pl.lit(None, pl.String)
    n = pl.col(name).cast(pl.String).str.strip_chars() if name else pl.lit(None, pl.String)
    df = df.with_columns(s.alias("_slug"), n.alias("_name"))
    lookup = {k: v["service_provider_id"] for k, v in idx.items()}
    # the data's own slug decides when it has one (an unknown slug stays unknown); else its name
    keys = pl.when(pl.col("_slug").is_not_null()) \
        .then(pl.col("_slug").str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String)) \
        .otherwise(pl.col("_name").str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String))
    by_id = {r["service_provider_id"]: r for r in registry()}
    return df.with_columns(keys.alias("_known")).with_columns(
        pl.coalesce("_known", "_slug", "_name").alias("service_provider_id"),
        pl.coalesce(pl.col("_known").replace_strict({k: v["service_provider_name"] for k, v in by_id.items()}, default=None,
                                                    return_dtype=pl.String), "_name").alias("service_provider_name"),
        pl.col("_known").replace_strict({k: v["agency_code"] or None for k, v in by_id.items()}, default=None,
                                        return_dtype=pl.String).alias("agency_code"),  # multi-agency: none
    ).drop("_slug", "_name", "_known")


# ---- reading ----------------------------------------------------------------------------------

def _json_rows(path: Path, raw: bytes | None = None) -> list[dict]:
    """Rows of a Touchpoints API page (JSON:API `{"data": [{"id", "attributes"}]}`) or a plain JSON list;
    no NUL, no over-long value, no key twice in one record (assets/sources/integrity.py)."""
    doc = json_records(path.read_bytes() if raw is None else raw, str(path))
    items = doc.get("data") if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and "error" in doc and items is None:
        raise SourceFileError(f"{path}: the API answered with an error, not data: {doc['error']}")
    if not isinstance(items, list):
        raise SourceFileError(f"{path}: JSON holds no `data` list of records")
    rows = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise SourceFileError(f"{path}: record {i + 1}: not a JSON object")
        attrs = item.get("attributes")
        rows.append({**({"id": item.get("id")} if attrs is not None else {}), **(attrs if attrs is not None else item)})
    return rows


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _read(path: Path, sha256: str | None = None) -> pl.DataFrame:
    """Every column as text, names lower-cased (a byte-order mark and stray commas dropped), plus `source_row`
    (the line in a CSV, the record number in a JSON page). The bytes are read once, checked against the
    checksum taken when the file was found, and structurally checked before any value is read."""
    raw = path.read_bytes()
    verify_unchanged(path, sha256, raw)
    if path.suffix.lower() == ".json":
        rows = _json_rows(path, raw)
        cols = list(dict.fromkeys(k for r in rows for k in r))
        df = pl.DataFrame({c: [_text(r.get(c)) for r in rows] for c in cols}, schema={c: pl.String for c in cols})
        offset = 1
    else:
        try:
            check_structure(raw, str(path), normalise=lambda c: c.strip().rstrip(",").casefold(), short_rows=2)
            df = pl.read_csv(BytesIO(raw), infer_schema=False, encoding="utf8")
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as e:
            raise SourceFileError(f"{path}: not a readable CSV: {str(e).splitlines()[0]}") from None
        offset = 2
    df = df.rename({c: c.strip().lstrip("\ufeff").strip().rstrip(",").lower() for c in df.columns})
    return df.with_row_index("source_row", offset=offset).with_columns(pl.col("source_row").cast(pl.Int32))


def _header_columns(path: Path) -> set[str]:
    if path.suffix.lower() == ".json":
        rows = _json_rows(path)
        return {k.lower() for r in rows[:50] for k in r}
    with open(path, "rb") as f:
        line = f.readline().decode("utf-8", "replace").lstrip("\ufeff").strip()
    return {c.strip().strip('"').strip().rstrip(",").lower() for c in next(csv.reader([line]), [])}


def kind_of(path: Path) -> str:
    header = _header_columns(path)
    for kind, needed in KINDS.items():
        if needed <= header:
            return kind
    if {"external_id", "question_1"} <= header:
        return "v2_responses"  # the A-11 upload template
    raise SourceFileError(f"{path}: row 1: header not recognised as A-11 or GSA CSS data: {sorted(header)[:8]}")


class _Numbers:
    """The numbers of one read file: `n(col)` is the column as a number (thousands separators dropped,
    `No Data` → null, `17%` → 0.17), and notes the column; `n.select(...)` (or `n.check()`) first finds,
    in one query over every column noted so far, the first value that is not a number (or, for an
    integer column, not a whole number) and raises naming its row and column, as each column's own
    query did (a small file's query costs about a millisecond of overhead: 286 of them for the sample's
    era-1 files)."""

    def __init__(self, df: pl.DataFrame, path: Path):
        self.df, self.path = df, path
        self._noted: dict[str, bool] = {}  # column -> integer, in the order the columns were asked for

    @staticmethod
    def _parts(col: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
        s = pl.col(col).cast(pl.String).str.strip_chars()
        missing = s.is_null() | s.str.to_lowercase().is_in(list(MISSING))
        return s, missing, s.str.replace_all(",", "").str.replace(r"%$", "").cast(pl.Float64, strict=False)

    def __call__(self, col: str, *, percent: bool = False, integer: bool = False) -> pl.Expr:
        s, missing, value = self._parts(col)
        self._noted[col] = self._noted.get(col, False) or integer
        out = pl.when(missing).then(None).otherwise(value)
        if percent:
            out = pl.when(s.str.ends_with("%")).then(out / 100).otherwise(out)
        return out.cast(pl.Int64) if integer else out

    def opt(self, col: str, **kw) -> pl.Expr:
        return self(col, **kw) if col in self.df.columns else pl.lit(None, pl.Int64 if kw.get("integer") else pl.Float64)

    def mean(self, col: str) -> pl.Expr:
        """A published 1-5 mean; `0` (a driver not asked, as in performance.gov's passport file) is missing."""
        v = self(col)
        return pl.when(v == 0).then(None).otherwise(v)

    def period(self, year_col: str = "year") -> list[pl.Expr]:
        return [self(year_col, integer=True).cast(pl.Int16).alias("fiscal_year"),
                self("quarter", integer=True).cast(pl.Int8).alias("quarter")]

    def check(self) -> None:
        noted, self._noted = self._noted, {}
        if not noted:
            return
        exprs = []
        for i, (col, integer) in enumerate(noted.items()):
            if col not in self.df.columns:
                continue  # reported in its turn below
            _, missing, value = self._parts(col)
            bad = ~missing & value.is_null()
            frac = (~missing & value.is_not_null() & (value != value.floor())) if integer else pl.lit(False)
            exprs += [bad.sum().alias(f"n{i}"), pl.col("source_row").filter(bad).first().alias(f"row{i}"),
                      pl.col(col).cast(pl.String).filter(bad).first().alias(f"v{i}"),
                      pl.col("source_row").filter(frac).first().alias(f"frac_row{i}"),
                      pl.col(col).cast(pl.String).filter(frac).first().alias(f"frac_v{i}")]
        found = self.df.select(exprs).row(0, named=True) if exprs else {}
        for i, col in enumerate(noted):
            if col not in self.df.columns:
                raise SourceFileError(f"{self.path}: required column missing: {col} (header row 1)")
            if found[f"n{i}"]:
                raise SourceFileError(f"{self.path}: row {found[f'row{i}']}, column {col}: {found[f'v{i}']!r} is not a number "
                                      f"({found[f'n{i}']} such rows)")
            if found[f"frac_row{i}"] is not None:
                raise SourceFileError(f"{self.path}: row {found[f'frac_row{i}']}, column {col}: {found[f'frac_v{i}']!r} "
                                      "is not a whole number")

    def select(self, *exprs) -> pl.DataFrame:
        self.check()
        return self.df.select(*exprs)


def _opt_text(df, *cols) -> pl.Expr:
    present = [pl.col(c).cast(pl.String).str.strip_chars() for c in cols if c in df.columns]
    return pl.coalesce(present) if present else pl.lit(None, pl.String)


def _require(df, path, cols):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SourceFileError(f"{path}: required column(s) missing: {', '.join(missing)} (header row 1)")


def _strings(t: pl.DataFrame) -> pa.Table:
    a = t.to_arrow()
    return a.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type) else f
                             for f in a.schema]))


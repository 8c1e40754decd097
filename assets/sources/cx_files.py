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
import re
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import polars as pl
import pyarrow as pa

from warehouse.reference import REFERENCE_DIR

from .files import SourceFile, SourceFileError, landed_files, use_sample_policy
from .integrity import check_structure, json_records, verify_unchanged

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


@dataclass(frozen=True)
class A11Files:
    v1_volumes: list[SourceFile]
    v1_questions: list[SourceFile]
    v1_wide: list[SourceFile]
    v1_tp_questions: list[SourceFile]
    v2_collections: list[SourceFile]
    v2_details: list[SourceFile]
    v2_responses: list[SourceFile]

    @property
    def all(self) -> list[SourceFile]:
        return [f for k in (*V1_KINDS, *V2_KINDS) for f in getattr(self, k)]


def _collect(layout, sub: str) -> tuple[list[Path], bool]:
    """Files of landing/cx/<sub>/ (recursively), else the sample's."""
    from .cx_sample import ensure_samples

    folder = layout.landing("cx", sub)
    files = sorted(f for d in [folder, *(p for p in folder.rglob("*") if p.is_dir())] for f in landed_files(d)) \
        if folder.is_dir() else []
    if files:
        return files, False
    if any(layout.landing("cx", s).is_dir() and any(landed_files(d) for d in [layout.landing("cx", s),
                                                                           *layout.landing("cx", s).rglob("*")] if d.is_dir())
           for s in ("a11_v1", "a11_v2", "gsa_css")):
        return [], False  # real CX data has landed: the sample is not mixed in
    if use_sample_policy(layout) == "never":
        return [], False
    sample = ensure_samples(layout) / sub
    return sorted(p for p in sample.rglob("*") if p.suffix.lower() in (".csv", ".json")), True


def ensure_used_samples(layout) -> None:
    """Generate the CX sample if this data directory reads it (no CX file landed), ahead of the run's own
    reads (pipelines/run.py `_warm_samples`)."""
    _collect(layout, "a11_v1")


def a11_files(layout) -> A11Files:
    groups: dict[str, list[SourceFile]] = {k: [] for k in (*V1_KINDS, *V2_KINDS)}
    for sub, kinds in (("a11_v1", V1_KINDS), ("a11_v2", V2_KINDS)):
        paths, is_sample = _collect(layout, sub)
        for p in paths:
            kind = kind_of(p)
            if kind not in kinds:
                raise SourceFileError(f"{p}: a {kind} file does not belong in landing/cx/{sub}/")
            groups[kind].append(SourceFile.from_path(p, layout.root, is_sample))
    return A11Files(**groups)


def css_files(layout) -> list[SourceFile]:
    paths, is_sample = _collect(layout, "gsa_css")
    return [SourceFile.from_path(p, layout.root, is_sample) for p in paths]


# ---- era 1 ------------------------------------------------------------------------------------
# Every era-1 reader returns the same two shapes: volumes (one row per service provider × quarter
# × touchpoint) and driver results (one row per service provider × quarter × touchpoint × driver).
# `layout` names the source layout; when one provider-quarter arrives in several layouts the most
# detailed wins (a11_range_frames), so the same responses are never counted twice.
V1_LAYOUT_RANK = {"touchpoints_questions": 1, "wide": 2, "dashboard": 3}


def _dashboard_provider(df) -> pl.DataFrame:
    return resolve_providers(df.with_columns(
        (pl.col("hisp").str.strip_chars().str.to_lowercase() + "-" + pl.col("service").str.strip_chars().str.to_lowercase())
        .alias("_hs")), "_hs", None).drop("_hs")


@per_file
def parse_v1_volumes(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _dashboard_provider(_read(path, src.sha256))
    n = _Numbers(df, path)
    return n.select(
        pl.lit("a11_v1").alias("era"), pl.lit("dashboard").alias("layout"), *n.period(),
        "service_provider_id", "service_provider_name", "agency_code",
        pl.col("service_provider_id").alias("service_id"), pl.lit(None, pl.String).alias("channel"),
        n("universe", integer=True).alias("customers"),
        n("surveyed", integer=True).alias("surveys_offered"),
        n("respondents", integer=True).alias("respondents"),
        pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


def _v1_labels() -> dict[str, str]:
    return {label: d for (era, label), d in drivers().items() if era == "a11_v1"}


@per_file
def parse_v1_questions(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _dashboard_provider(_read(path, src.sha256))
    labels = _v1_labels()
    q = pl.col("question").str.strip_chars().str.to_lowercase()
    unknown = df.filter(~q.is_in(list(labels))).select("source_row", "question")
    if unknown.height:
        raise SourceFileError(f"{path}: row {unknown['source_row'][0]}, column question: {unknown['question'][0]!r} is not one "
                              f"of the seven A-11 drivers ({unknown.height} such rows); add it to warehouse/reference/a11_drivers.csv")
    n = _Numbers(df, path)
    return n.select(
        pl.lit("dashboard").alias("layout"), *n.period(),
        "service_provider_id", "service_provider_name", "agency_code",
        pl.col("service_provider_id").alias("service_id"), pl.lit(None, pl.String).alias("channel"),
        q.replace_strict(labels).alias("driver"),
        _opt_text(df, "description").alias("question_text"),
        n.mean("average_score").alias("mean_score"),
        n.opt("responses", integer=True).alias("responses"),
        *[n.opt(f"count_{k}", integer=True).alias(f"count_{k}") for k in range(1, 6)],
        pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


def _v1_wide(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _read(path, src.sha256)
    _require(df, path, ["year", "quarter", "response_count"])
    df = resolve_providers(df, next((c for c in ("hisp_service_id", "service_provider_slug") if c in df.columns), None),
                           "service_provider_name" if "service_provider_name" in df.columns else None)
    missing_id = df.filter(pl.col("service_provider_id").is_null())
    if missing_id.height:
        raise SourceFileError(f"{path}: row {missing_id['source_row'][0]}, column hisp_service_id/service_provider_slug: "
                              "no service provider named")
    n = _Numbers(df, path)
    return n.select(
        pl.lit("a11_v1").alias("era"), pl.lit("wide").alias("layout"), *n.period(),
        "service_provider_id", "service_provider_name", "agency_code",
        pl.coalesce(_opt_text(df, "service_provided"), pl.col("service_provider_id")).alias("service_id"),
        _opt_text(df, "touchpoint", "channel").alias("channel"),
        n.opt("total_volume", integer=True).alias("customers"),
        n.opt("surveys_offered_count", integer=True).alias("surveys_offered"),
        n("response_count", integer=True).alias("respondents"),
        *[(n.mean(c) if c in df.columns else pl.lit(None, pl.Float64)).alias(f"mean_{d}") for c, d in WIDE_COLUMNS.items()],
        pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


@per_file
def parse_v1_wide(src: SourceFile) -> tuple[pl.DataFrame, pl.DataFrame]:
    """performance.gov's per-service file (`va-vha.csv`) and Touchpoints' `hisp_services` report: one row per
    provider × quarter × touchpoint, seven means. → (volumes, driver results); a driver's responses are the
    row's `response_count` (per-driver counts are not published)."""
    wide = _v1_wide(src)
    vols = wide.select("era", "layout", "fiscal_year", "quarter", "service_provider_id", "service_provider_name",
                       "agency_code", "service_id", "channel", "customers", "surveys_offered", "respondents",
                       "source_row", "source_file")
    drv = wide.unpivot(index=["layout", "fiscal_year", "quarter", "service_provider_id", "service_provider_name", "agency_code",
                              "service_id", "channel", "respondents", "source_row", "source_file"],
                       on=[f"mean_{d}" for d in WIDE_COLUMNS.values()], variable_name="driver", value_name="mean_score")
    drv = drv.select("layout", "fiscal_year", "quarter", "service_provider_id", "service_provider_name", "agency_code",
                     "service_id", "channel", pl.col("driver").str.replace("^mean_", ""),
                     pl.lit(None, pl.String).alias("question_text"), "mean_score",
                     pl.col("respondents").alias("responses"), *[pl.lit(None, pl.Int64).alias(f"count_{k}") for k in range(1, 6)],
                     "source_row", "source_file")
    return vols, drv


@per_file
def parse_v1_tp_questions(src: SourceFile) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Touchpoints' FY2021-FY2023 per-question report (admin/reporting `hisp_service_questions`): one row per
    provider × quarter × touchpoint × standard question with the count of each answer 1-5. Its rows have one
    field fewer than its header (the report writes `question_total` under `response_volume`), so
    `response_volume` is the question's total; the standard question number (1-7) names the driver."""
    path = src.path
    df = _read(path, src.sha256)
    _require(df, path, ["service_provider_id", "year", "quarter", "standardized_question_number", "response_volume"])
    df = resolve_providers(df, "service_provider_id", "service_provider_name" if "service_provider_name" in df.columns else None)
    order = dict(enumerate(V1_DRIVERS, start=1))
    n = _Numbers(df, path)
    qn = n("standardized_question_number", integer=True)
    n.check()
    bad = df.filter(~qn.is_in(list(order))).select("source_row", "standardized_question_number")
    if bad.height:
        raise SourceFileError(f"{path}: row {bad['source_row'][0]}, column standardized_question_number: "
                              f"{bad['standardized_question_number'][0]!r} is not one of the seven standard questions 1-7")
    counts = [n(f"likert_scale_{k}", integer=True).alias(f"count_{k}") for k in range(1, 6)]
    columns = [qn.replace_strict(order, return_dtype=pl.String).alias("driver"), *counts,
               n("response_volume", integer=True).alias("responses"),
               _opt_text(df, "service_name", "service_id", "service_provided").alias("_service"),
               _opt_text(df, "channel").alias("channel"), *n.period()]
    n.check()
    df = df.with_columns(*columns)
    drv = df.select(pl.lit("touchpoints_questions").alias("layout"), "fiscal_year", "quarter", "service_provider_id",
                    "service_provider_name", "agency_code",
                    pl.coalesce("_service", "service_provider_id").alias("service_id"), "channel", "driver",
                    _opt_text(df, "customized_question_text").alias("question_text"),
                    pl.lit(None, pl.Float64).alias("mean_score"), "responses", *[f"count_{k}" for k in range(1, 6)],
                    "source_row", "source_file" if "source_file" in df.columns else pl.lit(src.relative).alias("source_file"))
    vols = drv.group_by("fiscal_year", "quarter", "service_provider_id", "service_provider_name", "agency_code", "service_id",
                        "channel", maintain_order=True).agg(
        pl.col("responses").max().alias("respondents"), pl.col("source_row").min(), pl.col("source_file").first())
    vols = vols.select(pl.lit("a11_v1").alias("era"), pl.lit("touchpoints_questions").alias("layout"), "fiscal_year", "quarter",
                       "service_provider_id", "service_provider_name", "agency_code", "service_id", "channel",
                       pl.lit(None, pl.Int64).alias("customers"), pl.lit(None, pl.Int64).alias("surveys_offered"),
                       "respondents", "source_row", "source_file")
    return vols, drv


def v1_frames(src: SourceFile, kind: str) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """(volumes, driver results) of one era-1 file of any layout."""
    if kind == "v1_volumes":
        return parse_v1_volumes(src), None
    if kind == "v1_questions":
        return None, parse_v1_questions(src)
    if kind == "v1_wide":
        return parse_v1_wide(src)
    return parse_v1_tp_questions(src)


# ---- era 2 ------------------------------------------------------------------------------------

@per_file
def parse_v2_collections(src: SourceFile) -> pl.DataFrame:
    """`CxCollection.to_csv` or the API's cx_collections pages. `service_provider_id` is Touchpoints' numeric id
    there; the provider is named by `service_provider_name` when present."""
    path = src.path
    df = _read(path, src.sha256)
    n = _Numbers(df, path)
    return n.select(
        pl.col("id").str.strip_chars().alias("collection_id"), *n.period("fiscal_year"),
        pl.col("service_provider_id").cast(pl.String).str.strip_chars().alias("tp_service_provider_id"),
        _opt_text(df, "service_provider_name").alias("collection_provider_name"),
        _opt_text(df, "service_id").alias("collection_service_id"),
        _opt_text(df, "service_name").alias("collection_service_name"),
        _opt_text(df, "aasm_state").alias("aasm_state"),
        pl.col("source_row").alias("collection_source_row"), pl.lit(src.relative).alias("collection_source_file"),
    )


@per_file
def parse_v2_details(src: SourceFile) -> pl.DataFrame:
    """`CxCollectionDetail.to_csv` (with the collection's year, quarter and provider slug) or the API's
    cx_collection_details pages (provider name; year and quarter come from the collection)."""
    path = src.path
    df = _read(path, src.sha256)
    offered = "volume_of_customers_provided_survey_opportunity"
    _require(df, path, ["id", "cx_collection_id", offered])
    st = pl.col("survey_type").str.strip_chars().str.to_lowercase()
    bad = df.filter(st.is_not_null() & ~st.is_in(list(SURVEY_TYPES))).select("source_row", "survey_type")
    if bad.height:
        raise SourceFileError(f"{path}: row {bad['source_row'][0]}, column survey_type: {bad['survey_type'][0]!r} is not "
                              f"one of {', '.join(SURVEY_TYPES)}")
    n = _Numbers(df, path)
    return n.select(
        pl.col("id").str.strip_chars().alias("detail_id"),
        pl.col("cx_collection_id").str.strip_chars().alias("collection_id"),
        n.opt("cx_collection_fiscal_year", integer=True).cast(pl.Int16).alias("detail_fiscal_year"),
        n.opt("cx_collection_quarter", integer=True).cast(pl.Int8).alias("detail_quarter"),
        _opt_text(df, "cx_collection_service_provider_slug").alias("provider_slug"),
        _opt_text(df, "cx_collection_service_provider_name", "service_provider_name").alias("provider_name"),
        _opt_text(df, "service_name", "service_id").alias("detail_service"),
        _opt_text(df, "channel").alias("channel"),
        _opt_text(df, "transaction_point").alias("transaction_point"),
        _opt_text(df, "service_stage_name").alias("service_stage"),
        n.opt("volume_of_customers", integer=True).alias("customers"),
        n(offered, integer=True).alias("surveys_offered"),
        n.opt("volume_of_respondents", integer=True).alias("respondents"),
        st.alias("survey_type"), _opt_text(df, "trust_question_text").alias("trust_question_text"),
        pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


UPLOAD_NAME = re.compile(r"responses_(.+)\.csv", re.IGNORECASE)


def response_file_detail(path: Path) -> str | None:
    """The collection detail an upload named `responses_<detail id>.csv` belongs to, without parsing it, or
    None when the file names its details in a `cx_collection_detail_id` column (then it must be read)."""
    m = UPLOAD_NAME.fullmatch(path.name)
    if not m:
        return None
    return None if "cx_collection_detail_id" in _header_columns(path) else m.group(1)


FLAG_VALUES = {"1": 1, "true": 1, "yes": 1, "0": 0, "false": 0, "no": 0, "": None, "null": None}


def parse_v2_responses(src: SourceFile) -> pl.DataFrame:
    """`CxResponse.to_csv` (`touchpoints-data-cx-responses-YYYY-MM-DD.csv`), the API's cx_responses pages, or
    an A-11 upload named `responses_<detail id>.csv`. Flags blank or `null` = not shown (null)."""
    path = src.path
    m = UPLOAD_NAME.fullmatch(path.name)
    df = _read(path, src.sha256)
    if "cx_collection_detail_id" in df.columns:
        detail = pl.col("cx_collection_detail_id").str.strip_chars()
    elif m:
        detail = pl.lit(m.group(1))
    else:
        raise SourceFileError(f"{path}: a response file needs a cx_collection_detail_id column or a name like "
                              "responses_<collection detail id>.csv")
    flags = []
    for side in ("positive", "negative"):
        for f in V2_FLAGS:
            col = f"{side}_{f}"
            if col not in df.columns:
                flags.append(pl.lit(None, pl.Int8).alias(col))
                continue
            s = pl.col(col).str.strip_chars().str.to_lowercase()
            typed = pl.when(s.is_null()).then(None).otherwise(s.replace_strict(FLAG_VALUES, default=-1, return_dtype=pl.Int8))
            bad = df.filter(s.is_not_null() & (typed == -1)).select("source_row", pl.col(col).alias("v"))
            if bad.height:
                raise SourceFileError(f"{path}: row {bad['source_row'][0]}, column {col}: {bad['v'][0]!r} is not 0/1 or null")
            flags.append(typed.alias(col))
    n = _Numbers(df, path)
    q1 = n("question_1", integer=True)
    comment = (pl.col("question_4").str.strip_chars().fill_null("").str.to_lowercase().is_in(["", "null"]).not_()) \
        if "question_4" in df.columns else pl.lit(False)
    # question_4 (free text) is deliberately not selected: it never leaves the landing folder
    return n.select(detail.alias("detail_id"), _opt_text(df, "external_id").alias("external_id"),
                     q1.cast(pl.Int8).alias("question_1"), *flags, comment.alias("has_comment"),
                     pl.col("source_row"), pl.lit(src.relative).alias("source_file"))


# ---- one fiscal quarter, both eras --------------------------------------------------------------

def concat_frames(frames: list[pl.DataFrame | None]) -> pl.DataFrame | None:
    frames = [f for f in frames if f is not None and f.height]
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


def _unique_by(df: pl.DataFrame, key: str, what: str, value_cols: list[str]) -> pl.DataFrame:
    """One row per `key`: the same record landed twice (a CSV export and an API page) is kept once; two
    different records under one id are an error naming both places."""
    df = df.unique(subset=[key, *value_cols], keep="first", maintain_order=True)
    dup = df.filter(pl.col(key).is_duplicated())
    if dup.height:
        a, b = dup.filter(pl.col(key) == dup[key][0]).head(2).iter_rows(named=True)
        src_col = next(c for c in df.columns if c.endswith("source_file"))
        row_col = next(c for c in df.columns if c.endswith("source_row"))
        raise SourceFileError(f"{a[src_col]}: row {a[row_col]}, column {key}: {what} {a[key]!r} also at {b[src_col]} row "
                              f"{b[row_col]} with different values")
    return df


def _best_v1_layout(df: pl.DataFrame | None) -> pl.DataFrame | None:
    """Where one provider-quarter arrived in several era-1 layouts, keep only the most detailed one."""
    if df is None:
        return None
    rank = pl.col("layout").replace_strict(V1_LAYOUT_RANK, return_dtype=pl.Int8)
    return df.filter(rank == rank.min().over("fiscal_year", "quarter", "service_provider_id"))


def a11_quarter_frames(files: A11Files, fy: int, q: int) -> dict[str, pl.DataFrame | None]:
    """Every A-11 row of one fiscal quarter, both eras: {a11_volumes, a11_driver_results, a11_responses}."""
    return a11_range_frames(files, [(fy, q)])[(fy, q)]


def a11_range_frames(files: A11Files, quarters: list[tuple[int, int]]) -> dict[tuple[int, int], dict[str, pl.DataFrame | None]]:
    """Every A-11 row of each of `quarters` (fiscal year, quarter), both eras, as a11_quarter_frames gives one
    quarter's: the files are read and combined once for all of them, then the rows split by quarter (a
    run's 24 sample quarters took 1,300 small filters one quarter at a time). Every step groups or joins
    within a fiscal year and quarter, so a quarter's rows are the same either way.

    Era 2: responses belong to a collection *detail* (`cx_collection_detail_id`), details to a collection;
    details and collections are made unique by id before any join, so no join multiplies rows."""
    codes = sorted({y * 10 + q for y, q in quarters})
    in_q = (pl.col("fiscal_year").cast(pl.Int32) * 10 + pl.col("quarter").cast(pl.Int32)).is_in(codes)
    vols, drvs = [], []
    for kind in V1_KINDS:
        for f in getattr(files, kind):
            v, d = v1_frames(f, kind)
            vols.append(v.filter(in_q) if v is not None else None)
            drvs.append(d.filter(in_q) if d is not None else None)
    v1_vol, v1_drv = concat_frames(vols), concat_frames(drvs)
    if v1_vol is not None and v1_drv is not None:  # the layout choice spans both shapes of one provider-quarter
        both = _best_v1_layout(concat_frames([v1_vol.select("fiscal_year", "quarter", "service_provider_id", "layout"),
                                        v1_drv.select("fiscal_year", "quarter", "service_provider_id", "layout")]))
        keep = both.unique()
        v1_vol = v1_vol.join(keep, on=["fiscal_year", "quarter", "service_provider_id", "layout"], how="semi")
        v1_drv = v1_drv.join(keep, on=["fiscal_year", "quarter", "service_provider_id", "layout"], how="semi")
    else:
        v1_vol, v1_drv = _best_v1_layout(v1_vol), _best_v1_layout(v1_drv)
    if v1_drv is not None:
        counts = [f"count_{k}" for k in range(1, 6)]
        v1_drv = v1_drv.with_columns(pl.when(pl.all_horizontal([pl.col(c).is_not_null() for c in counts]))
                                     .then(pl.sum_horizontal(counts)).otherwise(None).alias("count_total"))

    responses, v2_vol = None, None
    details = concat_frames([parse_v2_details(f) for f in files.v2_details])
    if details is not None:
        details = _unique_by(details, "detail_id", "collection detail",
                             ["collection_id", "channel", "customers", "surveys_offered", "respondents", "survey_type"])
        colls = concat_frames([parse_v2_collections(f) for f in files.v2_collections])
        if colls is not None:
            colls = _unique_by(colls, "collection_id", "collection", ["fiscal_year", "quarter", "tp_service_provider_id"])
            d = details.join(colls, on="collection_id", how="left")  # at most one collection per detail
        else:
            d = details.with_columns(*[pl.lit(None, t).alias(c) for c, t in (
                ("fiscal_year", pl.Int16), ("quarter", pl.Int8), ("collection_provider_name", pl.String),
                ("collection_service_id", pl.String), ("collection_service_name", pl.String))])
        d = d.with_columns(pl.coalesce("detail_fiscal_year", "fiscal_year").alias("fiscal_year"),
                           pl.coalesce("detail_quarter", "quarter").alias("quarter"),
                           pl.coalesce("provider_name", "collection_provider_name").alias("_pname"))
        unplaced = d.filter(pl.col("fiscal_year").is_null() | pl.col("quarter").is_null())
        if unplaced.height:
            r = unplaced.row(0, named=True)
            raise SourceFileError(f"{r['source_file']}: row {r['source_row']}, column cx_collection_id: collection "
                                  f"{r['collection_id']!r} is in no landed collections file, so the detail's quarter cannot be told")
        d = resolve_providers(d.filter(in_q), "provider_slug", "_pname")
        d = d.with_columns(pl.coalesce("detail_service", "collection_service_name", "collection_service_id",
                                       "service_provider_id").alias("service_id"))
        if d.height:
            v2_vol = d.select(pl.lit("a11_v2").alias("era"), pl.lit("touchpoints").alias("layout"), "fiscal_year", "quarter",
                              "service_provider_id", "service_provider_name", "agency_code", "service_id", "channel",
                              "collection_id", "detail_id", "customers", "surveys_offered", "respondents", "survey_type",
                              "trust_question_text", "source_row", "source_file")
            ids = d["detail_id"].to_list()
            # response files are the big ones: an upload named for a detail of another quarter is not read
            wanted = [f for f in files.v2_responses if response_file_detail(f.path) in (None, *ids)]
            resp = concat_frames([parse_v2_responses(f).filter(pl.col("detail_id").is_in(ids)) for f in wanted])
            if resp is not None:
                responses = resp.join(d.select("detail_id", "collection_id", "fiscal_year", "quarter", "service_provider_id",
                                               "service_id", "agency_code", "channel", "survey_type", "trust_question_text"),
                                      on="detail_id", how="inner", maintain_order="left")  # details are unique: one row per response
    volumes = concat_frames([v1_vol, v2_vol])
    split = {name: _by_quarter(df) for name, df in (("a11_volumes", volumes), ("a11_driver_results", v1_drv),
                                                    ("a11_responses", responses))}
    out = {}
    for fy, q in quarters:
        frames = {name: parts.get((fy, q)) for name, parts in split.items()}
        if frames["a11_volumes"] is None and frames["a11_driver_results"] is None:
            raise SourceFileError(f"no A-11 data for FY{fy}Q{q} in landing/cx/a11_v1 or a11_v2 (or the sample)")
        out[(fy, q)] = frames
    return out


def _by_quarter(df: pl.DataFrame | None) -> dict[tuple[int, int], pl.DataFrame]:
    """A frame's rows by (fiscal year, quarter), in their order; a quarter with no rows is absent."""
    if df is None or not df.height:
        return {}
    return {(int(fy), int(q)): part for (fy, q), part in df.partition_by("fiscal_year", "quarter", as_dict=True,
                                                                         maintain_order=True).items()}


def quarters_in(files: A11Files) -> set[tuple[int, int]]:
    """(fiscal year, quarter) pairs with A-11 data in these files."""
    found = set()
    for kind in V1_KINDS:
        for f in getattr(files, kind):
            for frame in v1_frames(f, kind):
                if frame is not None:
                    found |= set(frame.select("fiscal_year", "quarter").unique().iter_rows())
    details = concat_frames([parse_v2_details(f) for f in files.v2_details])
    if details is not None:
        found |= _detail_quarters(details, files.v2_collections)
    return found


def _detail_quarters(details: pl.DataFrame, collection_files: list[SourceFile]) -> set[tuple[int, int]]:
    """Quarters of collection details: their own columns (CSV export), else their collection's (API pages)."""
    colls = concat_frames([parse_v2_collections(f) for f in collection_files])
    d = details.join(colls.select("collection_id", "fiscal_year", "quarter").unique("collection_id"), on="collection_id",
                     how="left") if colls is not None else details.with_columns(pl.lit(None, pl.Int16).alias("fiscal_year"),
                                                                                pl.lit(None, pl.Int8).alias("quarter"))
    d = d.select(pl.coalesce("detail_fiscal_year", "fiscal_year"), pl.coalesce("detail_quarter", "quarter")).drop_nulls()
    return set(d.unique().iter_rows())


def file_quarters(path: Path, cx_landing: Path) -> set[tuple[int, int]]:
    """(fiscal year, quarter) pairs one landed A-11 file holds data for. A collection detail's quarter comes from
    its own columns or its collection; a response file's from its details, all read from the landed era-2 files."""
    from .files import is_data_file

    kind = kind_of(path)
    src = SourceFile(path, str(path), "", False, None, None)
    empty = {k: [] for k in (*V1_KINDS, *V2_KINDS)}
    if kind in V1_KINDS:
        return quarters_in(A11Files(**{**empty, kind: [src]}))
    others = {k: [] for k in V2_KINDS}
    for p in sorted((cx_landing / "a11_v2").rglob("*")):
        if p != path and is_data_file(p):
            others[kind_of(p)].append(SourceFile(p, str(p), "", False, None, None))
    if kind == "v2_collections":
        return set(parse_v2_collections(src).select("fiscal_year", "quarter").unique().iter_rows())
    if kind == "v2_details":
        return quarters_in(A11Files(**{**empty, "v2_collections": others["v2_collections"], "v2_details": [src]}))
    ids = set(parse_v2_responses(src)["detail_id"].unique().to_list())
    details = concat_frames([parse_v2_details(f).filter(pl.col("detail_id").is_in(list(ids))) for f in others["v2_details"]])
    if details is None:
        raise SourceFileError(f"{path}: none of its collection detail ids ({', '.join(sorted(ids)[:5])}) is in a landed "
                              "collection details file, so its quarter cannot be told")
    return _detail_quarters(details, others["v2_collections"])


# ---- GSA CSS ----------------------------------------------------------------------------------

@per_file
def parse_css(src: SourceFile) -> pl.DataFrame:
    path = src.path
    df = _read(path, src.sha256)
    n = _Numbers(df, path)
    return n.select(
        n("fiscal_year", integer=True).cast(pl.Int16).alias("fiscal_year"),
        pl.col("agency_code").str.strip_chars().alias("agency_code"),
        pl.col("function").str.strip_chars().str.to_lowercase().alias("function"),
        n("respondents", integer=True).alias("respondents"),
        n("mean_score").alias("mean_score"),
        n.opt("score_sd").alias("score_sd"),
        pl.col("source_row"), pl.lit(src.relative).alias("source_file"),
    )


def to_arrow(df: pl.DataFrame) -> pa.Table:
    return _strings(df)

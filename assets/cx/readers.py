"""The A-11 and GSA CSS readers: each file as its publisher writes it (assets/cx/layouts.py lists the layouts)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pyarrow as pa


from assets.sources.files import SourceFile, SourceFileError
from assets.cx.layouts import SURVEY_TYPES, V1_DRIVERS, V2_FLAGS, WIDE_COLUMNS, _Numbers, _header_columns, _opt_text, _read, _require, _strings, drivers, per_file, resolve_providers



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


"""Which A-11 and GSA CSS files a data directory holds (landed, else the sample), and one fiscal quarter's rows from all of them, both eras (the layouts: assets/cx/layouts.py; the readers: readers.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from warehouse.memo import remembered
from assets.sources.files import SourceFile, SourceFileError, landed_files, use_sample_policy
from assets.cx.layouts import V1_KINDS, V2_KINDS, kind_of, resolve_providers
from assets.cx.readers import V1_LAYOUT_RANK, parse_v2_collections, parse_v2_details, parse_v2_responses, response_file_detail, v1_frames


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
    from assets.cx.sample import ensure_samples

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


_QUARTERS: dict[tuple, frozenset] = {}  # by the files' kinds, paths and content digests: a process reads a set once


def quarters_in(files: A11Files) -> set[tuple[int, int]]:
    """(fiscal year, quarter) pairs with A-11 data in these files. Asked by `make run` before the A-11 run and again
    by the publication's A-11 publishers (each parse of the sample's files about 0.5 s): a set of files already
    read, by their content digests (SourceFile.sha256), is answered from memory."""
    key = tuple((kind, str(f.path), f.sha256) for kind in (*V1_KINDS, *V2_KINDS) for f in getattr(files, kind))
    return set(remembered(_QUARTERS, key, lambda: frozenset(_quarters_in(files)), 16))


def _quarters_in(files: A11Files) -> set[tuple[int, int]]:
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
    from assets.sources.files import is_data_file

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

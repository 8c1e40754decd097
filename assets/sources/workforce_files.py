"""OPM workforce data: find a month's files and parse either published layout to one typed shape.

Two layouts, both read as published, any file name, under landing/workforce/<yyyymm>/:
- Federal Workforce Data (data.opm.gov, current): pipe-delimited employment, accessions and
  separations files with snake_case columns (`agency_subelement_code`, `count`,
  `snapshot_yyyymm`, `personnel_action_effective_date_yyyymm`, `separation_category_code`, ...).
- Legacy FedScope cubes: comma-delimited `FACTDATA_*.TXT` (employment: `AGYSUB, AGELVL, LOSLVL,
  SUPERVIS, DATECODE, EMPLOYMENT, LOS, ...`) and separations/accessions cubes (`SEP` or `ACC`
  with `EFDATE` and `COUNT`).
Lookup tables (`DT*.txt`, comma-delimited with a header) go in landing/workforce/lookups/.

Each file's kind is recognised from its header; a header that matches nothing (a wrong delimiter,
a renamed column) is an error naming the file. Counts that OPM suppressed (`*`, `S`, `REDACTED`,
`<10`) become null with `count_suppressed = true`; any other non-number names file, row and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl
import pyarrow as pa

from warehouse.reference import REFERENCE_DIR

from .files import SourceFile, SourceFileError, landed_files, use_sample_policy

SOURCE = "opm_workforce"
SUPPRESSED_COUNT = re.compile(r"^\s*(\*+|S|REDACTED|<\s*\d+)\s*$", re.IGNORECASE)

# kind → (layout, delimiter, columns that identify it)
KINDS = {
    ("fwd", "employment"): ("|", {"agency_subelement_code", "snapshot_yyyymm", "count"}),
    ("fwd", "accession"): ("|", {"agency_subelement_code", "accession_category_code", "personnel_action_effective_date_yyyymm", "count"}),
    ("fwd", "separation"): ("|", {"agency_subelement_code", "separation_category_code", "personnel_action_effective_date_yyyymm", "count"}),
    ("fedscope", "employment"): (",", {"AGYSUB", "DATECODE", "EMPLOYMENT"}),
    ("fedscope", "accession"): (",", {"AGYSUB", "ACC", "EFDATE", "COUNT"}),
    ("fedscope", "separation"): (",", {"AGYSUB", "SEP", "EFDATE", "COUNT"}),
}
EMPLOYMENT_COLUMNS = ["snapshot_yyyymm", "agency_code", "agency_subelement_code", "age_bracket", "los_years",
                      "los_bracket", "supervisory_status_code", "count", "count_suppressed", "source_row", "source_file"]
ACTION_COLUMNS = ["action", "category_code", "effective_yyyymm", "file_yyyymm", "agency_code", "agency_subelement_code",
                  "age_bracket", "los_years", "los_bracket", "supervisory_status_code", "count", "count_suppressed",
                  "source_row", "source_file"]


@dataclass(frozen=True)
class MonthFiles:
    month: str  # yyyymm
    employment: SourceFile
    accession: SourceFile | None
    separation: SourceFile | None
    layout: str

    @property
    def files(self) -> list[SourceFile]:
        return [f for f in (self.employment, self.accession, self.separation) if f is not None]


@lru_cache(maxsize=1)
def codes() -> dict[str, dict[str, dict]]:
    """warehouse/reference/workforce_codes.csv as {code_type: {code: row}}."""
    out: dict[str, dict[str, dict]] = {}
    with open(REFERENCE_DIR / "workforce_codes.csv", newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["code_type"], {})[r["code"]] = r
    return out


def _header(path: Path) -> str:
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8", "replace")
    return first.lstrip("\ufeff").rstrip("\r\n")


def detect_kind(path: Path) -> tuple[str, str]:
    header = _header(path)
    for (layout, kind), (delim, needed) in KINDS.items():
        cols = {c.strip() for c in header.split(delim)}
        if needed <= cols:
            return layout, kind
    raise SourceFileError(
        f"{path}: row 1: header not recognised as OPM workforce data (pipe-delimited Federal Workforce Data "
        f"or comma-delimited FedScope cube); it starts {header[:80]!r}. Wrong delimiter or renamed column?"
    )


def landed_months(layout) -> list[str]:
    root = layout.landing("workforce")
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if re.fullmatch(r"\d{6}", p.name) and landed_files(p))


def available_months(layout) -> tuple[list[str], bool]:
    """(months to process, whether they are the sample).

    Real months and sample months are never mixed: fiscal-year metrics blend months, so once any
    month has landed, only landed months count. With nothing landed, the sample's months.
    """
    from .workforce_sample import sample_months

    landed = landed_months(layout)
    if landed:
        return landed, False
    if use_sample_policy(layout) == "never":
        return [], False
    return sample_months(), True


def month_files(layout, month: str) -> MonthFiles:
    """The files for `month` (yyyymm): landed ones, else (when nothing has landed at all) the sample."""
    from .workforce_sample import ensure_samples

    folder = layout.landing("workforce", month)
    files, is_sample = landed_files(folder), False
    if not files:
        if use_sample_policy(layout) == "never":
            raise SourceFileError(f"{folder}: no workforce files for {month}, and CXEX_USE_SAMPLE=never forbids the sample")
        if landed_months(layout):
            raise SourceFileError(f"{folder}: no workforce files for {month}; other months have landed, so the sample "
                                  "is not used (real and sample months are never mixed)")
        folder = ensure_samples(layout).get(month)
        if folder is None:
            raise SourceFileError(f"{layout.landing('workforce', month)}: no workforce files for {month}, and the sample has none for that month")
        files, is_sample = landed_files(folder), True
    found: dict[str, Path] = {}
    layouts = set()
    for p in files:
        lay, kind = detect_kind(p)
        if kind in found:
            raise SourceFileError(f"{folder}: two {kind} files ({found[kind].name}, {p.name}); keep one per month")
        found[kind] = p
        layouts.add(lay)
    if "employment" not in found:
        raise SourceFileError(f"{folder}: no employment snapshot among {[p.name for p in files]}")
    if len(layouts) > 1:
        raise SourceFileError(f"{folder}: mixes FedScope and Federal Workforce Data layouts; keep one per month")
    src = {k: SourceFile.from_path(p, layout.root, is_sample) for k, p in found.items()}
    return MonthFiles(month, src["employment"], src.get("accession"), src.get("separation"), layouts.pop())


def _read(path: Path, delim: str) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, separator=delim, infer_schema=False, encoding="utf8-lossy", quote_char='"')
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as e:
        row = _ragged_row(path, delim)
        where = f"row {row}: " if row else ""
        raise SourceFileError(f"{path}: {where}not a readable {'pipe' if delim == '|' else 'comma'}-delimited file: "
                              f"{str(e).splitlines()[0]}") from None
    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns})
    return df.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int32))


def _ragged_row(path: Path, delim: str) -> int | None:
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f, delimiter=delim)
        width = len(next(reader, []))
        for n, row in enumerate(reader, start=2):
            if len(row) != width:
                return n
    return None


def _first_bad(df: pl.DataFrame, col: str, bad: pl.Expr) -> tuple[int, int, str]:
    rows = df.filter(bad).select("source_row", pl.col(col).alias("v"))
    return (rows.height, int(rows["source_row"][0]), str(rows["v"][0])) if rows.height else (0, 0, "")


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


def _age_from_label() -> dict[str, str]:
    return {r["label"].lower(): code for code, r in codes()["age"].items()}


def _los_bracket(years: pl.Expr) -> pl.Expr:
    expr = pl.lit("Z")
    for code, r in sorted(codes()["los"].items()):  # ascending, so the outermost test is the longest service
        if r["lower"]:
            expr = pl.when(years >= float(r["lower"])).then(pl.lit(code)).otherwise(expr) if code != "Z" else expr
    return pl.when(years.is_null()).then(pl.lit("Z")).otherwise(expr)


def _common(df: pl.DataFrame, path: Path, layout: str) -> list[pl.Expr]:
    """agency, sub-element, age bracket, LOS and supervisory status in the canonical shape."""
    if layout == "fwd":
        _require(df, path, ["agency_code", "agency_subelement_code", "age_bracket", "length_of_service_years", "supervisory_status_code"])
        los = pl.col("length_of_service_years").str.strip_chars()
        n, row, val = _first_bad(df, "length_of_service_years", (los != "") & los.cast(pl.Float64, strict=False).is_null())
        if n:
            raise SourceFileError(f"{path}: row {row}, column length_of_service_years: {val!r} is not a number ({n} such rows)")
        years = los.cast(pl.Float64, strict=False)
        labels = _age_from_label()
        age = pl.col("age_bracket").str.strip_chars().str.to_lowercase().replace_strict(labels, default="Z")
        return [pl.col("agency_code").str.strip_chars().alias("agency_code"),
                pl.col("agency_subelement_code").str.strip_chars().alias("agency_subelement_code"),
                age.alias("age_bracket"), years.alias("los_years"), _los_bracket(years).alias("los_bracket"),
                pl.col("supervisory_status_code").str.strip_chars().alias("supervisory_status_code")]
    _require(df, path, ["AGYSUB", "AGELVL", "LOSLVL", "SUPERVIS"])
    years = pl.col("LOS").str.strip_chars().cast(pl.Float64, strict=False) if "LOS" in df.columns else pl.lit(None, pl.Float64)
    return [pl.col("AGYSUB").str.strip_chars().str.slice(0, 2).alias("agency_code"),
            pl.col("AGYSUB").str.strip_chars().alias("agency_subelement_code"),
            pl.col("AGELVL").str.strip_chars().alias("age_bracket"), years.alias("los_years"),
            pl.col("LOSLVL").str.strip_chars().alias("los_bracket"),
            pl.col("SUPERVIS").str.strip_chars().alias("supervisory_status_code")]


def _to_arrow(df: pl.DataFrame) -> pa.Table:
    t = df.to_arrow()
    return t.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type) else f
                             for f in t.schema]))


def parse_employment(src: SourceFile, layout: str) -> pa.Table:
    path = src.path
    df = _read(path, KINDS[(layout, "employment")][0])
    month_col, count_col = ("snapshot_yyyymm", "count") if layout == "fwd" else ("DATECODE", "EMPLOYMENT")
    _require(df, path, [month_col, count_col])
    count, suppressed = _int_column(df, path, count_col, "count", suppressible=True)
    out = df.select(_yyyymm(df, path, month_col).alias("snapshot_yyyymm"), *_common(df, path, layout),
                    count.alias("count"), suppressed.alias("count_suppressed"), pl.col("source_row"),
                    pl.lit(src.relative).alias("source_file"))
    return _to_arrow(out.select(EMPLOYMENT_COLUMNS))


def parse_actions(src: SourceFile, layout: str, action: str, file_month: str) -> pa.Table:
    path = src.path
    df = _read(path, KINDS[(layout, action)][0])
    if layout == "fwd":
        cat_col, date_col, count_col = f"{action}_category_code", "personnel_action_effective_date_yyyymm", "count"
    else:
        cat_col, date_col, count_col = ("SEP" if action == "separation" else "ACC"), "EFDATE", "COUNT"
    _require(df, path, [cat_col, date_col, count_col])
    count, suppressed = _int_column(df, path, count_col, "count", suppressible=True)
    out = df.select(pl.lit(action).alias("action"), pl.col(cat_col).str.strip_chars().alias("category_code"),
                    _yyyymm(df, path, date_col).alias("effective_yyyymm"),
                    pl.lit(int(file_month), pl.Int32).alias("file_yyyymm"), *_common(df, path, layout),
                    count.alias("count"), suppressed.alias("count_suppressed"), pl.col("source_row"),
                    pl.lit(src.relative).alias("source_file"))
    return _to_arrow(out.select(ACTION_COLUMNS))


def empty_actions() -> pa.Table:
    return pa.Table.from_pylist([], schema=pa.schema([
        ("action", pa.string()), ("category_code", pa.string()), ("effective_yyyymm", pa.int32()),
        ("file_yyyymm", pa.int32()), ("agency_code", pa.string()), ("agency_subelement_code", pa.string()),
        ("age_bracket", pa.string()), ("los_years", pa.float64()), ("los_bracket", pa.string()),
        ("supervisory_status_code", pa.string()), ("count", pa.int64()), ("count_suppressed", pa.bool_()),
        ("source_row", pa.int32()), ("source_file", pa.string())]))


# ---- lookup tables --------------------------------------------------------------------------

def find_agency_lookup(layout) -> SourceFile:
    """DTagy.txt from landing/workforce/lookups/ (any case), else the sample's."""
    from .workforce_sample import ensure_samples

    for folder, is_sample in ((layout.landing("workforce", "lookups"), False),):
        for p in landed_files(folder):
            if p.name.lower() == "dtagy.txt":
                return SourceFile.from_path(p, layout.root, is_sample)
    ensure_samples(layout)
    return SourceFile.from_path(layout.samples("workforce", "lookups") / "DTagy.txt", layout.root, True)


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
    return pa.Table.from_pylist(out)


def _strip_code(text: str, code: str) -> str:
    text = (text or "").strip()
    return text[len(code) + 1:].strip() if text.upper().startswith(code + "-") else text

"""Which workforce files a data directory holds for each month (landed, else the sample), the agency lookup
it reads, and which months they cover (the layouts and their readers: assets/workforce/readers.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa


from assets.sources.files import SourceFile, SourceFileError, landed_files, use_sample_policy
from assets.workforce.readers import AGENCY_SCHEMA, _header, FWD_NAME, KINDS, _read, _require, _yyyymm, parse_agency_lookup



@dataclass(frozen=True)
class MonthFiles:
    month: str  # yyyymm
    employment: SourceFile | None  # None: a month covered only by an action cube (FedScope FY cubes)
    accession: SourceFile | None
    separation: SourceFile | None
    layout: str

    @property
    def files(self) -> list[SourceFile]:
        return [f for f in (self.employment, self.accession, self.separation) if f is not None]




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


def _month_folders(layout) -> list[Path]:
    root = layout.landing("workforce")
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if re.fullmatch(r"\d{6}", p.name) and landed_files(p))


@lru_cache(maxsize=256)
def _cube_months_cached(path: str, size: int, mtime: float) -> tuple[str, ...]:
    df = _read(Path(path), ",")
    _require(df, Path(path), ["EFDATE"])
    months = df.select(_yyyymm(df, Path(path), "EFDATE").unique()).to_series().to_list()
    return tuple(sorted(str(m) for m in months))


def cube_months(path: Path) -> tuple[str, ...]:
    """The months (yyyymm) a FedScope action cube covers: the distinct EFDATE values in it."""
    st = path.stat()
    return _cube_months_cached(str(path), st.st_size, st.st_mtime)


def _action_cubes(layout) -> list[tuple[Path, str, tuple[str, ...]]]:
    """Every landed FedScope action cube: (path, kind, months it covers)."""
    out = []
    for folder in _month_folders(layout):
        for p in landed_files(folder):
            lay, kind = detect_kind(p)
            if lay == "fedscope" and kind != "employment":
                out.append((p, kind, cube_months(p)))
    return out


def landed_months(layout) -> list[str]:
    """Every month the landed files cover: each month folder with files, and every month an action
    cube's EFDATE covers (a FY2009 separations cube in 200909/ covers 200810..200909)."""
    months = {p.name for p in _month_folders(layout)}
    for _, _, covered in _action_cubes(layout):
        months.update(covered)
    return sorted(months)




def available_months(layout) -> tuple[list[str], bool]:
    """(months to process, whether they are the sample).

    Real months and sample months are never mixed: fiscal-year metrics blend months, so once any
    month has landed, only landed months count (including every month a landed action cube covers).
    With nothing landed, the sample's months.
    """
    from assets.workforce.sample import sample_months

    landed = landed_months(layout)
    if landed:
        return landed, False
    if use_sample_policy(layout) == "never":
        return [], False
    return sample_months(), True


def _pick(folder: Path, kind: str, paths: list[Path]) -> Path:
    """One file per kind and month. Several FWD versions of the same file: the highest version."""
    if len(paths) == 1:
        return paths[0]
    named = [FWD_NAME.match(p.name) for p in paths]
    if all(named) and len({(m.group(1).lower(), m.group(2)) for m in named}) == 1:
        return max(zip(paths, named), key=lambda pm: int(pm[1].group(3)))[0]
    raise SourceFileError(f"{folder}: {len(paths)} {kind} files ({', '.join(p.name for p in paths)}); keep one per month "
                          "(several OPM versions of one file, `{type}_{yyyymm}_{version}.txt`, are fine: the highest is read)")


def month_files(layout, month: str) -> MonthFiles:
    """The files for `month` (yyyymm): landed ones (the month's folder, plus any FedScope action cube
    whose EFDATE covers the month), else (when nothing has landed at all) the sample."""
    found, lay, is_sample = month_paths(layout, month)
    src = {k: SourceFile.from_path(p, layout.root, is_sample) for k, p in found.items()}
    return MonthFiles(month, src.get("employment"), src.get("accession"), src.get("separation"), lay)


def month_paths(layout, month: str) -> tuple[dict[str, Path], str, bool]:
    """What month_files finds, before it hashes anything: ({kind: path}, the layout, whether it is the sample)."""
    from assets.workforce.sample import ensure_samples

    folder = layout.landing("workforce", month)
    files, is_sample = landed_files(folder), False
    cubes = [(p, kind) for p, kind, covered in _action_cubes(layout) if month in covered and p.parent != folder]
    if not files and not cubes:
        if use_sample_policy(layout) == "never":
            raise SourceFileError(f"{folder}: no workforce files for {month}, and CXEX_USE_SAMPLE=never forbids the sample")
        if landed_months(layout):
            raise SourceFileError(f"{folder}: no workforce files for {month}; other months have landed, so the sample "
                                  "is not used (real and sample months are never mixed)")
        folder = ensure_samples(layout).get(month)
        if folder is None:
            raise SourceFileError(f"{layout.landing('workforce', month)}: no workforce files for {month}, and the sample has none for that month")
        files, is_sample = landed_files(folder), True
    by_kind: dict[str, list[Path]] = {}
    layouts = set()
    for p in files:
        lay, kind = detect_kind(p)
        if lay == "fedscope" and kind != "employment" and month not in cube_months(p):
            continue  # a cube landed here that does not cover this month (e.g. an earlier year's)
        by_kind.setdefault(kind, []).append(p)
        layouts.add(lay)
    for p, kind in cubes:
        by_kind.setdefault(kind, []).append(p)
        layouts.add("fedscope")
    found = {kind: _pick(folder, kind, paths) for kind, paths in by_kind.items()}
    if not found:
        raise SourceFileError(f"{folder}: no workforce file covers {month} among {[p.name for p in files]}")
    if len(layouts) > 1:
        raise SourceFileError(f"{folder}: mixes FedScope and Federal Workforce Data layouts; keep one per month")
    return found, layouts.pop(), is_sample


# ---- lookup tables --------------------------------------------------------------------------

def landed_agency_lookup(layout) -> Path | None:
    """DTagy.txt in landing/workforce/lookups/ (any case), if one has landed."""
    return next((p for p in landed_files(layout.landing("workforce", "lookups")) if p.name.lower() == "dtagy.txt"), None)


def find_agency_lookup(layout) -> SourceFile:
    """DTagy.txt from landing/workforce/lookups/ (any case), else the sample's."""
    from assets.workforce.sample import ensure_samples

    landed = landed_agency_lookup(layout)
    if landed is not None:
        return SourceFile.from_path(landed, layout.root, False)
    ensure_samples(layout)
    return SourceFile.from_path(layout.samples("workforce", "lookups") / "DTagy.txt", layout.root, True)


def agency_lookup(layout) -> pa.Table:
    """The DTagy lookup the metrics use for names: a landed DTagy.txt; the sample's when the sample is
    in use; else (real Federal Workforce Data, which ships no DTagy) an empty table, so names come
    from the files' own `agency`/`agency_subelement` columns."""
    if landed_agency_lookup(layout) is None and landed_months(layout):
        return AGENCY_SCHEMA.empty_table()
    return parse_agency_lookup(find_agency_lookup(layout))

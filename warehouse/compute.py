"""The warehouse's computations as plain functions over Parquet paths and Arrow tables.

Every SQL model in `warehouse/sql/` runs through `run_sql` (a cursor of the process's in-memory DuckDB, the
named relations registered, optional macro files loaded, parameters bound). Asset bodies wire inputs
to these functions and report metadata; formula tests call them directly (tests/test_compute.py).
FEVS scores live in `warehouse/fevs_scores.py`, which splices its SQL per year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from . import sql
from .db import cursor, to_arrow


# Models over small tables (a few thousand rows: the cross-agency ones, the CX indices), computed on
# the process's single-threaded DuckDB database (warehouse/db.py `cursor(threads=1)`) so a rerun on
# the same tables gives the same floats to the last bit. On the shared database's threads a parallel
# aggregate adds its partial sums in the order the threads finish, and the scorecard, linkage and
# factor tables of two runs differed by up to 2e-15. The models over large inputs (FEVS responses,
# workforce months, A-11 responses) keep every core; the FEVS scores sum integer weights, so they are
# bit-identical either way (warehouse/fevs_scores.py).
ONE_THREAD = frozenset({"agency_crosswalk", "agency_scorecard", "cx_ex_linkage", "factor_panel", "ex_cx_factors",
                        "cx_index_scores", "internal_cx_scores"})


def run_sql(name: str, params: Mapping | None = None, relations: Mapping[str, pa.Table] | None = None,
            macros: Sequence[str] = ()) -> pa.Table:
    """Run `warehouse/sql/<name>.sql` and return its result as Arrow (the ONE_THREAD models on the
    process's single-threaded database)."""
    with cursor(threads=1 if name in ONE_THREAD else None) as con:
        for macro in macros:
            con.execute(sql.load(macro))
        for rel, table in (relations or {}).items():
            con.register(rel, table)
        return to_arrow(con, sql.load(name), dict(params) if params else None)


PathOrPaths = Path | str | Sequence[Path | str]


def _paths(p: PathOrPaths) -> str | list[str]:
    """A path parameter for read_parquet: one path, or a list of them."""
    return str(p) if isinstance(p, (str, Path)) else [str(x) for x in p]


# ---- workforce ------------------------------------------------------------------------------

def workforce_month(employment_path: PathOrPaths, actions_path: PathOrPaths, codes: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Per month and organisation: (headcount and mix from the snapshot, actions by category and effective month).
    Each input is one month's file or several months' files (every group is within a month)."""
    emp = run_sql("workforce_monthly", {"employment_path": _paths(employment_path)}, {"codes": codes})
    acts = run_sql("workforce_actions_monthly", {"actions_path": _paths(actions_path)}, {"codes": codes})
    return emp, acts


def workforce_metrics(employment_paths: Sequence[str], actions_paths: Sequence[str], agencies: pa.Table,
                      first_year_min_at_risk: int = 20) -> pa.Table:
    """Fiscal-year metrics per organisation from the staged months (docs/methodology.md, Workforce)."""
    return run_sql("workforce_metrics", {"employment_glob": list(employment_paths), "actions_glob": list(actions_paths),
                                         "first_year_min_at_risk": first_year_min_at_risk},
                   {"agencies": agencies})


# ---- CX -------------------------------------------------------------------------------------

def cx_service_scores(volumes_path: PathOrPaths, drivers_path: PathOrPaths, responses_path: PathOrPaths,
                      min_n: int) -> pa.Table:
    """Per service × quarter × driver: means, shares, intervals and suppression (docs/methodology.md, A-11).
    Each input is one quarter's file or several quarters' files (every group is within a quarter)."""
    return run_sql("cx_service_scores", {"volumes_path": _paths(volumes_path), "drivers_path": _paths(drivers_path),
                                         "responses_path": _paths(responses_path), "min_n": min_n}, macros=("cx_macros",))


def internal_cx_scores(css_path: Path, min_n: int) -> pa.Table:
    """GSA CSS per agency × function: 0-100 score and interval, suppressed below `min_n` respondents."""
    return run_sql("internal_cx_scores", {"css_path": str(css_path), "min_n": min_n}, macros=("cx_macros",))


def cx_index_scores(service_score_paths: Sequence[str], min_n: int) -> pa.Table:
    """CX indices per agency × fiscal year from the staged service scores."""
    return run_sql("cx_index_scores", {"scores": list(service_score_paths), "min_n": min_n})


# ---- cross-agency ---------------------------------------------------------------------------

def agency_crosswalk(agencies: pa.Table, registry: pa.Table, sources: Mapping[str, pa.Table]) -> pa.Table:
    return run_sql("agency_crosswalk", relations={"agencies": agencies, "registry": registry, **sources})


def agency_scorecard(sources: Mapping[str, pa.Table], agencies: pa.Table, weights: pa.Table, fevs_years: pa.Table,
                     min_coverage: float, min_peers: int = 3) -> pa.Table:
    return run_sql("agency_scorecard", {"min_coverage": min_coverage, "min_peers": min_peers},
                   {"agencies": agencies, "weights": weights, "fevs_years": fevs_years, **sources})


def cx_ex_linkage(scorecard: pa.Table, min_n: int = 5) -> pa.Table:
    return run_sql("cx_ex_linkage", {"min_n": min_n}, {"scorecard": scorecard})

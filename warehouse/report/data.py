"""What the report shows, read from the published tables only (plus `_manifest.json` and the
validation results the analysts' catalog exposes as quality.validation_results).

Every query runs in DuckDB over the tables as the store returns them, so the site never shows a
number a BI user of the published tables could not see. Tables that are not published (yet) are
simply absent: the pages then say "not yet published".
"""

from __future__ import annotations

import duckdb

from ..snapshot_files import latest_run_files

# Published tables the site reads (the three of issue 14 are optional: shown once published).
TABLES = ("agency_scorecard", "cx_ex_linkage", "ex_index_scores", "fevs_intent_to_leave", "workforce_metrics",
          "cx_index_scores", "internal_cx_scores", "ex_cx_factors", "focus_area_scores", "agency_assessment",
          "intent_vs_attrition", "intent_vs_attrition_correlations", "fevs_item_scores", "dim_fevs_item",  # fevs_pages.py
          "dim_agency")  # names
PROVENANCE = ("source", "source_file", "source_sha256", "source_is_sample", "source_retrieved_at")


def open_published(store, validation_glob: str | None) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    """A DuckDB connection with a view per published table (and `validation_results` when any exist)."""
    con = duckdb.connect(config={"threads": 1})  # small tables: one thread is fastest on a busy machine
    present: set[str] = set()
    for name in TABLES:
        if name in store.read_manifest().get("tables", {}) and store.exists(name):
            arrow = store.read_table(name)  # noqa: F841  (DuckDB reads the local variable by name)
            where = " WHERE org_level IN ('agency', 'government')" if name == "fevs_item_scores" else ""  # no LEVEL1 items on the site
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM arrow{where}')
            present.add(name)
    # each partition's latest validation run only (the site shows no older one): a fifth of the files
    # at the default retention of 5 runs (CXEX_KEEP_VALIDATION_RUNS)
    files = latest_run_files(validation_glob) if validation_glob else []
    if files:
        con.execute("""CREATE TABLE validation_results AS SELECT asset, partition, run_id, validated_at, suite, source_file,
                       expectation_id, expectation_type, column_name, success, unexpected_count, observed_value,
                       sample_values, sample_rows FROM read_parquet(?, union_by_name=true)""", [files])
        present.add("validation_results")
    return con, present


def rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def provenance(con, present: set[str]) -> list[dict]:
    """Every input file behind a published table: file, SHA-256, sample or landed, retrieval time."""
    cols = {t: set(c) for t, c in con.execute("SELECT table_name, list(column_name) FROM duckdb_columns() GROUP BY 1").fetchall()}
    parts = [f"""SELECT '{t}' AS tbl, {', '.join(PROVENANCE)} FROM "{t}" GROUP BY ALL""" for t in sorted(present)
             if t != "validation_results" and set(PROVENANCE) <= cols.get(t, set())]
    if not parts:
        return []
    return rows(con, f"""SELECT source, source_file, source_sha256, source_is_sample, max(source_retrieved_at) AS retrieved_at,
                                string_agg(DISTINCT tbl, ', ' ORDER BY tbl) AS tables
                         FROM ({' UNION ALL '.join(parts)})
                         WHERE source <> 'cxex_cross_agency'  -- derived tables: their inputs are the published tables
                         GROUP BY ALL ORDER BY source, source_file""")


# Source tables and their period column: the sample banner names the periods that came from the sample.
SAMPLE_PERIODS = (("ex_index_scores", "FEVS survey years", "survey_year"),
                  ("workforce_metrics", "workforce fiscal years", "fiscal_year"),
                  ("cx_index_scores", "A-11 CX fiscal years", "fiscal_year"),
                  ("internal_cx_scores", "GSA CSS fiscal years", "fiscal_year"))


def sample_periods(con, present: set[str]) -> list[str]:
    """`<source> <periods>` for each source table whose published rows include the generated sample."""
    out = []
    for table, label, col in SAMPLE_PERIODS:
        if table in present:
            years = [r[0] for r in con.execute(f'SELECT DISTINCT {col} FROM "{table}" WHERE source_is_sample ORDER BY 1').fetchall()]
            if years:
                out.append(f"{label} {', '.join(map(str, years))}")
    return out


def validations(con, present: set[str]) -> list[dict]:
    """The last validation run of each asset × partition: pass/fail and its failing expectations."""
    if "validation_results" not in present:
        return []
    return rows(con, """
        WITH last AS (
            SELECT asset, partition, arg_max(run_id, validated_at) AS run_id FROM validation_results GROUP BY ALL)
        SELECT v.asset, v.partition, max(v.validated_at) AS validated_at, bool_and(v.success) AS success,
               string_agg(DISTINCT v.source_file, ', ' ORDER BY v.source_file) AS source_files,
               list(struct_pack(suite := v.suite, expectation := v.expectation_type, col := v.column_name,
                                unexpected := v.unexpected_count, observed := v.observed_value,
                                sample_values := v.sample_values, sample_rows := v.sample_rows,
                                file := v.source_file) ORDER BY v.expectation_id) FILTER (WHERE NOT v.success) AS failures
        FROM validation_results v JOIN last USING (asset, partition, run_id)
        GROUP BY ALL ORDER BY v.asset, v.partition""")

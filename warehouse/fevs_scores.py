"""Running the FEVS item and index SQL on one year's typed respondent file.

Both queries read the respondent file once: every item's counts and weight sums are conditional
aggregates of a single GROUP BY over agency × LEVEL1 (the item list is spliced into the SQL from
the file's schema and the item map), then rolled up. Unpivoting respondents × items first would
materialise 60 million rows for a national-scale year.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from . import reference, sql
from .db import cursor, to_arrow
from .fevs_questions import question_ids

ITEM = reference.SCORABLE_RE
SAFE_NAME = reference.DECLARED_RE  # a declared column name: letters, digits, one `_n` suffix (safe to splice)


def _connect() -> duckdb.DuckDBPyConnection:
    return cursor()


def scored_item_columns(schema: pa.Schema) -> list[str]:
    """Scored items of a typed PRDF: the Int8 item columns (`Q<n>`, 2020's `V<n>`), in codebook order."""
    cols = [f.name for f in schema if ITEM.fullmatch(f.name) and f.type == pa.int8()]
    return sorted(cols, key=reference.item_order)


def _q(col: str) -> str:
    assert ITEM.fullmatch(col), col  # only validated item names are ever spliced into SQL
    return f'"{col}"'


def item_aggregates(items: list[str], positive: dict[str, tuple[int, ...]] | None = None) -> str:
    """One struct of counts and integer weight sums per item, by arithmetic instead of CASE.

    A scored item column holds only 0 (X), 1-5 or NULL (the parser types a column Int8 only then,
    and the blocking GX check asserts it), so the answer classes are arithmetic on the answer:
    sign(q) is 1 for 1-5 and 0 for X; q // 4 is 1 for 4-5; (q = 3) is 1 for neutral; NULL stays NULL
    and is skipped. The favourable codes are the codebook's (`positive`, item -> codes; 4-5 for every item
    of 2018-2024, 2022 Q12 and Q34 included: their codes run 1 = Strongly Agree ... 5 = Strongly Disagree,
    so 4-5 is disagreement with a negative statement). count(q) counts answers including X, count(nullif(q, 0)) answers 1-5. Weights
    are integers (POSTWT × 10^10, as DECIMAL(18, 10) holds them), so the sums are exact and the
    same in every run whatever order the threads add rows in. This is ~1.6× faster than CASE per
    class on a national-scale year (DuckDB evaluates a multiply far faster than a CASE).
    """
    parts = []
    for c in items:
        q = _q(c)
        parts.append(
            f"struct_pack(c := count({q}), n := count(nullif({q}, 0)), "
            f"w := coalesce(sum(w10 * sign({q})::BIGINT), 0), "
            f"wp := coalesce(sum(w10 * {favourable(q, (positive or {}).get(c, (4, 5)))}::BIGINT), 0), "
            f"wneu := coalesce(sum(w10 * ({q} = 3)::BIGINT), 0)) AS {q}")  # negative = w - wp - wneu
    return ",\n           ".join(parts)


def favourable(q: str, codes: tuple[int, ...]) -> str:
    """1 for a favourable answer, 0 otherwise: `codes` as the codebook gives them (4-5 by q // 4, the fast path)."""
    assert all(isinstance(c, int) and 1 <= c <= 5 for c in codes), codes
    return f"({q} // 4)" if tuple(codes) == (4, 5) else f"({q} IN ({', '.join(map(str, codes))}))"


def negative_items(year: int) -> frozenset[str]:
    """Items of `year` worded negatively (a property of the wording, not of the scoring), from fevs_items.csv."""
    return frozenset(i for i, d in reference.declared_items(year).items() if d.polarity == "negative")


def compute_item_scores(raw_path: Path, year: int, min_n: int) -> pa.Table:
    items = scored_item_columns(pq.read_schema(raw_path))
    if not items:
        raise ValueError(f"{raw_path}: no scored item columns")
    negative = negative_items(year) & set(items)
    polarity = (f"CASE WHEN item IN ({', '.join(repr(i) for i in sorted(negative) if ITEM.fullmatch(i))}) "
                "THEN 'negative' ELSE 'positive' END") if negative else "'positive'"
    declared = reference.declared_items(year)
    positive = {i: declared[i].positive_codes for i in items if i in declared}
    query = (sql.load("fevs_item_scores").replace("{item_aggregates}", item_aggregates(items, positive))
             .replace("{item_columns}", ", ".join(_q(c) for c in items)).replace("{item_polarity}", polarity))
    with _connect() as con:
        table = to_arrow(con, query, {"raw_path": str(raw_path), "survey_year": year, "min_n": min_n})
    qid = question_ids(year)  # the question across years (dim_fevs_question): every scored item is declared
    return table.add_column(table.column_names.index("item") + 1, "question_id",
                            pa.array([qid[i] for i in table.column("item").to_pylist()], pa.string()))


def _labels(codes: str) -> list[tuple[str, str]]:
    """(option, label) pairs of a codebook code list like `1=Yes;2=No` (none for `1-5 X`)."""
    return [tuple(p.split("=", 1)) for p in codes.split(";") if "=" in p]


def compute_item_shares(raw_path: Path, year: int, min_n: int) -> pa.Table:
    """fevs_item_shares for one year: the weighted share of each answer of each declared category and
    yes/no item the file carries (kept as text by the parser), with the codebook's label where known."""
    names = pq.read_schema(raw_path).names
    declared = reference.declared_items(year)
    cols = [(c, declared[c]) for c in names if c in declared and declared[c].shared and SAFE_NAME.fullmatch(c)]
    qid = question_ids(year)
    if not cols:  # 2018: the codebook has no category items
        return pa.schema([("survey_year", pa.int16()), *((c, pa.string()) for c in ("org_level", "agency_code", "item",
                          "question_id", "kind", "option", "label")), ("respondents", pa.int64()), ("share", pa.float64()),
                          ("suppressed", pa.bool_())]).empty_table()
    query = (sql.load("fevs_item_shares").replace("{item_columns}", ", ".join(f'"{c}"::VARCHAR AS "{c}"' for c, _ in cols))
             .replace("{item_names}", ", ".join(f'"{c}"' for c, _ in cols)))
    with _connect() as con:
        con.execute("CREATE TEMP TABLE labels (item VARCHAR, option VARCHAR, label VARCHAR)")
        rows = [(c, o, lab) for c, d in cols for o, lab in _labels(d.response_codes)]
        if rows:
            con.executemany("INSERT INTO labels VALUES (?, ?, ?)", rows)
        table = to_arrow(con, query, {"raw_path": str(raw_path), "survey_year": year, "min_n": min_n})
    kinds = {c: d.kind for c, d in cols}
    at = table.column_names.index("item") + 1
    table = table.add_column(at, "kind", pa.array([kinds[i] for i in table.column("item").to_pylist()], pa.string()))
    return table.add_column(at, "question_id", pa.array([qid[i] for i in table.column("item").to_pylist()], pa.string()))


def index_items_rows(year: int, present: set[str] | None = None) -> list[dict]:
    """index_items(index_code, index_name, leaf_code, item) rows for `year`, from warehouse/reference/: only
    indices whose items the file carries (`present`; the DEIA items are absent from OPM's re-issued files)."""
    defs = reference.index_definitions()
    indices = reference.indices_for_year(year)  # raises for a year the map does not cover
    leaf = reference.item_map()[year]
    rows = []
    for code in indices:
        if present is not None and not set(indices[code]) <= present:
            continue
        d = defs[code]
        for lc in (d.components or (code,)):
            rows += [{"index_code": code, "index_name": d.name, "leaf_code": lc, "item": i} for i in leaf[lc]]
    return rows


def compute_index_scores(item_scores_path: Path, raw_path: Path, year: int, min_n: int) -> pa.Table:
    present = set(scored_item_columns(pq.read_schema(raw_path)))
    index_items = index_items_rows(year, present)
    by_index: dict[str, list[str]] = {}
    for r in index_items:
        by_index.setdefault(r["index_code"], []).append(r["item"])
    counts = []
    for code, its in by_index.items():
        answered = " OR ".join(f"{_q(i)} BETWEEN 1 AND 5" for i in its if i in present) or "false"
        counts.append(f'count(CASE WHEN {answered} THEN 1 END) AS "{code}"')
    query = (sql.load("ex_index_scores").replace("{index_respondent_counts}", ",\n           ".join(counts))
             .replace("{index_codes}", ", ".join(f'"{c}"' for c in by_index)))
    with _connect() as con:
        # a plain table, not an Arrow one: building Arrow from Python objects imports pandas (~0.4 s)
        con.execute("CREATE TEMP TABLE index_items (index_code VARCHAR, index_name VARCHAR, leaf_code VARCHAR, item VARCHAR)")
        con.executemany("INSERT INTO index_items VALUES (?, ?, ?, ?)",
                        [(r["index_code"], r["index_name"], r["leaf_code"], r["item"]) for r in index_items])
        return to_arrow(con, query, {"item_scores_path": str(item_scores_path), "raw_path": str(raw_path),
                                     "survey_year": year, "min_n": min_n})


def compute_intent_to_leave(raw_path: Path, year: int, min_n: int) -> pa.Table:
    """fevs_intent_to_leave for one year: weighted shares of the year's intent-to-leave answers A-D.

    The question column and its code order are data (fevs_survey_years.csv). A file without that
    column (the 2018 reference extract replaced DLEAVING by a yes/no column) yields no rows.
    """
    sy = reference.survey_years()[year]
    columns = {c.lower(): c for c in pq.read_schema(raw_path).names}
    col = columns.get(sy.leaving_column.lower())
    if col is None or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", col):
        category = "NULL::VARCHAR"
    else:
        whens = " ".join(f"WHEN '{code}' THEN '{cat}'" for code, cat in sorted(sy.leaving_codes.items()))
        category = f'CASE upper(trim("{col}")) {whens} END'
    query = sql.load("fevs_intent_to_leave").replace("{leaving_category}", category)
    with _connect() as con:
        return to_arrow(con, query, {"raw_path": str(raw_path), "survey_year": year, "min_n": min_n,
                                     "question": sy.leaving_column})

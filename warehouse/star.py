"""The BI star: conformed columns on every fact table, and the conformed dimensions over them.

Facts carry, when their contract declares them: `agency_name` (one spelling, the curated
crosswalk's), `period_key` (the one period key, joined to `dim_period`), and single-column keys to
the other dimensions (`level1_key`, `item_key`, `service_key`). Key columns never hold nulls: a row
that is not about a sub-agency or sub-element says `ALL`, an agency the registry cannot place says
`UNK`. The dimensions are built from the curated reference files plus every key the published facts
use, so each fact joins each dimension on its key without losing or repeating a row (docs/data_dictionary.md
draws the star).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from . import sql
from .db import cursor, to_arrow
from .fevs_questions import question_rows
from .reference import REFERENCE_DIR

NOT_APPLICABLE = "ALL"  # the row covers every sub-agency / sub-element (or, as agency_code, every agency)
UNMAPPED = "UNK"        # agency_code of a row whose provider the A-11 registry does not know
DIMENSIONS = ("dim_agency", "dim_period", "dim_level1", "dim_fevs_item", "dim_cx_service", "dim_fevs_question")

# key column -> explicit value replacing a null (a published key is never null)
KEY_FILLS = {"level1_code": NOT_APPLICABLE, "agency_subelement_code": NOT_APPLICABLE, "agency_code": UNMAPPED}

# The period key from the period column a table has, most specific first: FEVS survey years are their
# own periods (a survey is fielded in some months of a fiscal year, see dim_period), fiscal quarters
# and fiscal years are the federal fiscal calendar (Oct-Sep). `year` (scorecard, linkage) is a fiscal year.
PERIOD_RULES = (
    ("fiscal_quarter", "fiscal_quarter"),
    ("survey_year", "'FEVS' || survey_year"),
    ("fiscal_year", "'FY' || fiscal_year"),
    ("year", "'FY' || \"year\""),
)
KEY_RULES = {
    "level1_key": ("level1_code", "{period} || '/' || t.agency_code || '/' || coalesce(t.level1_code, 'ALL')"),
    "item_key": ("item", "{period} || '/' || item"),
    "service_key": ("service_id", "service_provider_id || '/' || service_id"),
}


STAR_COLUMNS = ("agency_name", "period_key", "level1_key", "item_key", "service_key")


def is_fact(contract) -> bool:
    """A fact of the star: a published table with a period_key that is not itself a dimension."""
    return "period_key" in contract.column_names and contract.table not in DIMENSIONS


def cast_staged(table: pa.Table, contract) -> pa.Table:
    """A staged partition cast to its contract's types: the columns it has (publication adds the star columns)."""
    return table.cast(pa.schema([contract.schema.field(n).with_nullable(True) for n in table.column_names]))




def _csv(name: str) -> pa.Table:
    return pacsv.read_csv(REFERENCE_DIR / name, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


@lru_cache(maxsize=1)
def reference_tables() -> dict[str, pa.Table]:
    """The curated files the dimensions read (warehouse/reference/)."""
    return {"agencies": _csv("agency_crosswalk.csv"), "short_names": _csv("agency_short_names.csv"),
            "level1_names": _csv("fevs_level1.csv"), "items": _csv("fevs_items.csv"), "item_map": _csv("fevs_item_map.csv"),
            "survey_years": _csv("fevs_survey_years.csv"), "registry": _csv("a11_service_registry.csv"),
            "questions": pa.Table.from_pylist(question_rows())}  # FEVS questions across years (warehouse/fevs_questions.py)


def period_expression(columns: list[str]) -> str | None:
    return next((expr for col, expr in PERIOD_RULES if col in columns), None)


def agency_name_expression(columns: list[str]) -> str:
    """One spelling: the crosswalk's name; governmentwide and unmapped rows say so; else the source's own name."""
    own = "t.agency_name" if "agency_name" in columns else "NULL"
    return (f"coalesce(a.agency_name, CASE coalesce(t.agency_code, '{UNMAPPED}') WHEN '{NOT_APPLICABLE}' THEN 'All agencies (governmentwide)' "
            f"WHEN '{UNMAPPED}' THEN 'Agency not identified' END, {own}, 'Agency ' || t.agency_code || ' (not in the crosswalk)')")


def conform_facts(table: pa.Table, contract) -> pa.Table:
    """`table` with null keys made explicit and the star columns its contract declares added (or re-spelled)."""
    cols, want = table.column_names, set(contract.column_names)
    if not is_fact(contract):  # dimensions, crosswalks and lookups are published as computed
        return table
    non_null = {c.name for c in contract.columns if not c.nullable}
    replace = {c: f"coalesce(t.\"{c}\", '{v}')" for c, v in KEY_FILLS.items() if c in cols and c in non_null}
    add: dict[str, str] = {}
    period = period_expression(cols)
    if "agency_name" in want and "agency_code" in cols:
        (replace if "agency_name" in cols else add)["agency_name"] = agency_name_expression(cols)
    if "period_key" in want and period:
        if "period_key" not in cols:
            add["period_key"] = period
        elif table.column("period_key").null_count:  # declared by the computation but left for the star to fill
            replace["period_key"] = f"coalesce(t.period_key, {period})"
    for key, (needs, expr) in KEY_RULES.items():
        if key in want and key not in cols and needs in cols and period:
            add[key] = expr.format(period=period)
    if not replace and not add:
        return table
    with cursor() as con:
        con.register("t", table.append_column("__row", pa.array(range(table.num_rows), pa.int64())))
        con.register("a", reference_tables()["agencies"].select(["agency_code", "agency_name"]))
        rep = " REPLACE (" + ", ".join(f'{e} AS "{c}"' for c, e in replace.items()) + ")" if replace else ""
        extra = "".join(f', {e} AS "{c}"' for c, e in add.items())
        join = " LEFT JOIN a ON a.agency_code = t.agency_code" if "agency_code" in cols else ""
        # the published row order is the computed one (a join does not keep it): reruns give identical files
        # (streamed through a relation, not `to_arrow`: a national fact table is too large for its extra copy)
        return con.sql(f"SELECT t.*{rep}{extra} FROM t{join} ORDER BY t.__row").to_arrow_table().drop_columns(["__row"])


def _seen(facts: Mapping[str, pa.Table], con: duckdb.DuckDBPyConnection, needs: list[str], select: str, name: str) -> None:
    """A relation `name` of the distinct `select` over every fact that has the columns `needs`."""
    parts = []
    for i, (table, t) in enumerate(sorted(facts.items())):
        if t.num_rows and set(needs) <= set(t.column_names):
            con.register(f"f{i}", t)
            parts.append(f"SELECT DISTINCT {select} FROM f{i}")
    cols = ", ".join(f"NULL::VARCHAR AS {c}" for c in needs)
    con.execute(f"CREATE TEMP TABLE {name} AS {' UNION '.join(parts) if parts else f'SELECT {cols} WHERE false'}")


def build_dimensions(facts: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The six dimensions from the reference files and the keys the published (conformed) facts use."""
    with cursor() as con:
        for name, table in reference_tables().items():
            con.register(name, table)
        _seen(facts, con, ["agency_code", "agency_name"], "agency_code, agency_name", "seen_agencies")
        _seen(facts, con, ["period_key"], "period_key", "seen_periods")
        _seen(facts, con, ["level1_key", "survey_year", "agency_code", "level1_code"],
              "level1_key, survey_year, agency_code, level1_code", "seen_level1")
        _seen(facts, con, ["item_key", "survey_year", "item"], "item_key, survey_year, item", "seen_items")
        _seen(facts, con, ["service_key", "service_provider_id", "service_id", "agency_code"],
              "service_key, service_provider_id, service_id, agency_code", "seen_services")
        card = facts.get("agency_scorecard")
        con.register("scorecard", card.select(["year", "agency_code", "size_group"]) if card is not None and card.num_rows
                     else pa.table({"year": pa.array([], pa.int16()), "agency_code": pa.array([], pa.string()),
                                    "size_group": pa.array([], pa.string())}))
        out = {}
        for dim in DIMENSIONS:
            out[dim] = to_arrow(con, sql.load(dim))  # bound once (warehouse/db.py)
            con.register(dim, out[dim])
        return out


DIM_KEYS = {"agency_code": "dim_agency", "period_key": "dim_period", "level1_key": "dim_level1",
            "item_key": "dim_fevs_item", "service_key": "dim_cx_service", "question_id": "dim_fevs_question"}


def star_markdown(contracts) -> list[str]:
    """The data dictionary's drawing of the star: each fact, the dimensions it joins and on which key."""
    facts = [c for c in contracts if is_fact(c)]
    lines = ["## The star", "",
             "Facts (tables with a `period_key`, other than the dimensions) join the conformed dimensions on one column each, many rows to one:",
             "no join repeats or drops a fact row (tests/test_star.py checks every pair on a real run). Key columns",
             f"are never null: `{NOT_APPLICABLE}` marks a row about every sub-agency, sub-element or (as agency_code)",
             f"every agency; `{UNMAPPED}` an A-11 provider the registry cannot place.", "", "```text"]
    width = max(len(c.table) for c in facts)
    for c in facts:
        joins = [f"{key} -> {dim}" for key, dim in DIM_KEYS.items() if key in c.column_names]
        lines.append(f"{c.table:<{width}}  " + "   ".join(joins))
    lines += ["```", "", "| fact | dimension | join |", "| --- | --- | --- |"]
    for c in facts:
        for key, dim in DIM_KEYS.items():
            if key in c.column_names:
                lines.append(f"| `{c.table}` | `{dim}` | `{c.table}.{key} = {dim}.{key}` |")
    lines += ["", "Period keys: `FEVS<year>` (a survey year), `FY<year>`, `FY<year>Q<n>`, `<yyyy>-<mm>`; "
              "`dim_period.fiscal_year_key` rolls each up to its fiscal year, so FEVS, workforce and A-11 rows meet "
              "on `fiscal_year_key`.", ""]
    return lines

"""Human-readable names for the codes a published table carries (warehouse/reference/code_names.csv).

A table named there gets, at publication (`_Store.stage`, before its contract is checked), a
`<column>_name` column for each coded column (`index_codes`, a comma list, becomes `index_names`,
the names joined by "; "). A column the table already has is left as it is. A code the file does not
name gets a NULL name: tests/test_code_names.py checks every published code has one.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

CODE_NAMES = Path(__file__).parent / "reference" / "code_names.csv"


@lru_cache(maxsize=1)
def code_names() -> dict[str, dict[str, dict[str, str]]]:
    """{table: {column: {code: name}}}."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    with open(CODE_NAMES, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["table"], {}).setdefault(r["column"], {})[r["code"]] = r["name"]
    return out


def name_column(column: str) -> str:
    return "index_names" if column == "index_codes" else f"{column}_name"


def with_code_names(table_name: str, table: pa.Table) -> pa.Table:
    """`table` with a name column beside each coded column it lacks one for."""
    for column, names in code_names().get(table_name, {}).items():
        target = name_column(column)
        if column not in table.column_names or target in table.column_names:
            continue
        codes = table.column(column).to_pylist()
        if column == "index_codes":
            values = [None if c is None else "; ".join(names.get(x.strip(), x.strip()) for x in c.split(",")) for c in codes]
        else:
            values = [None if c is None else names.get(c) for c in codes]
        table = table.append_column(target, pa.array(values, pa.string()))
    return table

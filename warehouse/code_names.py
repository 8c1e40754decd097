"""Human-readable names for the codes a published table carries (warehouse/reference/code_names.csv).

A table named there gets, when it is conformed to its contract (`contracts.conform`), a
`<column>_name` column for each coded column (`index_codes`, a comma list, becomes `index_names`,
the names joined by "; "). A name column the table already fills is left as it is (one built from the
contract's columns with every name null, as warehouse/factors.py builds its rows, is filled). A code the file does not
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
        present = target in table.column_names
        if column not in table.column_names or (present and table.column(target).null_count < table.num_rows):
            continue  # no code, or names already given
        codes = table.column(column).to_pylist()
        if column == "index_codes":
            values = [None if c is None else "; ".join(names.get(x.strip(), x.strip()) for x in c.split(",")) for c in codes]
        else:
            values = [None if c is None else names.get(c) for c in codes]
        named = pa.array(values, pa.string())
        table = (table.set_column(table.column_names.index(target), target, named) if present
                 else table.append_column(target, named))
    return table

"""docs/data_dictionary.md, generated from the contracts (`make docs`: python -m warehouse.dictionary --write PATH)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .contracts import all_contracts, provenance_columns, record_fingerprints, stage_contracts
from .star import star_markdown

ABSENT = {"keep": "the published table is kept as it is (`when_absent: keep`)",
          "empty": "the table is published with no rows (`when_absent: empty`)"}


def render_markdown() -> str:
    """docs/data_dictionary.md, generated from the contracts."""
    out = [
        "# Data dictionary",
        "",
        "Generated from `warehouse/contracts/*.yaml` by `make docs`; a test fails when this file is stale.",
        "Every published table is a Parquet dataset under `$CXEX_DATA_DIR/publish/<table>/` and a view of the",
        "same name in `$CXEX_DATA_DIR/warehouse.duckdb` (schema `main`); `validation_results` is in schema `quality`.",
        "Published tables end with the provenance columns listed once at the bottom.",
        "",
    ]
    out += star_markdown(all_contracts())
    prov = {c.name for c in provenance_columns()}
    for c in all_contracts():
        out += [f"## `{c.table}` (contract v{c.version})", "", c.description, "",
                f"- Grain: {c.grain}", f"- Primary key: {', '.join(f'`{k}`' for k in c.primary_key)}",
                f"- When its source has nothing validated: {ABSENT[c.when_absent]}", "",
                "| column | type | nullable | description |", "| --- | --- | --- | --- |"]
        own = [col for col in c.columns if col.name not in prov]
        out += [f"| `{col.name}` | {col.type} | {'yes' if col.nullable else 'no'} | {col.description} |" for col in own]
        if len(own) != len(c.columns):
            out.append("| *provenance columns* | | | see below |")
        out.append("")
    out += ["## Provenance columns", "", "| column | type | nullable | description |", "| --- | --- | --- | --- |"]
    for col in provenance_columns():
        out.append(f"| `{col.name}` | {col.type} | {'yes' if col.nullable else 'no'} | {col.description} |")
    out += ["", "# Raw and staging tables", "",
            "Not published: what the pipeline writes on the way, under `$CXEX_DATA_DIR/raw/<table>/` and",
            "`$CXEX_DATA_DIR/staging/<table>/`, one Parquet file per partition. Each is checked against its",
            "contract (`warehouse/contracts/raw/`) before it is written, and Dagster shows its columns.", ""]
    for c in stage_contracts():
        out += [f"## `{c.table}` ({c.kind}, contract v{c.version})", "", c.description, "",
                f"- Grain: {c.grain}", f"- Key: {', '.join(f'`{k}`' for k in c.primary_key)}", "",
                "| column | type | nullable | description |", "| --- | --- | --- | --- |"]
        out += [f"| `{col.name}` | {col.type} | {'yes' if col.nullable else 'no'} | {col.description} |" for col in c.columns]
        out += [f"| *`{e.pattern}`* | {' or '.join(e.types)} | yes | {e.description} |" for e in c.extra]
        out.append("")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--write", metavar="PATH", help="write the data dictionary to PATH")
    args = ap.parse_args()
    text = render_markdown()
    if args.write:
        Path(args.write).write_text(text)
        record_fingerprints()
    else:
        print(text)


if __name__ == "__main__":
    main()

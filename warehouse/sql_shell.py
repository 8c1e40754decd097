"""`make sql` with a query: the catalog read-only, the answer whole, as a table, CSV or Parquet.

    make sql Q="select * from dim_agency"                       # every row, as a text table
    make sql Q="select * from fevs_item_scores" FORMAT=csv > items.csv
    make sql Q="select * from agency_scorecard" FORMAT=parquet OUT=scorecard.parquet
    echo "select * from dim_period" | make sql FORMAT=csv      # the query (or a script) from standard input

Nothing is truncated: every row of the last statement's result is written (`table` aligns every row
and column in full). The catalog is opened read-only, so a write is refused. Without a query and with
a terminal, `make sql` opens Harlequin (a terminal SQL IDE) on the catalog instead.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

FORMATS = ("table", "csv", "parquet")


def run(query: str, fmt: str, out: Path | None, catalog: Path) -> int:
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        statements = con.extract_statements(query)
        if not statements:
            raise SystemExit("cxex: no SQL statement given (Q=... or on standard input)")
        for st in statements[:-1]:
            con.execute(st)
        last = con.sql(statements[-1].query) if statements[-1].type.name == "SELECT" else None
        if last is None:  # COPY, SET, ...: run it; it prints nothing of its own
            con.execute(statements[-1])
            return 0
        if fmt == "table":
            _emit_table(last, last.aggregate("count(*)").fetchall()[0][0], out)
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            path = out or Path(tmp) / f"result.{fmt}"
            if fmt == "csv":
                last.write_csv(str(path), header=True)
            else:
                last.write_parquet(str(path), compression="zstd")
            if out is None:
                with open(path, "rb") as f:
                    shutil.copyfileobj(f, sys.stdout.buffer)
                sys.stdout.buffer.flush()
        return 0
    finally:
        con.close()


def _emit_text(text: str, out: Path | None) -> None:
    if out:
        out.write_text(text)
    else:
        sys.stdout.write(text)


def _emit_table(rel, rows: int, out: Path | None) -> None:
    """Every row and column in full, as aligned text (DuckDB's own box rendering stops at 10,000 rows)."""
    names = rel.columns
    data = [["NULL" if v is None else str(v) for v in row] for row in rel.fetchall()]
    widths = [max([len(n), *(len(r[i]) for r in data)]) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in data]
    lines.append(f"({rows:,} row{'s' if rows != 1 else ''})")
    _emit_text("\n".join(lines) + "\n", out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="make sql", description=__doc__.split("\n\n")[0])
    p.add_argument("--query", help="SQL (default: standard input)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--out", type=Path, help="write here instead of standard output")
    p.add_argument("--catalog", type=Path, help="default: $CXEX_DATA_DIR/warehouse.duckdb")
    args = p.parse_args(argv)
    if args.catalog is None:
        from warehouse.layout import DataLayout

        args.catalog = DataLayout.from_env().warehouse_file
    catalog = args.catalog
    if not catalog.is_file():
        print(f"cxex: no catalog at {catalog}; run make run first", file=sys.stderr)
        return 2
    if args.format == "parquet" and args.out is None and sys.stdout.isatty():
        print("cxex: FORMAT=parquet writes binary: give OUT=file.parquet or redirect standard output", file=sys.stderr)
        return 2
    query = args.query if args.query is not None else sys.stdin.read()
    try:
        return run(query, args.format, args.out, catalog)
    except duckdb.Error as e:
        print(f"cxex: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

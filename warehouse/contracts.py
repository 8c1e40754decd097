"""Schema contracts: the declared columns, types, grain and key of every table we publish, and of
the raw and staging tables the pipeline writes on the way (warehouse/contracts/raw/).

A table is conformed to its contract before it is published; a mismatch is an error, never a
silent cast. Raw and staging tables are checked against theirs before they are written
(`check_stage`). docs/data_dictionary.md is generated from the same files (`make docs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml

CONTRACTS_DIR = Path(__file__).parent / "contracts"
STAGE_DIR = CONTRACTS_DIR / "raw"

ARROW_TYPES: dict[str, pa.DataType] = {
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "string": pa.string(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}
SQL_TYPES = {"int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT",
             "float64": "DOUBLE", "string": "VARCHAR", "bool": "BOOLEAN", "timestamp": "TIMESTAMPTZ",
             "date": "DATE"}


# What a published table becomes when its source has nothing validated (nothing landed and no sample, or every
# partition failed its blocking checks): `keep` (the default) leaves the published version as it is; `empty`
# publishes the table with no rows, for an optional source whose absence is the truth (GSA CSS).
WHEN_ABSENT = ("keep", "empty")


class ContractError(ValueError):
    """A table does not match its schema contract."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    description: str


@dataclass(frozen=True)
class ExtraColumns:
    """Columns a raw table may carry beyond its fixed ones (a FEVS year's items), by name pattern."""
    pattern: str
    types: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Contract:
    table: str
    version: int
    description: str
    grain: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    kind: str = "published"
    extra: tuple[ExtraColumns, ...] = ()
    when_absent: str = "keep"  # its source has nothing validated: keep the published table, or publish it empty

    @property
    def polars_schema(self) -> dict:
        """The fixed columns as a polars schema (for readers that build the table with polars)."""
        import polars as pl

        types = {"int8": pl.Int8, "int16": pl.Int16, "int32": pl.Int32, "int64": pl.Int64, "float64": pl.Float64,
                 "string": pl.String, "bool": pl.Boolean, "timestamp": pl.Datetime("us", "UTC"), "date": pl.Date}
        return {c.name: types[c.type] for c in self.columns}  # what pl.from_arrow(self.schema) gives

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def exists(table: str) -> bool:
    return (CONTRACTS_DIR / f"{table}.yaml").exists()


def _columns(raw: list[dict], where: str) -> list[Column]:
    cols = []
    for c in raw:
        if c.get("type") not in ARROW_TYPES:
            raise ContractError(f"{where}: column {c.get('name')!r} has unknown type {c.get('type')!r}")
        cols.append(Column(c["name"], c["type"], bool(c.get("nullable", False)), c.get("description", "").strip()))
    return cols


def _yaml(text: str):
    """yaml.safe_load, with libyaml's parser where PyYAML has it (contracts are read at every start)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def provenance_columns() -> tuple[Column, ...]:
    """The provenance columns every published table ends with (contracts/_provenance.yaml)."""
    doc = _yaml((CONTRACTS_DIR / "_provenance.yaml").read_text())
    return tuple(_columns(doc["columns"], "_provenance.yaml"))


@lru_cache(maxsize=None)
def load(table: str, folder: Path = CONTRACTS_DIR) -> Contract:
    path = folder / f"{table}.yaml"
    if not path.exists():
        raise ContractError(f"no schema contract for table {table!r} ({path} missing)")
    doc = _yaml(path.read_text())
    cols = _columns(doc["columns"], path.name)
    if doc.get("provenance"):
        cols += provenance_columns()
    names = [c.name for c in cols]
    if len(set(names)) != len(names) or not set(doc["primary_key"]) <= set(names):
        raise ContractError(f"{path.name}: repeated column names, or a primary key column not declared")
    extra = []
    for e in doc.get("extra_columns") or []:
        if not set(e["types"]) <= set(ARROW_TYPES):
            raise ContractError(f"{path.name}: extra columns {e['pattern']!r} have an unknown type in {e['types']}")
        extra.append(ExtraColumns(e["pattern"], tuple(e["types"]), " ".join(e["description"].split())))
    when_absent = doc.get("when_absent", "keep")
    if when_absent not in WHEN_ABSENT:
        raise ContractError(f"{path.name}: when_absent is {when_absent!r}; it is one of {', '.join(WHEN_ABSENT)}")
    return Contract(doc["table"], int(doc["version"]), " ".join(doc["description"].split()),
                    doc["grain"], tuple(doc["primary_key"]), tuple(cols), doc.get("kind", "published"), tuple(extra),
                    when_absent)


def all_contracts() -> list[Contract]:
    """The published tables' contracts."""
    return [load(p.stem) for p in sorted(CONTRACTS_DIR.glob("[!_]*.yaml"))]


def load_stage(table: str) -> Contract:
    """A raw or staging table's contract (warehouse/contracts/raw/<table>.yaml)."""
    return load(table, STAGE_DIR)


def stage_exists(table: str) -> bool:
    return (STAGE_DIR / f"{table}.yaml").exists()


def stage_contracts() -> list[Contract]:
    return [load_stage(p.stem) for p in sorted(STAGE_DIR.glob("[!_]*.yaml"))]


def check_stage(table: pa.Table, contract: Contract) -> pa.Table:
    """`table` as the raw/staging contract declares it, or ContractError: the fixed columns (moved
    first, in the contract's order) with their types and nullability; any further column matching an `extra_columns`
    pattern with one of its types (first pattern that matches the name decides)."""
    import re

    fixed = contract.column_names
    table = _text_dictionaries_as_declared(table)
    missing = [c for c in fixed if c not in table.column_names]
    if missing:
        raise ContractError(f"{contract.table}: columns {missing} of contract v{contract.version} are missing "
                            f"(warehouse/contracts/raw/{contract.table}.yaml)")
    table = table.select(fixed + [c for c in table.column_names if c not in fixed])  # fixed columns first
    names = table.column_names
    for col, field in zip(contract.columns, contract.schema):
        arr = table.column(col.name)
        if _declared_type(arr.type) != field.type:
            raise ContractError(f"{contract.table}.{col.name}: {arr.type}, contract says {col.type}")
        if not col.nullable and arr.null_count:
            raise ContractError(f"{contract.table}.{col.name}: {arr.null_count} null values in a non-nullable column")
    for name in names[len(fixed):]:
        rule = next((e for e in contract.extra if re.match(e.pattern, name)), None)
        if rule is None:
            raise ContractError(f"{contract.table}: column {name!r} is not in contract v{contract.version}")
        if _declared_type(table.schema.field(name).type) not in [ARROW_TYPES[t] for t in rule.types]:
            raise ContractError(f"{contract.table}.{name}: {table.schema.field(name).type}, contract allows {list(rule.types)}")
    return table


TEXT_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


def _declared_type(t: pa.DataType) -> pa.DataType:
    """The contract type of an Arrow type: dictionary-encoded text (TEXT_DICTIONARY) is `string`."""
    return pa.string() if t == TEXT_DICTIONARY else t


def is_text(t: pa.DataType) -> bool:
    """Text, plain or dictionary-encoded, in any of Arrow's string layouts."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _text_dictionaries_as_declared(table: pa.Table) -> pa.Table:
    """Text columns that arrive dictionary-encoded (a survey item's few answers, from a polars categorical)
    normalised to TEXT_DICTIONARY (int32 indices, `string` values). They stay encoded in memory and
    in the Parquet file (written without re-hashing every value: 2 s less per national FEVS year);
    the file declares plain `string`, what every reader gets back (warehouse/snapshot_files.py STAGE_PARQUET)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type) and is_text(f.type) and f.type != TEXT_DICTIONARY:
            table = table.set_column(i, f.name, table.column(i).cast(TEXT_DICTIONARY))
    return table


def conform(table: pa.Table, contract: Contract) -> pa.Table:
    """Return `table` with exactly the contract's columns, order and types, or raise ContractError.
    Coded columns get their names first (warehouse/code_names.py), wherever a table is conformed."""
    from .code_names import with_code_names

    table = with_code_names(contract.table, table)
    have, want = set(table.column_names), set(contract.column_names)
    if have != want:
        raise ContractError(
            f"{contract.table}: columns do not match contract v{contract.version}: "
            f"missing {sorted(want - have)}, unexpected {sorted(have - want)}"
        )
    table = table.select(contract.column_names)
    arrays = []
    for col, field in zip(contract.columns, contract.schema):
        arr = table.column(col.name)
        if arr.type != field.type:
            try:
                arr = arr.cast(field.type, safe=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise ContractError(f"{contract.table}.{col.name}: {arr.type} does not fit contract type {col.type}: {e}") from None
        if not col.nullable and arr.null_count:
            raise ContractError(f"{contract.table}.{col.name}: {arr.null_count} null values in a non-nullable column")
        arrays.append(arr)
    out = pa.Table.from_arrays(arrays, schema=contract.schema)
    if contract.primary_key and out.num_rows:
        keys = out.select(list(contract.primary_key)).group_by(list(contract.primary_key)).aggregate([([], "count_all")])
        dupes = keys.filter(pc.greater(keys["count_all"], 1))
        if dupes.num_rows:
            raise ContractError(f"{contract.table}: {dupes.num_rows} duplicate primary keys, e.g. {dupes.slice(0, 1).to_pylist()[0]}")
    return out


FINGERPRINTS_FILE = CONTRACTS_DIR / "_fingerprints.json"


def fingerprint(contract: Contract) -> str:
    """Hash of what BI tools depend on: column names, order, types, nullability, primary key."""
    import hashlib
    import json

    shape = {"columns": [[c.name, c.type, c.nullable] for c in contract.columns], "primary_key": list(contract.primary_key)}
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def record_fingerprints() -> dict:
    """Add each contract's fingerprint under its version; refuse to change a recorded one.

    Changing a published table's shape is a deliberate act: bump `version` in its YAML, then run
    `make docs`, which records the new version's fingerprint beside the old ones.
    """
    import json

    recorded = json.loads(FINGERPRINTS_FILE.read_text()) if FINGERPRINTS_FILE.exists() else {}
    for c in all_contracts():
        versions = recorded.setdefault(c.table, {})
        fp, old = fingerprint(c), versions.get(str(c.version))
        if old and old != fp:
            raise ContractError(f"{c.table}: the columns changed but version is still {c.version}; bump it in "
                                f"warehouse/contracts/{c.table}.yaml")
        versions[str(c.version)] = fp
    FINGERPRINTS_FILE.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    return recorded

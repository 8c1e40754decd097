"""Publishers generated from the specs and contracts: a table a source publishes as its staged partitions
(the published table `publish/<t>` of a spec whose job computes `warehouse/<t>`) gets the same publisher
for every source, with its contract's description, unless its folder declares one of its own."""

from __future__ import annotations

from warehouse.contracts import load as load_contract

from .common import layout_of, publish_from_staging


def staged_publishers(spec, declared: set, publisher) -> list[str]:
    """Declare (with `publisher`, assets/publication.py) the generated publisher of each table of `spec` published
    as its staged partitions and not among the `declared` keys; their names."""
    stages = {k.path[-1]: k for k in spec.assets if k.path[0] == "warehouse"}
    made = []
    for key in spec.published:
        table = key.path[-1]
        if key in declared or table not in stages:
            continue

        def publish(context, table=table):
            return publish_from_staging(context, table, spec.partition_col, spec.available(layout_of(context)))

        publish.__name__ = publish.__qualname__ = f"publish_{table}"
        publish.__doc__ = f"{load_contract(table).description} (Its staged partitions that are available now, as one table.)"
        publisher(key=key, deps=[stages[table]])(publish)
        made.append(table)
    return made

"""What every source does with its partitions (each source's partitions are declared in its spec,
assets/<source>/spec.py): dynamic sets that grow with the data, the keys as they stand now, and
contiguous ranges (one run each)."""

from dagster import DynamicPartitionsDefinition

def missing_keys(instance, partitions_def: DynamicPartitionsDefinition, keys) -> tuple[list[str], list[str]]:
    """(a dynamic set's keys now, in their order; those of `keys` it lacks, sorted)."""
    have = list(instance.get_dynamic_partitions(partitions_def.name))
    return have, sorted(set(keys) - set(have))


def register(instance, partitions_def, keys: list[str]) -> list[str]:
    """Make `keys` partitions of a dynamic partition set (in sorted order; existing ones are kept);
    returns the keys added. A static or time-window set is left as it is."""
    if not isinstance(partitions_def, DynamicPartitionsDefinition):
        return []
    _, new = missing_keys(instance, partitions_def, keys)
    if new:
        instance.add_dynamic_partitions(partitions_def.name, new)
    return new


def partition_keys_now(partitions_def, instance) -> list[str]:
    """Every key of a partition set as it stands now (dynamic sets are read from the instance)."""
    return list(partitions_def.get_partition_keys(dynamic_partitions_store=instance))


def contiguous_ranges(keys: list[str], all_keys: list[str]) -> list[tuple[str, str]]:
    """`keys` as runs of consecutive partitions of the definition: one Dagster run each."""
    index = {k: i for i, k in enumerate(all_keys)}
    ranges: list[list[str]] = []
    for k in sorted(keys, key=index.__getitem__):
        if ranges and index[k] == index[ranges[-1][-1]] + 1:
            ranges[-1].append(k)
        else:
            ranges.append([k])
    return [(r[0], r[-1]) for r in ranges]

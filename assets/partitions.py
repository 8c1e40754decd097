"""Partitions, defined beside the assets that use them (pipelines/ re-exports them).

FEVS is partitioned by survey year with a *static* set taken from the item map: a year without an
item map cannot be scored, so it should not appear as a partition. A yearly time window would offer
every calendar year (and a new one each January) whether or not OPM fielded a survey or we know its
item numbers; FEVS was not fielded in 2025. Adding a year is a data change in warehouse/reference/.
"""

import re

from dagster import DynamicPartitionsDefinition, MonthlyPartitionsDefinition, StaticPartitionsDefinition

from warehouse.reference import supported_years

FEVS_YEARS = StaticPartitionsDefinition([str(y) for y in supported_years()])

# Workforce data is published monthly (FWD) or as quarterly snapshots and fiscal-year action cubes
# (FedScope, from FY1998); keys are OPM's own yyyymm. A time window: every month from October 1997
# to the current one is a partition, so next month's data needs no code change. Months without
# landed files (or sample) fail clearly rather than guess.
WORKFORCE_MONTHS = MonthlyPartitionsDefinition(start_date="199710", fmt="%Y%m", end_offset=0)


def fiscal_year_today() -> int:
    import datetime

    today = datetime.date.today()
    return today.year + (1 if today.month >= 10 else 0)


# A-11 data is reported per fiscal quarter (FY2024Q1 = October-December 2023), CSS per fiscal year.
# Their partition sets grow with the data: a quarter or year becomes a partition when a file with its
# rows is read (`make run`, or the landing sensor when the file lands; `register`), so a code server
# started before 1 October gains the new fiscal year with its first file. Keys are checked first
# (`is_a11_quarter`, `is_css_year`: from FY2019, the first A-11 year, to the current fiscal year,
# reckoned when asked). Dynamic keys keep the order they were added in; `register` adds them sorted.
A11_QUARTERS = DynamicPartitionsDefinition(name="a11_fiscal_quarters")
CSS_YEARS = DynamicPartitionsDefinition(name="css_fiscal_years")
FIRST_FISCAL_YEAR = 2019


def is_a11_quarter(key: str) -> bool:
    m = re.fullmatch(r"FY(\d{4})Q([1-4])", key)
    return bool(m) and FIRST_FISCAL_YEAR <= int(m.group(1)) <= fiscal_year_today()


def is_css_year(key: str) -> bool:
    return bool(re.fullmatch(r"\d{4}", key)) and FIRST_FISCAL_YEAR <= int(key) <= fiscal_year_today()


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


def parse_fiscal_quarter(key: str) -> tuple[int, int]:
    return int(key[2:6]), int(key[7])


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

"""Partitions, defined beside the assets that use them (pipelines/ re-exports them).

FEVS is partitioned by survey year with a *static* set taken from the item map: a year without an
item map cannot be scored, so it should not appear as a partition. A yearly time window would offer
every calendar year (and a new one each January) whether or not OPM fielded a survey or we know its
item numbers; FEVS was not fielded in 2025. Adding a year is a data change in warehouse/reference/.
"""

from dagster import MonthlyPartitionsDefinition, StaticPartitionsDefinition

from warehouse.reference import supported_years

FEVS_YEARS = StaticPartitionsDefinition([str(y) for y in supported_years()])

# Workforce data is published monthly (FWD) or as quarterly snapshots and fiscal-year action cubes
# (FedScope, from FY1998); keys are OPM's own yyyymm. A time window: every month from October 1997
# to the current one is a partition, so next month's data needs no code change. Months without
# landed files (or sample) fail clearly rather than guess.
WORKFORCE_MONTHS = MonthlyPartitionsDefinition(start_date="199710", fmt="%Y%m", end_offset=0)


def _fiscal_year_today() -> int:
    import datetime

    today = datetime.date.today()
    return today.year + (1 if today.month >= 10 else 0)


# A-11 data is reported per fiscal quarter (FY2024Q1 = October-December 2023), CSS per fiscal year.
# Static sets from the first A-11 year (FY2019) to the current fiscal year: a quarter with no data
# fails clearly when asked for; `make run` asks only for quarters and years that have data.
A11_QUARTERS = StaticPartitionsDefinition([f"FY{y}Q{q}" for y in range(2019, _fiscal_year_today() + 1) for q in (1, 2, 3, 4)])
CSS_YEARS = StaticPartitionsDefinition([str(y) for y in range(2019, _fiscal_year_today() + 1)])


def parse_fiscal_quarter(key: str) -> tuple[int, int]:
    return int(key[2:6]), int(key[7])

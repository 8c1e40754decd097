"""Partitions, defined beside the assets that use them (pipelines/ re-exports them).

FEVS is partitioned by survey year with a *static* set taken from the item map: a year without an
item map cannot be scored, so it should not appear as a partition. A yearly time window would offer
every calendar year (and a new one each January) whether or not OPM fielded a survey or we know its
item numbers; FEVS was not fielded in 2025. Adding a year is a data change in warehouse/reference/.
"""

from dagster import MonthlyPartitionsDefinition, StaticPartitionsDefinition

from warehouse.reference import supported_years

FEVS_YEARS = StaticPartitionsDefinition([str(y) for y in supported_years()])

# Workforce data is published monthly; keys are OPM's own yyyymm. The window opens with FY2020
# (October 2019); months without landed files (or sample) fail clearly rather than guess.
WORKFORCE_MONTHS = MonthlyPartitionsDefinition(start_date="201910", fmt="%Y%m", end_offset=0)

"""FEVS: OPM's Federal Employee Viewpoint Survey public release data file (PRDF), one partition per survey year."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, StaticPartitionsDefinition

from assets.spec import DAY, ScheduleSpec, SourceSpec
from warehouse.reference import supported_years

# Survey years, a *static* set taken from the item map: a year without an item map cannot be scored, so it is no
# partition. A yearly time window would offer every calendar year (and a new one each January) whether or not OPM
# fielded a survey or we know its item numbers; FEVS was not fielded in 2025. Adding a year is a data change in
# warehouse/reference/.
FEVS_YEARS = StaticPartitionsDefinition([str(y) for y in supported_years()])

RAW_FEVS_RESPONSES = AssetKey(["raw", "fevs_responses"])
FEVS_ITEM_SCORES = AssetKey(["warehouse", "fevs_item_scores"])
EX_INDEX_SCORES = AssetKey(["warehouse", "ex_index_scores"])
FEVS_INTENT_TO_LEAVE = AssetKey(["warehouse", "fevs_intent_to_leave"])
FEVS_ITEM_SHARES = AssetKey(["warehouse", "fevs_item_shares"])
PUBLISH_FEVS_ITEM_SCORES = AssetKey(["publish", "fevs_item_scores"])
PUBLISH_EX_INDEX_SCORES = AssetKey(["publish", "ex_index_scores"])
PUBLISH_FEVS_INTENT_TO_LEAVE = AssetKey(["publish", "fevs_intent_to_leave"])
PUBLISH_FEVS_ITEM_SHARES = AssetKey(["publish", "fevs_item_shares"])


def available(layout) -> list[str]:
    from .prdf import available_years

    return [str(y) for y in available_years(layout)]


def landed(path: Path, parts: tuple[str, ...]) -> list[str]:
    """landing/fevs/<year>/<file as OPM publishes it> feeds that survey year."""
    if len(parts) == 2 and parts[0] in FEVS_YEARS.get_partition_keys():
        return [parts[0]]
    if len(parts) == 2:
        raise ValueError(f"{path}: {parts[0]} is not a supported FEVS survey year ({', '.join(FEVS_YEARS.get_partition_keys())})")
    return None


SPEC = SourceSpec(
    "fevs", "FEVS", "fevs_yearly", FEVS_YEARS,
    "One survey year: parse the PRDF, validate it (blocking GX checks), compute item and index scores and intent to leave.",
    (RAW_FEVS_RESPONSES, FEVS_ITEM_SCORES, EX_INDEX_SCORES, FEVS_INTENT_TO_LEAVE, FEVS_ITEM_SHARES),
    available,
    (PUBLISH_FEVS_ITEM_SCORES, PUBLISH_EX_INDEX_SCORES, PUBLISH_FEVS_INTENT_TO_LEAVE, PUBLISH_FEVS_ITEM_SHARES),
    partition_col="survey_year", landing="fevs", landed=landed, remote=(("fevs", "fevs/{partition}"),),
    freshness=(400 * DAY, 550 * DAY),  # FEVS was not fielded in 2025: a gap is normal
    schedule=ScheduleSpec("0 6 1 6 *", "America/New_York", lambda when: str(when.year - 1),
                          "1 June: the previous year's FEVS public release data file."),
    sample="assets.fevs.sample", order=10)

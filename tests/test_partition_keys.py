"""A run's partition keys (assets/common.py `partition_keys`): asked of Dagster once per run and range, the same
keys for every asset and check of the run, and each run its own. Dynamic partitions, as the A-11 quarters and
CSS years are (assets/cx/spec.py); runs of a range, as `make run` and a backfill start them."""

from dagster import (AssetCheckResult, BackfillPolicy, DagsterInstance, DynamicPartitionsDefinition, asset, asset_check,
                     materialize)

from assets.common import partition_keys

QUARTERS = DynamicPartitionsDefinition(name="test_quarters")
KEYS = ["FY2023Q1", "FY2023Q2", "FY2023Q3", "FY2023Q4", "FY2024Q1"]


def _run(instance, seen: list, start: str, end: str):
    @asset(partitions_def=QUARTERS, backfill_policy=BackfillPolicy.single_run())
    def quarters(context) -> None:
        seen.append(("asset", list(partition_keys(context))))
        seen.append(("asset again", list(partition_keys(context))))

    @asset_check(asset=quarters, blocking=True)
    def quarters_check(context) -> AssetCheckResult:
        seen.append(("check", list(partition_keys(context))))
        return AssetCheckResult(passed=True)

    return materialize([quarters, quarters_check], instance=instance,
                       tags={"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end})


def test_each_run_and_range_gets_its_own_keys_from_assets_and_checks():
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(QUARTERS.name, KEYS)
    seen: list = []
    assert _run(instance, seen, "FY2023Q1", "FY2023Q4").success
    assert seen == [("asset", KEYS[:4]), ("asset again", KEYS[:4]), ("check", KEYS[:4])]
    seen.clear()  # a second run in the same process, another range: its own keys, not the first run's
    assert _run(instance, seen, "FY2023Q3", "FY2024Q1").success
    assert seen == [("asset", KEYS[2:]), ("asset again", KEYS[2:]), ("check", KEYS[2:])]


def test_a_range_run_asks_the_instance_once_for_its_dynamic_keys():
    """A check's context looks each key of a dynamic range up in the instance (~10 ms a key on SQLite); a run's
    steps and checks ask a dozen times: the keys are looked up once a run."""
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(QUARTERS.name, KEYS)
    lookups = []
    real = instance.has_dynamic_partition

    def counted(partitions_def_name, partition_key):
        lookups.append(partition_key)
        return real(partitions_def_name, partition_key)

    instance.has_dynamic_partition = counted  # counts the real instance's answers, changes none
    seen: list = []
    assert _run(instance, seen, "FY2023Q1", "FY2024Q1").success
    ours = len(lookups)
    assert len(seen) == 3  # the asset asked twice, the check once
    lookups.clear()

    @asset(partitions_def=QUARTERS, backfill_policy=BackfillPolicy.single_run())
    def plain(context) -> None:  # one ask through Dagster's own property: what a run's keys cost once
        list(context.partition_keys)

    assert materialize([plain], instance=instance, tags={"dagster/asset_partition_range_start": "FY2023Q1",
                                                         "dagster/asset_partition_range_end": "FY2024Q1"}).success
    assert ours == len(lookups), (ours, len(lookups))  # three asks, one lookup of the keys

"""The report's quality page reads each check's latest verdict from the Dagster instance without reading the
instance's whole history: runs newest first, until every check of the code location has been seen.

Seen before: the publication's report step took 8.8 s of a `make run` in a data folder with a few hundred
runs (every check evaluation ever stored was read), 3.0 s in one with fewer; it grew with every run.
"""

from dagster import AssetCheckResult, DagsterInstance, asset, asset_check, materialize

from assets.report import latest_checks

VERDICT = {"passed": False}


@asset
def numbers():
    return 1


@asset_check(asset=numbers)
def numbers_are_fine():
    return AssetCheckResult(passed=VERDICT["passed"], description="numbers checked")


def test_the_newest_verdict_wins_and_older_runs_are_not_read():
    with DagsterInstance.ephemeral() as instance:
        for passed in (False, False, False, True):  # four runs; the newest passes
            VERDICT["passed"] = passed
            assert materialize([numbers, numbers_are_fine], instance=instance, raise_on_error=False)
        read = []
        all_logs = instance.all_logs
        instance.all_logs = lambda run_id, of_type=None: read.append(run_id) or all_logs(run_id, of_type=of_type)
        keys = numbers_are_fine.check_keys
        [row] = latest_checks(instance, check_keys=keys)
        assert row["check"] == "numbers_are_fine" and row["passed"] is True
        assert len(read) == 1  # the newest run held every check: nothing older was read
        read.clear()
        [row] = latest_checks(instance)  # without the code location's checks: the newest runs, up to a bound
        assert row["passed"] is True and len(read) == 4

"""Asset checks record their latest verdict in the data folder as Dagster evaluates them, in whatever run
(warehouse/check_verdicts.py); the report's quality page reads them back (assets/report.py)."""

from __future__ import annotations

import functools
import time

from dagster import AssetCheckResult, AssetKey, RunsFilter
from dagster import asset_check as dagster_asset_check

from warehouse import check_verdicts


def record(context, asset_key: AssetKey, check_name: str, result: AssetCheckResult) -> AssetCheckResult:
    """Store `result` as the latest verdict of the check `asset_key`/`check_name` in `context`'s run (an asset's
    or a check's context); return it unchanged."""
    run_id = getattr(context, "op_execution_context", context).run_id
    check_verdicts.record(context.resources.cxex.layout.check_verdicts, asset=asset_key.to_user_string(),
                          check=check_name, passed=result.passed, severity=result.severity.value,
                          description=result.description, metadata=result.metadata, run_id=run_id,
                          evaluated_at=time.time())
    return result


def asset_check(**kwargs):
    """Dagster's `@asset_check` (same arguments), the check's verdict recorded each time it is evaluated."""
    def decorate(fn):
        @functools.wraps(fn)
        def evaluated(context, *args, **kw):
            [spec] = context.check_specs
            return record(context, spec.asset_key, spec.name, fn(context, *args, **kw))

        return dagster_asset_check(**kwargs)(evaluated)

    return decorate


def latest_verdicts(layout, instance) -> list[dict]:
    """Each check's latest recorded verdict, of the runs `instance` holds (as its UI shows them: a copied data
    folder or a deleted run counts nothing the instance cannot show). A file per check and one query of the
    instance's run index by id, whatever the number of runs stored."""
    verdicts = check_verdicts.read(layout.check_verdicts)
    ids = sorted({v["run_id"] for v in verdicts})
    known = {r.dagster_run.run_id for r in instance.get_run_records(RunsFilter(run_ids=ids))} if ids else set()
    return [v for v in verdicts if v["run_id"] in known]

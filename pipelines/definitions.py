"""The one Definitions entry point (`dagster dev -w workspace.yaml`, `make ui`)."""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from dagster import (AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus, Definitions,  # noqa: E402
                     in_process_executor, load_asset_checks_from_modules, load_assets_from_modules, map_asset_specs)

from assets import domains, remote  # noqa: E402
from assets.policies import with_freshness_and_schema  # noqa: E402
from assets.publication import publication_asset  # noqa: E402
from assets.resources import CxexResource, HttpResource  # noqa: E402

from .alerts import run_failure_alert  # noqa: E402
from .jobs import SOURCE_JOBS, SOURCES, publish  # noqa: E402, F401
from .schedules import SCHEDULES, observe_remote_sources  # noqa: E402
from .sensors import SENSORS  # noqa: E402

import quality_checks  # noqa: E402

# every module of every folder with a spec (assets/domains.py) and of its checks' folder, found, not listed
MODULES = [*domains.import_all(), *domains.import_all(quality_checks), remote]

automation = AutomationConditionSensorDefinition(
    "cxex_automation", target=AssetSelection.all(), default_status=DefaultSensorStatus.STOPPED,
    description="Declarative automation (off by default): fetches remote files when their observed version changes, "
                "and publishes a source's tables (then the cross-agency tables and the catalog) once its partitions "
                "succeed with their blocking checks passed.")


def build_definitions(cxex: CxexResource | None = None, http: HttpResource | None = None) -> Definitions:
    """The definitions over `cxex`'s settings (default: the environment's, validated here, before any work);
    the latest built is what `current()` returns (the jobs `make run` executes)."""
    cxex = cxex or CxexResource.from_env()
    built = Definitions(
        assets=map_asset_specs(with_freshness_and_schema, [*load_assets_from_modules(MODULES), publication_asset()]),
        asset_checks=load_asset_checks_from_modules(MODULES),
        jobs=[*SOURCE_JOBS.values(), publish, observe_remote_sources],
        schedules=SCHEDULES,
        sensors=[*SENSORS, run_failure_alert, automation],
        resources={"cxex": cxex, "http": http or HttpResource(cxex=cxex)},
        executor=in_process_executor,  # see pipelines/jobs.py
    )
    _LAST[:] = [built]
    return built


_LAST: list = []  # (a list: the code server takes a module-level Definitions object for the location's)


def current() -> Definitions:
    """The definitions `build_definitions` built last in this process."""
    return _LAST[0]


defs = build_definitions()


def _launchable(name: str):
    """A module-level function returning the job `name` of the current definitions: what Dagster's
    `reconstructable` needs to find a job again (`make run` executes it with `execute_job`)."""
    def job():
        return current().resolve_job_def(name)

    job.__name__ = job.__qualname__ = f"{name}_job"
    globals()[job.__name__] = job
    return job.__name__


LAUNCHABLE = {name: _launchable(name) for name in (*SOURCE_JOBS, publish.name)}

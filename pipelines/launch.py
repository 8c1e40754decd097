"""Runs that `make run` starts, recorded with the code location's origin.

A run made by `job.execute_in_process` has no code-location origin: the Dagster UI lists it under
no job and cannot re-execute it ("Expected non-None value ... parent_run.remote_job_origin"). Runs
made here carry the same origin as runs launched in the UI from workspace.yaml's `cxex` location
(`__repository__@cxex`), so a failed `make run` partition can be re-executed from the UI or with
GraphQL's `launchRunReexecution`. They still execute in this process, in order, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKSPACE = REPO_ROOT / "workspace.yaml"


@lru_cache(maxsize=1)
def location_origin():
    """The code location origin the webserver makes from workspace.yaml (location `cxex`)."""
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    [origin] = WorkspaceFileTarget(paths=[str(WORKSPACE)]).create_origins()
    return origin


@lru_cache(maxsize=1)
def _repository():
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    origin = location_origin().loadable_target_origin
    return ReconstructableRepository.for_module(origin.module_name, "defs", working_directory=origin.working_directory)


def job_origin(job_name: str):
    from dagster._core.definitions.repository_definition.valid_definitions import SINGLETON_REPOSITORY_NAME
    from dagster._core.remote_origin import RemoteRepositoryOrigin

    return RemoteRepositoryOrigin(location_origin(), SINGLETON_REPOSITORY_NAME).get_job_origin(job_name)


def execute(job_def, instance, *, run_config: Mapping | None = None, tags: Mapping[str, str] | None = None,
            asset_selection: Iterable | None = None):
    """Create a run of `job_def` with the location's origin and execute it in this process.

    `job_def` is the definition make run built from the settings it validated. The location's own
    module-level definitions are built once per process from the environment at its first import; in
    a long-lived process whose settings change (a test session) they would run with another data
    folder, so only the location's origin is taken from it (nothing is loaded)."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.execution.api import execute_run

    selection = frozenset(asset_selection) if asset_selection else None
    job = InMemoryJob(job_def)
    if selection:
        job = job.get_subset(asset_selection=selection)
    definition = job.get_definition()
    recon = _repository().get_reconstructable_job(job_def.name)
    run = instance.create_run_for_job(
        job_def=definition, run_config=run_config, tags={**definition.run_tags, **(tags or {})},
        asset_selection=selection, remote_job_origin=job_origin(job_def.name), job_code_origin=recon.get_python_origin())
    return execute_run(job, run, instance)

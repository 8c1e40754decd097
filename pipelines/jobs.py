"""Jobs: one per source (from its spec, assets/spec.py), so a run never mixes a survey year's steps with
publication, and `publish`, which commits everything published as one snapshot.

Executors: a partition's steps form a chain over one large file (parse → validate → score), so the
partitioned jobs run their steps in one process (`in_process_executor`); parallelism comes from
ranges in one run (single-run backfill policy) and separate runs from the run queue. The publish job's
steps are light (a Parquet copy, a small DuckDB query each): in-process too, because a step in a
process of its own re-imports and re-resolves the definitions (measured: the multiprocess executor
with forkserver and preloaded modules took 70 s for the sample's sources, in-process 23 s).
"""

from dagster import AssetSelection, define_asset_job, in_process_executor

from assets.domains import source_specs

SOURCES = {spec.name: spec for spec in source_specs()}  # one per folder's spec (assets/<source>/spec.py)
PUBLISH_JOB = "publish"

SOURCE_JOBS = {spec.job: define_asset_job(spec.job, selection=AssetSelection.keys(*spec.assets),
                                          partitions_def=spec.partitions_def, executor_def=in_process_executor,
                                          description=spec.description) for spec in SOURCES.values()}
publish = define_asset_job(
    PUBLISH_JOB,
    selection=AssetSelection.groups("publish"),
    executor_def=in_process_executor,
    description="Publish every staged table and the cross-agency tables, and commit them as one snapshot "
                "(the catalog step), with the analysts' DuckDB catalog and the report site.",
)

"""Remote sources: observe the published files cheaply, fetch them only when they change.

`source/remote_files` is an observable source asset: it asks every URL in remote_sources.csv for
its validators (ETag, else Last-Modified and size) and records a data version built from them. The
data version only changes when a remote file does, so `landing/remote_files` (automation
condition: eager) is requested only then, and its conditional requests fetch only the files that
changed. Files land in the same folders a person would drop them in; the landing sensor
(pipelines/sensors.py) then runs exactly the partitions those files belong to.
"""

import hashlib
import warnings

from dagster import (AssetExecutionContext, AutomationCondition, DataVersion, MaterializeResult, MetadataValue,
                     ObserveResult, asset, observable_source_asset)

from . import keys
from .common import layout_of
from .landing import api_for, landing_for

GROUP = "sources"

warnings.filterwarnings("ignore", message=".*observable_source_asset.*beta", category=Warning)


@observable_source_asset(key=keys.SOURCE_REMOTE_FILES, group_name=GROUP, required_resource_keys={"cxex", "http"},
                         description="The published source files listed in warehouse/reference/remote_sources.csv "
                                     "(or $CXEX_REMOTE_SOURCES), observed by their ETag / Last-Modified without downloading.")
def remote_files(context) -> ObserveResult:
    http = context.resources.http  # assets.resources.HttpResource
    client = http.client(context.resources.cxex.layout)
    versions = {}
    for src in http.sources():
        api = api_for(src.source, src.url)  # an API endpoint (its source's spec names the adapter), not a file
        if api and not api.has_key():
            context.log.warning(f"{src.name} {src.url}: skipped, {api.API_KEY_ENV} is not set")
            continue
        probe = api.probe(client, src.url) if api else client.probe(src.url)
        versions[src.name + " " + src.url] = probe.version  # a failure above raises: the observation fails, visibly
    digest = hashlib.sha256("\n".join(f"{k}={v}" for k, v in sorted(versions.items())).encode()).hexdigest()[:16]
    context.log.info(f"observed {len(versions)} remote file(s); data version {digest}")
    return ObserveResult(data_version=DataVersion(digest),
                         metadata={"files": len(versions), "versions": MetadataValue.json(versions)})


@asset(key=keys.LANDING_REMOTE_FILES, deps=[keys.SOURCE_REMOTE_FILES], group_name=GROUP, kinds={"http"},
       automation_condition=AutomationCondition.eager(), required_resource_keys={"cxex", "http"})
def landing_remote_files(context: AssetExecutionContext) -> MaterializeResult:
    """Fetch every remote source file into its landing folder (conditional requests: unchanged files are not transferred).

    Checksums in remote_sources.csv are verified; an interrupted transfer resumes on the next try.
    """
    layout, http = layout_of(context), context.resources.http
    client = http.client(layout)
    fetched, unchanged, transferred = [], [], 0
    for src in http.sources():
        dest = landing_for(layout, src.source, src.partition)
        api = api_for(src.source, src.url)
        if api:  # e.g. the Touchpoints API: key in a header, responses page by page
            if not api.has_key():
                context.log.warning(f"{src.name} {src.url}: skipped, {api.API_KEY_ENV} is not set")
                continue
            recs = api.fetch_endpoint(client, src.url, dest)
        else:
            recs = [client.fetch(src.url, dest, expected_sha256=src.sha256)]
        for rec in recs:
            (unchanged if rec.from_cache else fetched).append(src.name)
            transferred += 0 if rec.from_cache else rec.bytes - rec.resumed_from
            context.log.info(f"{src.name}: {'unchanged (304)' if rec.from_cache else f'{rec.bytes:,} bytes'} -> {rec.path}")
    return MaterializeResult(metadata={"fetched": MetadataValue.json(fetched), "unchanged": MetadataValue.json(unchanged),
                                       "bytes_transferred": transferred})

"""Publication has one owner: the `publication` asset, every published table, the catalog and the report.

Each table's publisher is a plain function declared beside its source (`@publisher(key=..., deps=...)`
in the modules of assets/<source>/; assets/staged.py generates the plain ones; catalog.py, report.py).
This module makes them ONE Dagster multi-asset that cannot be subset: whoever starts it (`make run`,
the UI's Materialize on any one table, a schedule, the landing sensor's follow-up, a backfill), it runs
every publisher in dependency order, the catalog step commits everything staged as one snapshot
(warehouse/publish.py), and only then are the materializations reported. A table whose inputs, code,
settings and contract are those of its current version is not written again (assets/common.py
`publish_result`), so a publication costs what changed. A publisher that raises fails the step before
the commit: the previous snapshot stays current, whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dagster import AssetCheckResult, AssetCheckSpec, AssetKey, AssetSpec, MaterializeResult, multi_asset

PUBLICATION_OP = "publication"


@dataclass(frozen=True)
class Publisher:
    specs: tuple[AssetSpec, ...]
    fn: Callable  # context -> MaterializeResult (one spec) or an iterable of MaterializeResult with asset_key (several)

    @property
    def keys(self) -> tuple[AssetKey, ...]:
        return tuple(s.key for s in self.specs)


PUBLISHERS: list[Publisher] = []


@dataclass(frozen=True)
class PublicationCheck:
    spec: AssetCheckSpec
    fn: Callable  # context -> AssetCheckResult, evaluated in the publication before the commit and the report


CHECKS: list[PublicationCheck] = []


def publication_check(spec: AssetCheckSpec):
    """Declare `fn` a check of a published table, evaluated inside the publication once every table is
    staged (so the report built after it counts it, as `make run` does)."""
    def declare(fn):
        CHECKS.append(PublicationCheck(spec, fn))
        return fn

    return declare


def publisher(key: AssetKey | None = None, deps=(), group_name: str = "publish", kinds=("parquet",), specs=None,
              **_unused):
    """Declare `fn` as the publisher of `key` (or of several `specs`), run by the `publication` asset."""
    def declare(fn):
        declared = specs or [AssetSpec(key, deps=list(deps), group_name=group_name, kinds=set(kinds),
                                       description=(fn.__doc__ or "").strip() or None)]
        PUBLISHERS.append(Publisher(tuple(declared), fn))
        return fn

    return declare


def ordered(publishers: list[Publisher]) -> list[Publisher]:
    """Publishers in dependency order (each after every publisher of a key it depends on)."""
    owner = {k: i for i, p in enumerate(publishers) for k in p.keys}
    done: list[int] = []

    def visit(i: int, path: tuple = ()) -> None:
        if i in done:
            return
        if i in path:
            raise ValueError(f"publishers depend on each other in a circle: {[publishers[j].keys for j in path]}")
        for spec in publishers[i].specs:
            for dep in spec.deps:
                j = owner.get(dep.asset_key)
                if j is not None and j != i:
                    visit(j, (*path, i))
        done.append(i)

    for i in range(len(publishers)):
        visit(i)
    return [publishers[i] for i in done]


def publication_asset():
    """The one publication asset over every declared publisher (their modules imported first) and every
    publication check declared so far (pipelines/definitions.py imports the checks' folders before)."""
    import importlib

    from .domains import import_all, source_specs
    from .staged import staged_publishers

    import_all()  # every folder's modules and checks: their publishers and publication checks declare themselves
    for spec in source_specs():  # then the publishers generated from the specs and contracts
        staged_publishers(spec, {k for p in PUBLISHERS for k in p.keys}, publisher)
    for module in ("assets.catalog", "assets.report"):  # the commit, then the site
        importlib.import_module(module)
    return build_publication(PUBLISHERS, CHECKS)


def build_publication(publishers: list[Publisher], checks: list[PublicationCheck] = (), name: str = PUBLICATION_OP):
    """A multi-asset running `publishers` in dependency order, the catalog (the commit) and the report last."""
    from .keys import PUBLISH_REPORT, WAREHOUSE_CATALOG
    from .sources.files import SourceFileError

    final = [p for k in (WAREHOUSE_CATALOG, PUBLISH_REPORT) for p in publishers if k in p.keys]  # the commit, then the site
    order = ordered([p for p in publishers if p not in final]) + final
    tables = [k for p in order if p not in final for k in p.keys]
    specs = [spec.replace_attributes(group_name="publish") if p not in final else spec.replace_attributes(
        group_name="publish", deps=sorted({*(d.asset_key for d in spec.deps), *tables}, key=lambda k: k.to_user_string()))
        for p in order for spec in p.specs]  # one group: the UI selects the publication whole

    @multi_asset(name=name, specs=specs, check_specs=[c.spec for c in checks], can_subset=False,
                 required_resource_keys={"cxex"})
    def publication(context):
        """Every published table, its checks, then the commit of one snapshot (the catalog) and the report site."""
        results: list = []
        for p in order:
            if p is (final or [None])[0]:
                results += _checked(context, checks)
            try:
                out = p.fn(context)
            except SourceFileError as e:  # a landed file it reads is unreadable: that table keeps its version
                context.log.warning(f"{', '.join(k.to_user_string() for k in p.keys)} kept as published: {e}")
                results += [MaterializeResult(asset_key=k, metadata={"published": False, "reason": str(e)}) for k in p.keys]
                continue
            if isinstance(out, MaterializeResult):
                results.append(MaterializeResult(asset_key=p.keys[0], metadata=out.metadata))
            else:
                results += list(out)
        yield from sorted(results, key=lambda r: isinstance(r, AssetCheckResult))  # once the snapshot is committed

    return publication


def _checked(context, checks) -> list:
    """The publication's checks, each verdict recorded before the report that counts it is built."""
    from .check_verdicts import record

    out = []
    for c in checks:
        r = record(context, c.spec.asset_key, c.spec.name, c.fn(context))
        out.append(AssetCheckResult(asset_key=c.spec.asset_key, check_name=c.spec.name, passed=r.passed, severity=r.severity,
                                    metadata=r.metadata, description=r.description))
    return out

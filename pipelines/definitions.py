"""The one Definitions entry point (`dagster dev -w workspace.yaml`, `make ui`)."""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules  # noqa: E402

from assets import catalog, cross_agency, cx, fevs, workforce  # noqa: E402
from quality_checks import cross_agency_checks, cx_checks, fevs_checks, workforce_checks  # noqa: E402

from .jobs import a11_quarterly, css_yearly, fevs_yearly, publish, workforce_monthly  # noqa: E402
from .resources import CxexResource  # noqa: E402

ASSET_MODULES = [fevs, workforce, cx, cross_agency, catalog]
CHECK_MODULES = [fevs_checks, workforce_checks, cx_checks, cross_agency_checks]


def build_definitions(cxex: CxexResource | None = None) -> Definitions:
    return Definitions(
        assets=load_assets_from_modules(ASSET_MODULES),
        asset_checks=load_asset_checks_from_modules(CHECK_MODULES),
        jobs=[fevs_yearly, workforce_monthly, a11_quarterly, css_yearly, publish],
        resources={"cxex": cxex or CxexResource.from_env()},
    )


defs = build_definitions()

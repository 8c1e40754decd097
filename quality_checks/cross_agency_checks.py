"""The crosswalk must account for every agency identifier the sources use (a warning that names them)."""

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, asset_check

from assets import keys
from assets.common import publication_of
from assets.cross_agency import curated_agencies

from .gx_runner import ExpectationSpec as E
from .gx_runner import run_suite
from .results import check_result


@asset_check(asset=keys.PUBLISH_AGENCY_CROSSWALK, name="agency_crosswalk_complete", blocking=False,
             required_resource_keys={"cxex"},
             description="Warning: every agency code seen in any source is in the curated crosswalk "
                         "(warehouse/reference/agency_crosswalk.csv); unmapped codes are listed, their rows kept.")
def agency_crosswalk_complete(context: AssetCheckExecutionContext) -> AssetCheckResult:
    frame = context.resources.cxex.store.read_table("agency_crosswalk", publication_of(context)).to_pandas()
    codes = sorted(curated_agencies().column("agency_code").to_pylist())
    specs = [E("ExpectColumnValuesToBeInSet", {"column": "agency_code", "value_set": codes}),
             E("ExpectCompoundColumnsToBeUnique", {"column_list": ["identifier_source", "identifier"]})]
    outcome = run_suite(frame, "agency_crosswalk", specs)
    return check_result(context, outcome, asset=keys.PUBLISH_AGENCY_CROSSWALK.to_user_string(), table="agency_crosswalk",
                        partition_col="publication", partition="current", source_file="warehouse/reference/agency_crosswalk.csv",
                        severity=AssetCheckSeverity.WARN)

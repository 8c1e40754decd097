"""The crosswalk must account for every agency identifier the sources use (a warning that names them)."""

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec

from assets.cross_agency.spec import PUBLISH_AGENCY_CROSSWALK
from assets.common import publication_of
from assets.cross_agency.assets import curated_agencies
from assets.publication import publication_check

from quality_checks.expectations import ExpectationSpec as E
from quality_checks.gx_runner import run_suite
from quality_checks.results import check_result


@publication_check(AssetCheckSpec(
    "agency_crosswalk_complete", asset=PUBLISH_AGENCY_CROSSWALK, blocking=False,
    description="Warning: every agency code seen in any source is in the curated crosswalk "
                "(warehouse/reference/agency_crosswalk.csv); unmapped codes are listed, their rows kept."))
def agency_crosswalk_complete(context) -> AssetCheckResult:
    frame = context.resources.cxex.store.read_table("agency_crosswalk", publication_of(context)).to_pandas()
    codes = sorted(curated_agencies().column("agency_code").to_pylist())
    # the offending value is the identifier a source uses ("a11_service_provider:multi-rec"), not its empty agency
    frame["source_identifier"] = frame["identifier_source"] + ":" + frame["identifier"]
    unmapped = frame[~frame["mapped"]]
    specs = [E("ExpectColumnValuesToBeInSet", {"column": "agency_code", "value_set": codes}),
             E("ExpectColumnValuesToBeInSet", {"column": "source_identifier",
                                               "value_set": sorted(frame.loc[frame["mapped"], "source_identifier"])}),
             E("ExpectCompoundColumnsToBeUnique", {"column_list": ["identifier_source", "identifier"]})]
    outcome = run_suite(frame, "agency_crosswalk", specs)
    where = sorted({IDENTIFIER_FROM.get(s, s) for s in unmapped["identifier_source"]}) or ["warehouse/reference/agency_crosswalk.csv"]
    return check_result(context, outcome, asset=PUBLISH_AGENCY_CROSSWALK.to_user_string(), table="agency_crosswalk",
                        partition_col="publication", partition="current", source_file=", ".join(where),
                        severity=AssetCheckSeverity.WARN)


# Where each kind of identifier comes from: what an unmapped one's warning names.
IDENTIFIER_FROM = {
    "a11_service_provider": "A-11 CX service providers (warehouse/reference/a11_service_registry.csv)",
    "fevs_agency": "FEVS agencies (ex_index_scores)", "fevs_level1": "FEVS LEVEL1 codes (ex_index_scores)",
    "workforce_agency": "workforce agencies (workforce_metrics)", "fedscope_subelement": "workforce subelements",
    "gsa_css": "GSA CSS agencies (internal_cx_scores)", "opm_agency": "warehouse/reference/agency_crosswalk.csv",
}

"""The real 2018 PRDF extract in ../shared/reference through the whole pipeline (skipped when absent).

OPM published a governmentwide 2018 EEI of 68. The extract is a 101,881-respondent random subset in
which X and blanks were replaced by item medians, so we accept sampling error of ±1.5 points.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import land, make_defs, run_publish, run_year
from warehouse.catalog import connect as open_catalog

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def real_2018(tmp_path_factory):
    from tests.conftest import reference_dir

    ref = reference_dir()
    if ref is None:
        pytest.skip("../shared/reference (or $CXEX_REFERENCE_DIR) is not present")
    data_dir = tmp_path_factory.mktemp("data")
    target = land(data_dir, 2018, "fevs2018_prdf_subset.csv.gz")
    target.parent.mkdir(parents=True)
    shutil.copy(ref / "fevs" / "fevs2018_prdf_subset.csv.gz", target)  # into a temp dir, never the repo
    defs = make_defs(data_dir)
    result = run_year(defs, 2018)
    assert result.success
    assert run_publish(defs).success
    con = open_catalog(data_dir / "warehouse.duckdb")  # relative views: file_search_path set
    yield con, result
    con.close()


def test_governmentwide_eei_matches_opm_published_68(real_2018):
    con, _ = real_2018
    score, n = con.execute("""SELECT score, respondents FROM ex_index_scores
                              WHERE org_level = 'government' AND index_code = 'eei'""").fetchone()
    assert n == 101_881
    assert abs(score - 68) <= 1.5, score


def test_real_file_passes_validation_and_covers_45_agencies(real_2018):
    con, result = real_2018
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["fevs_responses_expectations"].passed
    assert checks["fevs_responses_warnings"].passed  # RANDOM is unique in the 2018 extract; every Q column declared
    agencies = con.execute("SELECT count(DISTINCT agency_code) FROM fevs_item_scores WHERE org_level = 'agency'").fetchone()[0]
    assert agencies == 45
    assert con.execute("SELECT bool_or(source_is_sample) FROM ex_index_scores").fetchone()[0] is False


def test_no_small_cell_is_published(real_2018):
    con, _ = real_2018
    leaks = con.execute("""SELECT count(*) FROM ex_index_scores
                           WHERE score IS NOT NULL AND least(respondents, min_item_respondents) < 10""").fetchone()[0]
    leaks += con.execute("SELECT count(*) FROM fevs_item_scores WHERE pct_positive IS NOT NULL AND respondents < 10").fetchone()[0]
    assert leaks == 0
    assert con.execute("SELECT count(*) FROM ex_index_scores WHERE suppressed").fetchone()[0] > 0

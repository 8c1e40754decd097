"""FedScope cubes as published, through real Dagster runs: quarterly employment, a fiscal-year action cube.

Layouts: the employment cube's columns are OPM's (FACTDATA, per OPM's SAS reader, quoted in
../shared/reference/README.md); the separations cube's header is the real FY2009 SEPDATA header
(fedscope_sep_fy2009_slice: no SUPERVIS, EFDATE per row); the accessions cube is assumed to mirror
it with `ACC` for `SEP` (OPM's DTacc lookup, fedscope_acc_fy2011_2017_lookups, spans five fiscal
years in one file). Sub-element AF0D and the lookup are OPM's DTagy of September 2020. Values are
made up, worked out by hand:

FY2020 (201910..202009). Employment cubes at the four quarter ends only (201912, 202003, 202006,
202009): AF0D with 100, 98, 102, 100 staff at status 8, plus 10 supervisors (2), 5 CSRA
supervisors (4: OPM groups them as Non-Supervisor) and 3 leaders (6) → 118, 116, 120, 118:
average 118 over the 4 snapshots present. One separations cube for the whole year, landed in
202009/ (its last month): a quit every month (12), a retirement (SD) in 202003, an SI termination
in 202006, an SJ (expired appointment) in 202008, a transfer out (SA) in 202009 → 16 separations.
One accessions cube: 2 new hires (AC) in 201911, a transfer in (AA) in 202004.
"""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from assets.workforce.files import available_months
from tests.conftest import make_defs, run_publish
from tests.test_workforce_formulas import run_months
from warehouse.layout import DataLayout

FACT_HEADER = ("AGYSUB,LOC,AGELVL,EDLVL,GSEGRD,LOSLVL,OCC,PATCO,PPGRD,SALLVL,STEMOCC,SUPERVIS,TOA,WORKSCH,WORKSTAT,"
               "DATECODE,EMPLOYMENT,SALARY,LOS")
FY2020 = [f"2019{m:02d}" for m in (10, 11, 12)] + [f"2020{m:02d}" for m in range(1, 10)]
STAFF = {"201912": 100, "202003": 98, "202006": 102, "202009": 100}


def _crlf(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())


@pytest.fixture(scope="module")
def fy2020(tmp_path_factory):
    from tests.conftest import reference_dir

    reference = reference_dir()
    if reference is None:
        pytest.skip("../shared/reference (or $CXEX_REFERENCE_DIR) is not present")
    sep_header = (reference / "workforce" / "fedscope_sep_fy2009_slice" / "SEPDATA_FY2009_slice.TXT").open().readline().strip()
    root = tmp_path_factory.mktemp("data")
    landing = root / "landing" / "workforce"
    (landing / "lookups").mkdir(parents=True)
    shutil.copy(reference / "fedscope_lookups_2020_09" / "DTagy.txt", landing / "lookups" / "DTagy.txt")  # temp dir only
    for month, staff in STAFF.items():
        _crlf(landing / month / f"FACTDATA_{month}.TXT", [FACT_HEADER] + [
            f"AF0D,01,J,13,12,G,0343,A,GS-12,K,XXXX,{sup},10,F,1,{month},{n},095000,24.5"
            for sup, n in (("8", staff), ("2", 10), ("4", 5), ("6", 3))])
    cols = sep_header.split(",")

    def row(code, month, count=1, kind="SEP"):
        values = {"AGYSUB": "AF0D", kind: code, "EFDATE": month, "AGELVL": "F", "GENDER": "F", "GSEGRD": "09",
                  "LOSLVL": "C", "LOC": "01", "OCC": "0343", "PATCO": "A", "PPGRD": "GS-09", "SALLVL": "F",
                  "TOA": "10", "WORKSCH": "F", "COUNT": str(count), "SALARY": "039795", "LOS": "03.50"}
        return ",".join(values[c] for c in (cols if kind == "SEP" else [("ACC" if c == "SEP" else c) for c in cols]))

    seps = [row("SC", m) for m in FY2020] + [row("SD", "202003"), row("SI", "202006"), row("SJ", "202008"), row("SA", "202009")]
    _crlf(landing / "202009" / "SEPDATA_FY2020.TXT", [sep_header] + seps)
    acc_header = sep_header.replace("SEP", "ACC")
    _crlf(landing / "202009" / "ACCDATA_FY2020.TXT", [acc_header, row("AC", "201911", 2, "ACC"), row("AA", "202004", 1, "ACC")])
    defs = make_defs(root)
    results = run_months(defs, FY2020)
    assert all(r.success for r in results)
    assert run_publish(defs).success
    rows = pq.read_table(root / "publish" / "workforce_metrics").to_pylist()
    return root, results, {(r["fiscal_year"], r["org_level"], r["agency_code"], r["agency_subelement_code"]): r for r in rows}


def test_every_month_the_cubes_cover_is_a_month_to_process(fy2020):
    root, _, _ = fy2020
    assert available_months(DataLayout(root)) == (FY2020, False)


def test_quarterly_headcount_and_the_split_cube(fy2020):
    _, _, m = fy2020
    af = m[(2020, "subelement", "AF", "AF0D")]
    assert af["months_observed"] == 4 and af["headcount_basis"] == "quarterly snapshots"
    assert af["avg_headcount"] == pytest.approx((118 + 116 + 120 + 118) / 4)
    assert (af["separations"], af["quits"], af["retirements"], af["terminations"], af["transfers_out"]) == (16, 12, 1, 1, 1)
    assert (af["new_hires"], af["transfers_in"]) == (2, 1)
    assert af["quit_rate"] == pytest.approx(100 * 12 / 118)
    assert (af["supervisors"], af["leaders"], af["non_supervisors"]) == (10, 3, 105)
    assert af["retirement_eligibility_basis"] == "age and service brackets (estimate)"
    assert af["agency_subelement_name"] == "U.S. AIR FORCES, EUROPE" and af["in_lookup"]


def test_each_month_holds_only_its_own_cube_rows(fy2020):
    root, results, _ = fy2020
    for month in FY2020:
        acts = pq.read_table(root / "raw" / "workforce_actions" / f"month={month}" / "data.parquet").to_pylist()
        assert {r["effective_yyyymm"] for r in acts} == {int(month)}
        seps = sum(r["count"] for r in acts if r["action"] == "separation")
        assert seps == 1 + (month in ("202003", "202006", "202008", "202009"))
    evals = [e for r in results for e in r.get_asset_check_evaluations()]
    assert all(e.passed for e in evals), [e.description for e in evals if not e.passed][:3]

"""Federal Workforce Data files as OPM publishes them, through real Dagster runs.

Layout: the real header lines of OPM's July 2026 FWD files (../shared/reference/workforce/fwd_headers/:
employment 64 columns, accessions 68, separations 69; pipe-delimited, unquoted), file names from
OPM's download pattern `{type}_{yyyymm}_{version}.txt` (a month republished as `_2`), `*` and
`REDACTED` for withheld values, a blank sub-element code, `drp_indicator` Y/N, names in the
`agency`/`agency_subelement` columns and no DTagy (FWD ships none). Values are made up, small
enough to work out by hand:

Agency AA, FY2025 (202410..202509), every month's snapshot: 10 criminal investigators (1811), age
50-54, SCD 2002 (≥ 22 years: eligible under the 50 + 20 special provision); 20 others, 50-54 with 22
years (not eligible); 5 supervisors (code 2) age 60-64 whose length of service is REDACTED but whose
SCD (1999) gives ≥ 25 years (eligible by 60 + 20); 4 leaders (code 6) with a blank sub-element code
(→ AA**); and a withheld row (`*`). Headcount 39, eligible 15, supervisors 5, leaders 4, non-supervisors 30.
Separations: one ordinary quit a month (12); in 202509 three quits and one retirement flagged
drp_indicator = Y (4 deferred resignations: not quits); 202502 republished: `_1` has the quit only,
`_2` the quit and an SI termination; in 202410 a quit whose count is REDACTED (suppressed).
Accessions: one new hire (AC) a month.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from assets.workforce.files import KINDS, detect_kind, month_files
from assets.workforce.sample import fwd_columns
from tests.conftest import make_defs, run_publish
from tests.test_workforce_formulas import run_months

FY2025 = [f"2024{m:02d}" for m in (10, 11, 12)] + [f"2025{m:02d}" for m in range(1, 10)]
FILE_TYPES = {"employment": 64, "accessions": 68, "separations": 69}


def _headers(reference) -> dict[str, list[str]]:
    return {t: (reference / "workforce" / "fwd_headers" / f"fwd_{t}_header.txt").read_text().strip().split("|")
            for t in FILE_TYPES}


def test_the_real_fwd_headers_parse(reference):
    headers = _headers(reference)
    assert {t: len(h) for t, h in headers.items()} == FILE_TYPES
    assert fwd_columns() == headers  # the sample writes exactly OPM's columns, in OPM's order
    for t, kind in (("employment", "employment"), ("accessions", "accession"), ("separations", "separation")):
        path = reference / "workforce" / "fwd_headers" / f"fwd_{t}_header.txt"
        assert detect_kind(path) == ("fwd", kind)
        assert KINDS[("fwd", kind)][1] <= set(headers[t])


def _write(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["|".join(header)] + ["|".join(str(r.get(c, "")) for c in header) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def _org(sub="AA01", subname="OFFICE ONE"):
    return {"agency": "TEST AGENCY", "agency_code": "AA", "agency_subelement": subname, "agency_subelement_code": sub,
            "department": "TEST AGENCY", "department_code": "AA"}


def _employment(month):
    return [
        {**_org(), "age_bracket": "50-54", "length_of_service_years": "22.0", "supervisory_status_code": "8",
         "occupational_series_code": "1811", "service_computation_date_leave": "2002-01-15", "count": "10", "snapshot_yyyymm": month},
        {**_org(), "age_bracket": "50-54", "length_of_service_years": "22.0", "supervisory_status_code": "8",
         "occupational_series_code": "0343", "service_computation_date_leave": "2002-01-15", "count": "20", "snapshot_yyyymm": month},
        {**_org(), "age_bracket": "60-64", "length_of_service_years": "REDACTED", "supervisory_status_code": "2",
         "occupational_series_code": "0343", "service_computation_date_leave": "1999-06-01", "count": "5", "snapshot_yyyymm": month},
        {**_org("", ""), "age_bracket": "30-34", "length_of_service_years": "3.0", "supervisory_status_code": "6",
         "occupational_series_code": "0343", "service_computation_date_leave": "REDACTED", "count": "4", "snapshot_yyyymm": month},
        {**_org("AA02", "OFFICE TWO"), "age_bracket": "REDACTED", "length_of_service_years": "*", "supervisory_status_code": "*",
         "occupational_series_code": "*", "service_computation_date_leave": "*", "count": "*", "snapshot_yyyymm": month},
    ]


def _sep(month, code, drp="N", count="1"):
    return {**_org(), "age_bracket": "40-44", "length_of_service_years": "8.0", "supervisory_status_code": "8",
            "separation_category_code": code, "drp_indicator": drp, "personnel_action_effective_date_yyyymm": month,
            "count": count}


def _separations(month):
    rows = [_sep(month, "SC")]
    if month == "202509":
        rows += [_sep(month, "SC", "Y"), _sep(month, "SC", "Y"), _sep(month, "SC", "Y"), _sep(month, "SD", "Y")]
    if month == "202410":
        rows.append(_sep(month, "SC", count="REDACTED"))
    return rows


@pytest.fixture(scope="module")
def fy2025(tmp_path_factory):
    from tests.conftest import reference_dir

    reference = reference_dir()
    if reference is None:
        pytest.skip("../shared/reference (or $CXEX_REFERENCE_DIR) is not present")
    headers = _headers(reference)
    data_dir = tmp_path_factory.mktemp("data")
    for m in FY2025:
        folder = data_dir / "landing" / "workforce" / m
        _write(folder / f"employment_{m}_1.txt", headers["employment"], _employment(m))
        _write(folder / f"accessions_{m}_1.txt", headers["accessions"],
               [{**_org(), "age_bracket": "25-29", "length_of_service_years": "0.0", "supervisory_status_code": "8",
                 "accession_category_code": "AC", "personnel_action_effective_date_yyyymm": m, "count": "1"}])
        if m == "202502":  # OPM republished the month: version 1 then version 2
            _write(folder / f"separations_{m}_1.txt", headers["separations"], _separations(m))
            _write(folder / f"separations_{m}_2.txt", headers["separations"], _separations(m) + [_sep(m, "SI")])
        else:
            _write(folder / f"separations_{m}_1.txt", headers["separations"], _separations(m))
    defs = make_defs(data_dir)
    results = run_months(defs, FY2025)
    assert all(r.success for r in results)
    assert run_publish(defs).success
    rows = pq.read_table(data_dir / "publish" / "workforce_metrics").to_pylist()
    evals = [e for r in results for e in r.get_asset_check_evaluations()]
    # every GX check passes: withheld marks, `AA**` and the codes are OPM's (no DTagy: sub-elements not checked)
    assert len(evals) == 5 and all(e.passed for e in evals), [e.description for e in evals if not e.passed][:3]  # one range run
    return data_dir, {(r["fiscal_year"], r["org_level"], r["agency_code"], r["agency_subelement_code"]): r for r in rows}


def test_highest_version_is_read_never_two(fy2025):
    from warehouse.layout import DataLayout

    data_dir, m = fy2025
    assert month_files(DataLayout(data_dir), "202502").separation.path.name == "separations_202502_2.txt"
    aa = m[(2025, "agency", "AA", "ALL")]
    assert aa["terminations"] == 1  # only in version 2
    assert aa["quits"] == 12  # version 1's quit not counted twice


def test_deferred_resignations_are_reported_apart_from_quits(fy2025):
    _, m = fy2025
    aa = m[(2025, "agency", "AA", "ALL")]
    assert aa["deferred_resignations"] == 4
    assert aa["retirements"] == 1  # a DRP retirement stays a retirement
    assert aa["separations"] == 12 + 4 + 1  # quits + DRP + SI; the REDACTED one is suppressed
    assert aa["suppressed_cells"] == 12 + 1  # one withheld snapshot row a month, one withheld quit
    assert aa["headcount_basis"] == "monthly snapshots" and aa["avg_headcount"] == 39
    assert aa["quit_rate"] == pytest.approx(100 * 12 / 39)


def test_names_from_the_files_blank_subelement_and_supervisory_groups(fy2025):
    _, m = fy2025
    aa = m[(2025, "agency", "AA", "ALL")]
    assert aa["agency_name"] == "TEST AGENCY" and not aa["in_lookup"]  # no DTagy: names from the file
    assert m[(2025, "subelement", "AA", "AA01")]["agency_subelement_name"] == "OFFICE ONE"
    assert m[(2025, "subelement", "AA", "AA**")]["end_headcount"] == 4  # blank code → the agency's unspecified
    assert (aa["supervisors"], aa["leaders"], aa["non_supervisors"]) == (5, 4, 30)
    assert aa["supervisor_ratio"] == pytest.approx((30 + 4) / 5)


def test_retirement_eligibility_from_the_service_computation_date(fy2025):
    _, m = fy2025
    aa = m[(2025, "agency", "AA", "ALL")]
    # 10 law-enforcement officers (50 + 20) and 5 aged 60-64 with 25+ years by SCD (their LOS is REDACTED)
    assert aa["retirement_eligible_est"] == 15
    assert aa["retirement_eligibility_basis"] == "service computation date"


def test_large_file_path_cleans_per_distinct_value_and_gives_the_same_table(fy2025, tmp_path, monkeypatch):
    """A file of 50,000 rows or more (a national month: 2.1 million) is cleaned once per distinct value and
    looked up by every row (workforce_files._select_by_value); below that, row by row. Both give the same typed
    table from the real FWD layout above (withheld marks, a blank sub-element, REDACTED counts and
    service), and the same error, naming the same first bad row, for a bad count."""
    import pyarrow as pa

    from assets.workforce import readers as wr
    from warehouse.layout import DataLayout

    data_dir, _ = fy2025
    layout = DataLayout(data_dir, "never")

    def parse_all():
        out = []
        for m in FY2025:
            mf = month_files(layout, m)
            out.append(wr.parse_employment(mf.employment, mf.layout))
            out += [wr.parse_actions(f, mf.layout, kind, m) for kind, f in (("accession", mf.accession), ("separation", mf.separation))]
        return [t.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_dictionary(f.type) else f for f in t.schema])) for t in out]

    by_row = parse_all()
    monkeypatch.setattr(wr, "BY_VALUE_ROWS", 0)
    by_value = parse_all()
    assert [t.num_rows for t in by_value] == [t.num_rows for t in by_row] and sum(t.num_rows for t in by_row) > 60
    assert all(a.equals(b) for a, b in zip(by_value, by_row))
    # a bad count in the third of four rows: the same message either way
    header = _headers_from(month_files(layout, "202410").employment.path)
    rows = _employment("202410")[:2] + [{**_employment("202410")[0], "count": "ten"}, _employment("202410")[1]]
    messages = _errors_on_both_paths(tmp_path, header, rows, monkeypatch)
    assert messages[0] == messages[1] and "row 4, column count" in messages[0] and "(1 such rows)" in messages[0]


def test_a_bad_service_computation_date_names_its_row_on_either_path(fy2025, tmp_path, monkeypatch):
    """service_computation_date_leave: a small file parses the dates once as a column for the check and the
    years, a large one per distinct value; a date in none of FWD's formats is the same error either way,
    naming file, row and column, and a withheld one ("REDACTED", "*") is no error (the layout above)."""
    from warehouse.layout import DataLayout

    data_dir, _ = fy2025
    header = _headers_from(month_files(DataLayout(data_dir, "never"), "202410").employment.path)
    rows = _employment("202410")
    rows = rows[:3] + [{**rows[0], "service_computation_date_leave": "15 Jan 2002"}] + rows[3:]
    messages = _errors_on_both_paths(tmp_path, header, rows, monkeypatch)
    bad = tmp_path / "landing" / "workforce" / "202410" / "employment_202410_1.txt"
    assert messages[0] == messages[1], messages
    assert messages[0] == f"{bad}: row 5, column service_computation_date_leave: '15 Jan 2002' is not a date (1 such rows)"


def _errors_on_both_paths(tmp_path, header, rows, monkeypatch) -> list[str]:
    """A month's employment file of these rows landed under tmp_path, parsed per distinct value and per row:
    the two errors."""
    from assets.workforce import readers as wr
    from assets.sources.files import SourceFileError
    from warehouse.layout import DataLayout

    _write(tmp_path / "landing" / "workforce" / "202410" / "employment_202410_1.txt", header, rows)
    src = month_files(DataLayout(tmp_path, "never"), "202410").employment
    messages = []
    for limit in (0, 10**9):
        monkeypatch.setattr(wr, "BY_VALUE_ROWS", limit)
        with pytest.raises(SourceFileError) as e:
            wr.parse_employment(src, "fwd")
        messages.append(str(e.value))
    return messages


def _headers_from(path):
    return path.read_text().splitlines()[0].split("|")


def test_months_on_two_threads_give_the_same_tables(fy2025, tmp_path, monkeypatch):
    """A national month's snapshot (87 MB) is parsed two months at a time (assets/common.py map_partitions;
    smaller ones one after the other). Forced onto threads, the real FWD layout above gives the same typed
    files and published metrics as one month after the other."""
    import shutil
    import threading

    from assets import common
    from assets.workforce import assets as workforce

    data_dir, _ = fy2025
    par = tmp_path / "data"
    shutil.copytree(data_dir / "landing", par / "landing")
    monkeypatch.setattr(common, "PARALLEL_PARTITION_BYTES", 0)
    seen, parse = set(), workforce._workforce_employment
    monkeypatch.setattr(workforce, "_workforce_employment",
                        lambda layout, m: seen.add(threading.current_thread().name) or parse(layout, m))
    defs = make_defs(par)
    assert all(r.success for r in run_months(defs, FY2025))
    assert len(seen) == 2 and all(name.startswith("cxex-partition") for name in seen)
    for table in ("workforce_employment", "workforce_actions"):
        for m in FY2025:
            one, two = (pq.read_table(d / "raw" / table / f"month={m}" / "data.parquet") for d in (data_dir, par))
            assert one.num_rows and one.equals(two), (table, m)
    assert run_publish(defs).success
    run_cols = {"run_id"}  # the Dagster run that computed the row
    one, two = (pq.read_table(d / "publish" / "workforce_metrics") for d in (data_dir, par))
    keep = [c for c in one.column_names if c not in run_cols]
    assert one.select(keep).equals(two.select(keep))


def test_partitions_on_threads_stop_at_the_first_failure_in_key_order():
    """map_partitions: results in the keys' order; after a failure no further key starts, and the error
    raised is that of the first failing key (as one after the other would raise it)."""
    import threading
    import time

    from assets.common import map_partitions

    started, lock = [], threading.Lock()

    def work(key):
        with lock:
            started.append(key)
        time.sleep(0.05 if key != "b" else 0.2)
        if key in ("b", "c"):
            raise ValueError(f"bad {key}")
        return key.upper()

    assert map_partitions(["a", "d", "e"], work, 2) == {"a": "A", "d": "D", "e": "E"}
    started.clear()
    with pytest.raises(ValueError, match="bad b"):  # c fails first in time, b first in key order
        map_partitions(["a", "b", "c", "d", "e", "f"], work, 2)
    assert "f" not in started and "e" not in started

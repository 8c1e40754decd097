"""Fault injection, OPM workforce files: Federal Workforce Data (FWD) and legacy FedScope cubes.

FWD base: a separations file with OPM's real 69-column header (warehouse/reference/fwd_columns.csv, equal to
../shared/reference/workforce/fwd_headers/fwd_separations_header.txt: test_workforce_fwd.py), pipe-delimited,
unquoted, named as data.opm.gov names it (`separations_202409_1.txt`), rows as the sample writes them.
FedScope base: the first rows of OPM's real FY2009 separations cube slice (reference
workforce/fedscope_sep_fy2009_slice/SEPDATA_FY2009_slice.TXT: comma, CRLF, unquoted), read only when present.
Each attack corrupts the bytes; the outcome is a SourceFileError naming file, row and column, or acceptance
with the documented meaning. (A refused month keeps the published tables: test_workforce_sources.py
test_bad_month_is_blocked_and_publication_kept runs that through Dagster.)
"""

from __future__ import annotations

import pytest

from assets.sources.files import SourceFileError
from assets.workforce.files import month_files
from assets.workforce.readers import parse_actions, unknown_columns
from assets.workforce.sample import fwd_columns
from assets.resources import CxexResource
from tests.faults.conftest import source

MONTH = "202409"
HEADER = fwd_columns()["separations"]
VALUES = [  # (age_bracket, agency_code, sub-element, separation_category_code, los, supervisory, count)
    ("60-64", "AF", "AF03", "SD", "33.0", "2", "1"), ("25-29", "AF", "AF03", "SC", "2.5", "8", "1"),
    ("45-49", "AG", "AG10", "SA", "12.0", "8", "1"), ("30-34", "AG", "AG10", "SK", "REDACTED", "*", "1"),
]


def fwd_separations() -> bytes:
    rows = []
    for age, agency, sub, cat, los, sup, count in VALUES:
        v = {"age_bracket": age, "agency": f"AGENCY {agency}", "agency_code": agency, "agency_subelement": f"SUB {sub}",
             "agency_subelement_code": sub, "count": count, "department_code": agency, "drp_indicator": "N",
             "length_of_service_years": los, "personnel_action_effective_date_yyyymm": "202408",
             "separation_category_code": cat, "supervisory_status_code": sup}
        rows.append("|".join(v.get(c, "") for c in HEADER))
    return ("\n".join(["|".join(HEADER), *rows]) + "\n").encode()


@pytest.fixture
def land(tmp_path):
    def write(data: bytes, name: str = f"separations_{MONTH}_1.txt"):
        p = tmp_path / "landing" / "workforce" / MONTH / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p
    return write


def _parse(path, root):
    return parse_actions(source(path, root), "fwd", "separation", MONTH)


def _refused(tmp_path, path, match):
    with pytest.raises(SourceFileError, match=match) as e:
        _parse(path, tmp_path)
    assert path.name in str(e.value)


def test_the_base_file_is_read(tmp_path, land):
    t = _parse(land(fwd_separations()), tmp_path)
    assert t.num_rows == len(VALUES) and t.column("category_code").to_pylist() == ["SD", "SC", "SA", "SK"]


def test_truncated_mid_row_is_refused(tmp_path, land):
    data = fwd_separations()
    _refused(tmp_path, land(data[:len(data) - 30]), rf"row {len(VALUES) + 1}: \d+ fields, the header has {len(HEADER)}")


def test_truncated_at_a_row_boundary_is_read_as_a_smaller_file(tmp_path, land):
    """No per-month row count is recorded for FWD (data.opm.gov publishes none with the file): a cut at a row
    boundary is a well-formed smaller file. Accepted; documented in docs/architecture.md as a limit."""
    lines = fwd_separations().split(b"\n")
    assert _parse(land(b"\n".join(lines[:3]) + b"\n"), tmp_path).num_rows == 2


def test_nul_run_is_refused(tmp_path, land):
    lines = fwd_separations().split(b"\n")
    lines[3] = lines[3].replace(b"|AG|", b"|A\0\0|")
    _refused(tmp_path, land(b"\n".join(lines)), r"row 4, column agency_code: NUL byte \(4 in the file\)")  # agency_code and department_code


@pytest.mark.parametrize("old,new,match", [
    (b"|count|", b"|agency_code|", r"columns 'agency_code' \(#3\) and 'agency_code' \(#18\)"),
    (b"|count|", b"|AGENCY_CODE|", r"columns 'agency_code' \(#3\) and 'AGENCY_CODE' \(#18\)"),
])
def test_duplicate_or_case_colliding_header_is_refused(tmp_path, land, old, new, match):
    data = fwd_separations()
    head, rest = data.split(b"\n", 1)
    _refused(tmp_path, land(head.replace(old, new) + b"\n" + rest), r"row 1: " + match)


def test_bom_is_accepted_utf16_is_refused(tmp_path, land):
    assert _parse(land(b"\xef\xbb\xbf" + fwd_separations()), tmp_path).num_rows == len(VALUES)
    _refused(tmp_path, land(fwd_separations().decode().encode("utf-16")), r"row 1: encoded as UTF-16")


def test_huge_field_is_refused(tmp_path, land):
    data = fwd_separations().replace(b"SUB AF03", b"S" * 100_000, 1)
    _refused(tmp_path, land(data), r"row 2, column agency_subelement: field of 100,000 bytes")


def test_stray_delimiter_is_refused(tmp_path, land):
    data = fwd_separations().replace(b"AGENCY AG", b"AGENCY|AG", 1)  # a pipe inside an unquoted name
    _refused(tmp_path, land(data), rf"row 4: {len(HEADER) + 1} fields")


def test_two_versions_of_one_month_read_the_highest(tmp_path, land):
    """OPM republishes a month as version 2, 3, ...: documented meaning, the highest version is read."""
    land(fwd_separations())
    land(fwd_separations().replace(b"|SC|", b"|SH|"), f"separations_{MONTH}_2.txt")
    mf = month_files(CxexResource(data_dir=str(tmp_path)).layout, MONTH)
    assert mf.separation.path.name == f"separations_{MONTH}_2.txt"
    assert "SH" in parse_actions(mf.separation, "fwd", "separation", MONTH).column("category_code").to_pylist()


def test_two_unrelated_files_of_one_kind_are_refused(tmp_path, land):
    land(fwd_separations())
    land(fwd_separations(), "separations_copy.txt")
    with pytest.raises(SourceFileError, match=r"2 separation files .*keep one per month"):
        month_files(CxexResource(data_dir=str(tmp_path)).layout, MONTH)


def test_file_replaced_while_being_read_is_refused(tmp_path, land):
    p = land(fwd_separations())
    src = month_files(CxexResource(data_dir=str(tmp_path)).layout, MONTH).separation
    p.write_bytes(fwd_separations().replace(b"|SC|", b"|SH|"))
    with pytest.raises(SourceFileError, match=r"changed while it was being read"):
        parse_actions(src, "fwd", "separation", MONTH)


def test_unknown_column_is_reported_not_silently_dropped(tmp_path, land):
    lines = fwd_separations().rstrip(b"\n").split(b"\n")
    p = land(b"\n".join([lines[0] + b"|telework_eligibility"] + [r + b"|Y" for r in lines[1:]]) + b"\n")
    assert _parse(p, tmp_path).num_rows == len(VALUES)
    assert unknown_columns(p, "fwd", "separation") == ["telework_eligibility"]
    assert unknown_columns(land(fwd_separations()), "fwd", "separation") == []


def test_landing_month_symlinked_out_of_the_data_dir_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / f"separations_{MONTH}_1.txt").write_bytes(fwd_separations())
    data = tmp_path / "data"
    (data / "landing" / "workforce").mkdir(parents=True)
    (data / "landing" / "workforce" / MONTH).symlink_to(outside)
    with pytest.raises(SourceFileError, match=r"outside the data directory"):
        month_files(CxexResource(data_dir=str(data)).layout, MONTH)


# ---- the legacy FedScope cube, from OPM's real FY2009 separations slice ------------------------------

@pytest.fixture
def cube(reference) -> bytes:
    raw = (reference / "workforce" / "fedscope_sep_fy2009_slice" / "SEPDATA_FY2009_slice.TXT").read_bytes()
    return b"".join(raw.splitlines(keepends=True)[:40])  # header + 39 real rows, CRLF


def _cube_rows(tmp_path, data: bytes):
    p = tmp_path / "landing" / "workforce" / "200909" / "SEPDATA_FY2009.TXT"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    src = month_files(CxexResource(data_dir=str(tmp_path)).layout, "200909").separation
    return p, parse_actions(src, "fedscope", "separation", "200909")


def test_fedscope_cube_truncated_mid_row_or_with_nul_is_refused(tmp_path, cube):
    efdate_months = {line.split(b",")[2] for line in cube.splitlines()[1:]}
    assert efdate_months  # the slice's rows are from real months of FY2009
    cut = cube[:len(cube) - 20]
    with pytest.raises(SourceFileError, match=r"SEPDATA_FY2009\.TXT: row 40: \d+ fields, the header has 17"):
        _cube_rows(tmp_path, cut)
    lines = cube.split(b"\r\n")
    lines[10] = lines[10][:2] + b"\0" + lines[10][2:]
    with pytest.raises(SourceFileError, match=r"SEPDATA_FY2009\.TXT: row 11, column AGYSUB: NUL byte"):
        _cube_rows(tmp_path, b"\r\n".join(lines))


def test_zip_landed_as_a_workforce_file_is_refused(tmp_path, land):
    """FWD and FedScope files are read as published text; a zip (a download not unpacked) is named, not guessed at."""
    from tests.faults.conftest import zip_bytes

    land(zip_bytes({f"separations_{MONTH}_1.txt": fwd_separations()}), f"separations_{MONTH}_1.zip")
    with pytest.raises(SourceFileError, match=r"separations_202409_1\.zip: row 1: header not recognised"):
        month_files(CxexResource(data_dir=str(tmp_path)).layout, MONTH)

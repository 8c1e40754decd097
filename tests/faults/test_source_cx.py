"""Fault injection, OMB A-11 Section 280 (both eras) and GSA CSS files.

Bases (real layouts): era 1, performance.gov's dashboard volumes (`hisp-quarterly-data.csv`, reference
cx/a11_v1_real/, real rows used when present) and tests/cx_data's dashboard layouts; Touchpoints' FY2021-FY2023
`hisp_service_questions` report (GSA/touchpoints reporting_controller.rb: 26 header names, rows of 24 values);
era 2, `CxResponse.to_csv` and the JSON:API pages of the Touchpoints API (tests/cx_data), and GSA's A-11 upload
template with a byte-order mark (reference cx/touchpoints_template/); CSS in the layout assets/cx/layouts.py documents.
Each attack corrupts the bytes; the outcome is a SourceFileError naming file, row and column, or acceptance with
the documented meaning. (A-11 runs through Dagster with a blocked quarter: tests/test_cx.py.)
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from assets.cx import files as cx_files, layouts, readers
from assets.sources.files import SourceFileError
from tests import cx_data
from tests.faults.conftest import source


def _refused(path, parse, match):
    with pytest.raises(SourceFileError, match=match) as e:
        parse(source(path))
    assert path.name in str(e.value)
    return str(e.value)


def _volumes(tmp_path, data: bytes):
    p = tmp_path / "hisp-quarterly-data.csv"
    p.write_bytes(data)
    return p


VOLUMES = (cx_data.V1_VOL_HEADER + '\nva,vha,2020,1,"8,586,476","1,808,680","304,687",17%\n'
           'va,vha,2019,4,"8,616,178","1,924,646","310,992",16%\n').encode()  # performance.gov's own rows


def test_real_dashboard_volumes_are_read(reference, tmp_path):
    raw = (reference / "cx" / "a11_v1_real" / "hisp-quarterly-data.csv").read_bytes()
    assert readers.parse_v1_volumes(source(_volumes(tmp_path, raw))).height == raw.count(b"\n")


def test_volumes_truncated_mid_row_are_refused(tmp_path):
    cut = VOLUMES[:len(VOLUMES) - 5]  # the last row loses its response rate (`,16%\n`)
    _refused(_volumes(tmp_path, cut), readers.parse_v1_volumes, r"row 3: 7 fields, the header has 8")


def test_quoted_thousands_cut_inside_the_quote_are_refused(tmp_path):
    cut = VOLUMES[:VOLUMES.rindex(b'"310,') + 3]
    _refused(_volumes(tmp_path, cut), readers.parse_v1_volumes, r"row 3: a quoted field is never closed")


def test_nul_and_non_utf8_in_volumes_are_refused(tmp_path):
    _refused(_volumes(tmp_path, VOLUMES.replace(b"vha,2019", b"v\0a,2019")), readers.parse_v1_volumes,
             r"row 3, column service: NUL byte")
    _refused(_volumes(tmp_path, VOLUMES.replace(b"vha,2019", b"vh\xe1,2019")), readers.parse_v1_volumes,
             r"row 3, column service: bytes .* are not UTF-8")


def test_case_colliding_headers_are_refused(tmp_path):
    data = VOLUMES.replace(b"surveyed,respondents", b"Surveyed,surveyed", 1)
    _refused(_volumes(tmp_path, data), readers.parse_v1_volumes, r"row 1: columns 'Surveyed' \(#6\) and 'surveyed' \(#7\)")


def test_touchpoints_report_rows_short_by_the_writers_two_fields_are_read_a_cut_row_is_not(tmp_path):
    row = ["Department of Agricu", "Department of Agriculture", "1", "Farm Service Agency", "usda-fsa", "Farm Service Agency",
           "usda-fsa-main", "2021", "1", "Farm Service Agency", "Post-transaction", "Email", "1", "satisfaction",
           "I am satisfied with the service I received", "98", "580", "2022", "5978", "6216", "4.18", "14894",
           "2020-10-01", "2021-09-30"]  # 24 values, as reporting_controller.rb#hisp_service_questions writes them
    assert len(cx_data.TP_QUESTIONS_HEADER) == 26 and len(row) == 24
    lines = [",".join(cx_data.TP_QUESTIONS_HEADER), ",".join(row), ",".join(row[:12] + ["2"] + row[13:])]
    p = tmp_path / "hisp_service_questions.csv"
    p.write_text("\n".join(lines) + "\n")
    assert readers.parse_v1_tp_questions(source(p))[0] is not None
    p.write_text("\n".join(lines + [",".join(row[:20])]) + "\n")
    _refused(p, readers.parse_v1_tp_questions, r"row 4: 20 fields, the header has 24")


def _responses(tmp_path, data: bytes, name="touchpoints-data-cx-responses-2024-07-01.csv"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _response_bytes() -> bytes:
    rows = [cx_data.response_row("201", q1, {"ease": "1"}, {"ease": "0"}, cx_data.FREE_TEXT if i == 0 else "", i)
            for i, q1 in enumerate([1, 0, 1])]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([cx_data.RESPONSE_HEADER, *rows])  # as CxResponse.to_csv quotes
    return buf.getvalue().encode()


def test_responses_duplicate_question_column_is_refused(tmp_path):
    data = _response_bytes().replace(b"positive_other", b"Question_1", 1)
    _refused(_responses(tmp_path, data), readers.parse_v2_responses, r"row 1: columns 'question_1' \(#3\) and 'Question_1'")


def test_huge_free_text_is_refused_without_echoing_it(tmp_path):
    """question_4 may hold personal information: the error names row and column, never the text."""
    secret = "call me on 555-0100 " * 5_000
    data = _response_bytes().replace(cx_data.FREE_TEXT.encode(), secret.encode(), 1)
    msg = _refused(_responses(tmp_path, data), readers.parse_v2_responses, r"row 2, column question_4: field of 100,000 bytes")
    assert "555-0100" not in msg


def test_upload_template_with_bom_is_read_like_without(reference, tmp_path):
    base = reference / "cx" / "touchpoints_template"
    plain = (base / "touchpoints_sample_cx_responses_upload.csv").read_bytes()
    bom = (base / "touchpoints_sample_cx_responses_upload_with_bom.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf")
    for name, data in (("a", plain), ("b", b"\xef\xbb\xbf" + plain)):
        p = _responses(tmp_path, data, f"{name}.csv")
        assert layouts.kind_of(p) == "v2_responses"
    p = _responses(tmp_path, plain.decode().encode("utf-16"), "c.csv")
    with pytest.raises(SourceFileError, match=r"c\.csv: row 1: encoded as UTF-16"):
        layouts._read(p)


def _page(tmp_path, doc: str | bytes, name="cx_responses_page00000.json"):
    p = tmp_path / name
    p.write_bytes(doc if isinstance(doc, bytes) else doc.encode())
    return p


def test_api_page_with_a_repeated_key_is_refused(tmp_path):
    """json.loads would keep the last `question_1` silently."""
    record = '{"id": "1", "type": "cx_responses", "attributes": {"cx_collection_detail_id": 201, "question_1": "1", "question_1": "0"}}'
    p = _page(tmp_path, '{"data": [' + record + '], "links": {}}')
    _refused(p, readers.parse_v2_responses, r"key 'question_1' appears twice in one record")
    record = record.replace('"question_1": "0"', '"Question_1": "0"')
    _refused(_page(tmp_path, '{"data": [' + record + '], "links": {}}'), readers.parse_v2_responses, r"key 'Question_1' appears twice")


def test_api_page_with_nul_or_utf16_is_refused(tmp_path):
    doc = {"data": [{"id": "1", "type": "cx_responses", "attributes": {"cx_collection_detail_id": 201, "question_1": "1\u0000"}}]}
    _refused(_page(tmp_path, json.dumps(doc)), readers.parse_v2_responses, r"key 'question_1': value holds a NUL character")
    _refused(_page(tmp_path, json.dumps(doc).encode("utf-16")), readers.parse_v2_responses, r"encoded as UTF-16")
    _refused(_page(tmp_path, json.dumps(doc).encode() + b"\0\0"), readers.parse_v2_responses, r"NUL byte at offset")


def test_response_file_replaced_while_being_read_is_refused(tmp_path):
    p = _responses(tmp_path, _response_bytes())
    assert readers.parse_v2_responses(source(p)).height == 3  # the base file, free text quoted, is read
    src = source(p)
    p.write_bytes(_response_bytes().replace(b"201,1,1", b"201,1,0", 1))
    with pytest.raises(SourceFileError, match=r"changed while it was being read"):
        readers.parse_v2_responses(src)


CSS = b"fiscal_year,agency_code,function,respondents,mean_score,score_sd\n2024,VA,hr,100,5.5,1.5\n2024,VA,it,300,4.5,\n"


def test_css_ragged_row_and_duplicate_header_are_refused(tmp_path):
    p = tmp_path / "css_fy2024.csv"
    p.write_bytes(CSS + b"2024,VA,acquisition,12,2.0,1.0,extra\n")
    _refused(p, readers.parse_css, r"row 4: 7 fields, the header has 6")
    p.write_bytes(CSS.replace(b"score_sd", b"MEAN_SCORE", 1))
    _refused(p, readers.parse_css, r"row 1: columns 'mean_score' \(#5\) and 'MEAN_SCORE' \(#6\)")
    p.write_bytes(CSS)
    assert readers.parse_css(source(p)).height == 2


# ---- landing: two versions of one quarter, a symlinked landing folder ------------------------------

def _v2_landed(tmp_path):
    from assets.resources import CxexResource

    cx_data.v2(tmp_path)  # FY2024 Q3: collection 101, detail 201, 80 responses (Touchpoints to_csv layouts)
    return CxexResource(data_dir=str(tmp_path)).layout, tmp_path / "landing" / "cx" / "a11_v2"


def test_two_versions_of_one_quarter_same_records_are_read_once_different_ones_are_refused(tmp_path):
    """Documented meaning (cx_files._unique_by): one record landed twice is kept once; two different records
    under one id are refused naming both places."""
    layout, base = _v2_landed(tmp_path)
    details = (base / "cx_collection_details.csv").read_bytes()
    (base / "cx_collection_details_copy.csv").write_bytes(details)
    frames = cx_files.a11_quarter_frames(cx_files.a11_files(layout), 2024, 3)
    assert frames["a11_responses"].height == 80
    (base / "cx_collection_details_copy.csv").write_bytes(details.replace(b",9000,", b",9100,", 1))
    with pytest.raises(SourceFileError, match=r"cx_collection_details.*csv: row 2, column detail_id: collection detail '201' also at"):
        cx_files.a11_quarter_frames(cx_files.a11_files(layout), 2024, 3)


def test_a11_landing_folder_symlinked_out_of_the_data_dir_is_refused(tmp_path):
    from assets.resources import CxexResource

    _, base = _v2_landed(tmp_path / "elsewhere")
    data = tmp_path / "data"
    (data / "landing" / "cx").mkdir(parents=True)
    (data / "landing" / "cx" / "a11_v2").symlink_to(base)
    with pytest.raises(SourceFileError, match=r"outside the data directory"):
        cx_files.a11_files(CxexResource(data_dir=str(data)).layout)

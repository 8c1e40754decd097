"""Small A-11 and CSS files worked out by hand (see test_cx.py and test_cx_real_layouts.py).

Layouts are the publishers' own:
  - era 1 dashboard: performance.gov `hisp-quarterly-data.csv` / `hisp-question-details.csv`
    (../shared/reference/cx/a11_v1_real/), plus the optional `responses, count_1..5` columns;
  - era 1 Touchpoints report: GSA/touchpoints app/controllers/admin/reporting_controller.rb
    `hisp_service_questions` (header of 26 names, rows of 25 values);
  - era 2: GSA/touchpoints app/models/cx_collection.rb and cx_collection_detail.rb `to_csv` headers,
    CxResponse.to_csv / app/serializers/cx_response_serializer.rb for responses, and the JSON:API pages
    of app/controllers/api/v1/cx_*_controller.rb (config/initializers/active_model_serializers.rb: json_api).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

V1_VOL_HEADER = "hisp,service,year,quarter,universe,surveyed,respondents,response_rate"
V1_Q_HEADER = "hisp,service,year,quarter,question,average_score,description,responses,count_1,count_2,count_3,count_4,count_5"
UPLOAD_FLAGS = ["effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other"]
# CxCollection.to_csv: the last name is written `omb_cx_reporting_collections_count,` (a trailing comma in the
# Ruby %i[] list makes it part of the symbol)
COLLECTION_HEADER = ["id", "name", "start_date", "end_date", "organization_id", "organization_name", "organization_abbreviation",
                     "service_provider_id", "service_provider_name", "service_provider_organization_id",
                     "service_provider_organization_name", "service_provider_organization_abbreviation", "service_id",
                     "service_name", "user_email", "fiscal_year", "quarter", "reflection", "created_at", "updated_at",
                     "submitted_at", "rating", "aasm_state", "integrity_hash", "omb_cx_reporting_collections_count,"]
DETAIL_HEADER = ["id", "organization_id", "organization_abbreviation", "organization_name", "cx_collection_id",
                 "cx_collection_fiscal_year", "cx_collection_quarter", "cx_collection_name", "cx_collection_service_provider_id",
                 "cx_collection_service_provider_name", "cx_collection_service_provider_slug", "service_id", "service_name",
                 "transaction_point", "channel", "service_stage_id", "service_stage_name", "service_stage_position",
                 "service_stage_count", "volume_of_customers", "volume_of_customers_provided_survey_opportunity",
                 "volume_of_respondents", "omb_control_number", "federal_register_url", "reflection_text", "survey_type",
                 "survey_title", "trust_question_text", "created_at", "updated_at"]
RESPONSE_HEADER = ["cx_collection_detail_id", "cx_collection_detail_upload_id", "question_1",
                   *[f"positive_{f}" for f in UPLOAD_FLAGS], *[f"negative_{f}" for f in UPLOAD_FLAGS],
                   "question_4", "job_id", "external_id"]
TP_QUESTIONS_HEADER = ["organization_abbreviation", "organization_name", "organization_id", "service_provider_name",
                       "service_provider_id", "service_name", "service_id", "year", "quarter", "service_provided",
                       "transaction_point", "channel", "standardized_question_number", "standardized_question_identifier",
                       "customized_question_text", "likert_scale_1", "likert_scale_2", "likert_scale_3", "likert_scale_4",
                       "likert_scale_5", "point_scale", "response_volume", "notes", "question_total", "start_date", "end_date"]
FREE_TEXT = "My name is Jane Doe, call me"


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def write_rows(path: Path, header: list[str], rows: list[list]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue())
    return path


def v1(root: Path, *, surveyed: str = '"1,000"', q_rows: list[str] | None = None) -> None:
    """FY2023 Q2: VA VHA with per-point counts; SSA with a published mean only (No Data for one driver)."""
    base = root / "landing" / "cx" / "a11_v1"
    write(base / "volumes.csv", [V1_VOL_HEADER,
                                 f'va,vha,2023,2,"10,000",{surveyed},200,20%',
                                 'ssa,oo,2023,2,"50,000","5,000",100,2%'])
    rows = q_rows or [
        'va,vha,2023,2,Trust / Confidence,3.60,"Agreed ""trust""",100,10,10,20,30,30',
        'va,vha,2023,2,Satisfaction,4.00,"Agreed ""satisfied""",200,0,0,40,120,40',
        'ssa,oo,2023,2,Trust / Confidence,4.70,"Agreed ""trust""",,,,,,',
        'ssa,oo,2023,2,Satisfaction,No Data,This survey question is currently fielded,,,,,,',
    ]
    write(base / "question_details.csv", [V1_Q_HEADER, *rows])


def collection_row(cid: str, fy: int, q: int, provider_num: str, provider_name: str) -> list[str]:
    values = {"id": cid, "name": f"{provider_name} FY{fy} Q{q}", "organization_id": "7", "service_provider_id": provider_num,
              "service_provider_name": provider_name, "service_id": "70", "service_name": "Outpatient care",
              "fiscal_year": str(fy), "quarter": str(q), "aasm_state": "published"}
    return [values.get(c, "") for c in COLLECTION_HEADER]


def detail_row(did: str, cid: str, fy: int, q: int, slug: str, name: str, channel: str, survey_type: str,
               customers: str, offered: str, respondents: str, trust_text: str) -> list[str]:
    values = {"id": did, "cx_collection_id": cid, "cx_collection_fiscal_year": str(fy), "cx_collection_quarter": str(q),
              "cx_collection_service_provider_name": name, "cx_collection_service_provider_slug": slug, "service_id": "70",
              "service_name": "Outpatient care", "transaction_point": "post-visit", "channel": channel,
              "volume_of_customers": customers, "volume_of_customers_provided_survey_opportunity": offered,
              "volume_of_respondents": respondents, "survey_type": survey_type, "trust_question_text": trust_text}
    return [values.get(c, "") for c in DETAIL_HEADER]


def response_row(detail: str, q1: int, positive: dict[str, str] | str, negative: dict[str, str] | str,
                 text: str = "", i: int = 0) -> list[str]:
    """`positive` / `negative`: {flag: "0"/"1"} for a side shown, or the literal filler of a side not shown."""
    pos = [positive.get(f, "0") if isinstance(positive, dict) else positive for f in UPLOAD_FLAGS]
    neg = [negative.get(f, "0") if isinstance(negative, dict) else negative for f in UPLOAD_FLAGS]
    return [detail, "1", str(q1), *pos, *neg, text, "job-1", f"ext-{detail}-{i}"]


def v2(root: Path, *, q1_values: list[int] | None = None) -> None:
    """FY2024 Q3: VA VHA, one collection (101) with one thumbs-up/down detail (201) of 80 responses, 60 thumbs up.

    Every respondent was shown both sides (flags 0/1, as the A-11 upload template): positive_ease on 40
    responses, negative_ease on 8; question_4 free text on every tenth row.
    """
    base = root / "landing" / "cx" / "a11_v2"
    write_rows(base / "cx_collections.csv", COLLECTION_HEADER, [collection_row("101", 2024, 3, "12", "Veterans Health Administration")])
    write_rows(base / "cx_collection_details.csv", DETAIL_HEADER, [
        detail_row("201", "101", 2024, 3, "va-vha", "Veterans Health Administration", "online", "thumbs_up_down",
                   "9000", "900", "80", "I trust VA to fulfill its duty")])
    q1 = q1_values or [1] * 60 + [0] * 20
    rows = [response_row("201", v, {"ease": "1" if i < 40 else "0"}, {"ease": "1" if i >= 72 else "0"},
                         FREE_TEXT if i % 10 == 0 else "", i) for i, v in enumerate(q1)]
    write_rows(base / "touchpoints-data-cx-responses-2024-07-01.csv", RESPONSE_HEADER, rows)


def jsonapi_page(path: Path, kind: str, header: list[str], rows: list[list[str]], *, numeric: tuple[str, ...] = ()) -> Path:
    """The same records as a Touchpoints API page: {"data": [{"id", "type", "attributes"}], "links": {}}."""
    def value(c, v):
        if v == "":
            return None
        return int(v) if c in numeric else v
    data = [{"id": r[0], "type": kind, "attributes": {c: value(c, v) for c, v in zip(header[1:], r[1:])}} for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"data": data, "links": {}}))
    return path


def css(root: Path) -> None:
    write(root / "landing" / "cx" / "gsa_css" / "css_fy2024.csv", [
        "fiscal_year,agency_code,function,respondents,mean_score,score_sd",
        "2024,VA,hr,100,5.5,1.5",
        "2024,VA,it,300,4.5,",
        "2024,VA,acquisition,12,2.0,1.0",
    ])

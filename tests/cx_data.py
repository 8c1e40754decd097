"""Small A-11 and CSS files worked out by hand (see test_cx.py)."""

from __future__ import annotations

from pathlib import Path

V1_VOL_HEADER = "hisp,service,year,quarter,universe,surveyed,respondents,response_rate"
V1_Q_HEADER = "hisp,service,year,quarter,question,average_score,description,responses,count_1,count_2,count_3,count_4,count_5"
UPLOAD_FLAGS = ["effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other"]


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def v1(root: Path, *, surveyed: str = '"1,000"', q_rows: list[str] | None = None) -> None:
    """FY2023 Q2: VA VHA with per-point counts; SSA with a published mean only (No Data for one driver)."""
    base = root / "landing" / "cx" / "a11_v1"
    write(base / "volumes.csv", [V1_VOL_HEADER,
                                 f'va,vha,2023,2,"10,000",{surveyed},200,20%',
                                 'ssa,field-offices,2023,2,"50,000","5,000",100,2%'])
    rows = q_rows or [
        'va,vha,2023,2,Trust / Confidence,3.60,"Agreed ""trust""",100,10,10,20,30,30',
        'va,vha,2023,2,Satisfaction,4.00,"Agreed ""satisfied""",200,0,0,40,120,40',
        'ssa,field-offices,2023,2,Trust / Confidence,4.70,"Agreed ""trust""",,,,,,',
        'ssa,field-offices,2023,2,Satisfaction,No Data,This survey question is currently fielded,,,,,,',
    ]
    write(base / "question_details.csv", [V1_Q_HEADER, *rows])


def v2(root: Path, *, q1_values: list[int] | None = None, extra_column: str | None = None) -> None:
    """FY2024 Q3: VA VHA, one thumbs-up/down collection of 80 responses, 60 thumbs up.

    Flags: positive_ease on 40 responses, negative_ease on 8; question_4 free text on some rows.
    """
    base = root / "landing" / "cx" / "a11_v2"
    write(base / "collections.csv", ["id,fiscal_year,quarter,service_provider_id,service_id,name",
                                     "c1,2024,3,va-vha,va-vha-outpatient,Outpatient (online)"])
    write(base / "collection_details.csv", [
        "collection_id,channel,transaction_point,volume_of_customers,volume_of_customers_provided_survey_opportunity,"
        "volume_of_respondents,trust_question_text,survey_type",
        'c1,online,post-visit,"9,000",900,80,I trust VA to fulfill its duty,thumbs_up_down'])
    q1 = q1_values or [1] * 60 + [0] * 20
    header = ["external_id", "question_1", *[f"positive_{f}" for f in UPLOAD_FLAGS],
              *[f"negative_{f}" for f in UPLOAD_FLAGS], "question_4"]
    lines = [",".join(header)]
    for i, v in enumerate(q1):
        pos = ["1" if (f == "ease" and i < 40) else "0" for f in UPLOAD_FLAGS]
        neg = ["1" if (f == "ease" and i >= 72) else "0" for f in UPLOAD_FLAGS]
        text = '"My name is Jane Doe, call me"' if i % 10 == 0 else ""
        lines.append(",".join([f"r{i}", str(v), *pos, *neg, text]))
    write(base / "responses_c1.csv", lines)


def css(root: Path) -> None:
    write(root / "landing" / "cx" / "gsa_css" / "css_fy2024.csv", [
        "fiscal_year,agency_code,function,respondents,mean_score,score_sd",
        "2024,VA,hr,100,5.5,1.5",
        "2024,VA,it,300,4.5,",
        "2024,VA,acquisition,12,2.0,1.0",
    ])

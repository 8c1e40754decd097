"""The embedded default for CX data: synthetic A-11 files in the REAL layouts of each period, and a GSA CSS file.

Every single-agency service provider of the registry (warehouse/reference/a11_service_registry.csv: the HISPs
of performance.gov's list), by its real slug and name. Layouts, as their publishers write them (see assets/cx/files.py):
  - FY2019 Q1 - FY2020 Q1: performance.gov's dashboard files `hisp-quarterly-data.csv` and
    `hisp-question-details.csv` (as in the reference files; `No Data`, `17%`, thousands separators);
  - FY2020 Q2 - Q4: performance.gov's per-service wide files `<slug>.csv` (as `va-vha.csv`);
  - FY2021 Q1 - FY2024 Q1: Touchpoints' per-question report `hisp_service_questions.csv` (answer counts
    `likert_scale_1..5`, rows one field shorter than the header, as GSA/touchpoints'
    admin/reporting_controller.rb writes it);
  - FY2024 Q2 - Q4: Touchpoints' API pages `cx_collections.json` and `cx_collection_details.json`
    (JSON:API, as app/serializers/cx_collection*_serializer.rb) and the responses export
    `touchpoints-data-cx-responses-2024-10-15.csv` (CxResponse.to_csv): two channels for some
    collections, both survey types, flags of the side not shown written `null`, free text in question_4.
GSA CSS covers FY2022 - FY2024 (cxex's own contract: no public file exists). Each agency's public CX level
comes from the same per-agency effect as the FEVS sample, so the sample's public CX and EX are related *by
construction*: it exercises the linkage code, it is not evidence of anything. Internal CX (CSS) follows
the planted management trait instead (assets/sources/sample_world.py), with two agencies never surveyed and one
missing a year. Deterministic; every value
synthetic.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import polars as pl

from assets.cx.layouts import CSS_FUNCTIONS, V1_DRIVERS, WIDE_COLUMNS, registry
from assets.sources.sample_world import AGENCIES, _seed
from assets.sources.sample_world import (CSS_MISSING_AGENCIES, CSS_MISSING_AGENCY_YEARS, INTERNAL_CX_AGENCY_YEAR_SD, INTERNAL_CX_BASE,
                      INTERNAL_CX_FUNCTION_SD, INTERNAL_CX_LOADING, management)
from assets.sources.files import ensure_sample_dir

SAMPLE_VERSION = 4
RNG_VERSION = 3  # the random stream of version 3: version 4 only adds the planted instrument offset
# Planted: the two FY2024 trust instruments differ. A respondent who would answer 3 ("neither") of 5
# gives a thumbs up with this probability, so a thumbs-up share runs above the 4-5-of-5 share of the
# same people (docs/methodology.md, "One instrument at a time"; tests/test_trust_instruments.py).
THUMBS_UP_NEUTRAL_SHARE = 0.6
DASHBOARD_QUARTERS = [(2019, 1), (2019, 2), (2019, 3), (2019, 4), (2020, 1)]
WIDE_QUARTERS = [(2020, 2), (2020, 3), (2020, 4)]
TP_QUARTERS = [(y, q) for y in (2021, 2022, 2023) for q in (1, 2, 3, 4)] + [(2024, 1)]
V2_QUARTERS = [(2024, 2), (2024, 3), (2024, 4)]
V1_LABELS = [("Satisfaction", "I am satisfied with the service I received"),
             ("Trust / Confidence", "This increased my trust/confidence in the service"),
             ("Service Effectiveness", "My need was addressed"),
             ("Process / Ease", "It was easy to complete what I needed to do"),
             ("Efficiency", "It took a reasonable amount of time"),
             ("Process Transparency", "I was treated fairly"),
             ("Helpful Employees", "Employees I interacted with were helpful")]
# Touchpoints' hisp_service_questions header: 26 names; its rows carry 25 values (no `notes` value)
TP_HEADER = ["organization_abbreviation", "organization_name", "organization_id", "service_provider_name",
             "service_provider_id", "service_name", "service_id", "year", "quarter", "service_provided", "transaction_point",
             "channel", "standardized_question_number", "standardized_question_identifier", "customized_question_text",
             "likert_scale_1", "likert_scale_2", "likert_scale_3", "likert_scale_4", "likert_scale_5", "point_scale",
             "response_volume", "notes", "question_total", "start_date", "end_date"]
CSS_AGENCIES = [a for a, _, _ in AGENCIES if a != "XX" and a not in CSS_MISSING_AGENCIES]
FLAGS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")


def agency_effect(code: str) -> float:
    """The sample's latent agency effect, shared with the FEVS sample generator."""
    return float(np.random.default_rng(_seed("agency", code)).normal(0.0, 0.2))


def ensure_samples(layout) -> Path:
    return ensure_sample_dir(layout.samples("cx"), SAMPLE_VERSION, _write)


def _likert(rng, n: int, level: float) -> np.ndarray:
    latent = level + rng.normal(0, 1.0, size=n)
    return np.searchsorted(np.array([-1.8, -1.0, -0.2, 0.9]), latent) + 1


def _counts(rng, n: int, level: float) -> np.ndarray:
    answers = _likert(rng, min(n, 5000), level)
    counts = np.floor(np.bincount(answers, minlength=6)[1:] * (n / len(answers))).astype(int)
    counts[4] += n - counts.sum()
    return counts


def _mean(counts: np.ndarray) -> float:
    return float((counts * np.arange(1, 6)).sum() / counts.sum())


def _write(folder: Path) -> None:
    rng = np.random.default_rng(_seed("cx-sample", RNG_VERSION))
    services = [s for s in registry() if s["agency_code"]]  # Recreation.gov (multi-agency) has no agency to score
    for sub in ("a11_v1", "a11_v2", "gsa_css"):
        (folder / sub).mkdir(parents=True)
    level = {s["service_provider_id"]: 0.9 + 2.5 * agency_effect(s["agency_code"]) + rng.normal(0, 0.15) for s in services}

    # performance.gov dashboard (FY2019 Q1 - FY2020 Q1)
    vols, questions = [], []
    for s in services:
        hisp, service = s["service_provider_id"].split("-", 1)
        for fy, q in DASHBOARD_QUARTERS:
            universe = int(rng.integers(50_000, 3_000_000))
            surveyed = int(universe * rng.uniform(0.05, 0.3))
            respondents = int(surveyed * rng.uniform(0.08, 0.3))
            vols.append({"hisp": hisp, "service": service, "year": str(fy), "quarter": str(q), "universe": f"{universe:,}",
                         "surveyed": f"{surveyed:,}", "respondents": f"{respondents:,}",
                         "response_rate": f"{round(100 * respondents / surveyed)}%"})
            for k, (label, text) in enumerate(V1_LABELS):
                if label == "Satisfaction" and (fy, q) == (2019, 1) and s["service_provider_id"] == "va-vha":
                    questions.append({"hisp": hisp, "service": service, "year": str(fy), "quarter": str(q), "question": label,
                                      "average_score": "No Data",
                                      "description": "This survey question is currently fielded and expected in Q3"})
                    continue
                mean = _mean(_counts(rng, 2000, level[s["service_provider_id"]] + 0.1 * (k % 3)))
                questions.append({"hisp": hisp, "service": service, "year": str(fy), "quarter": str(q), "question": label,
                                  "average_score": f"{mean:.2f}", "description": f'Agreed "{text}"'})
    pl.DataFrame(vols).write_csv(folder / "a11_v1" / "hisp-quarterly-data.csv")
    pl.DataFrame(questions).write_csv(folder / "a11_v1" / "hisp-question-details.csv")

    # performance.gov per-service wide files (FY2020 Q2 - Q4), one per provider, named by its slug
    for s in services:
        rows = []
        for fy, q in WIDE_QUARTERS:
            for touchpoint in (["Post-visit email survey", "Post call"] if rng.random() < 0.4 else ["Post-visit email survey"]):
                offered = int(rng.integers(20_000, 2_000_000))
                n = int(offered * rng.uniform(0.05, 0.2))
                means = {c: f"{_mean(_counts(rng, 2000, level[s['service_provider_id']] + 0.1 * (k % 3))):.2f}"
                         for k, c in enumerate(WIDE_COLUMNS)}
                if touchpoint == "Post call":
                    means["efficient"] = means["transparent"] = "0"  # not asked on this touchpoint, as published
                rows.append({"hisp_service_id": s["service_provider_id"], "year": str(fy), "quarter": str(q),
                             "touchpoint": touchpoint, "surveys_offered_count": str(offered), "response_count": str(n), **means})
        pl.DataFrame(rows).write_csv(folder / "a11_v1" / f"{s['service_provider_id']}.csv")

    # Touchpoints per-question report (FY2021 Q1 - FY2024 Q1)
    with open(folder / "a11_v1" / "hisp_service_questions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(TP_HEADER)
        for s in services:
            for fy, q in TP_QUARTERS:
                for channel in (["Email", "Phone"] if rng.random() < 0.4 else ["Email"]):
                    n = int(rng.integers(300, 20_000))
                    for number, driver in enumerate(V1_DRIVERS, start=1):
                        answered = int(n * rng.uniform(0.9, 1.0))
                        c = _counts(rng, answered, level[s["service_provider_id"]] + 0.1 * (number % 3) - 0.05 * (fy - 2021))
                        identifier = "effiency" if driver == "efficiency" and fy == 2021 else driver  # Touchpoints' own typo
                        w.writerow([s["department"][:20], s["department"], "1", s["service_provider_name"],
                                    s["service_provider_id"], s["bureau"], s["service_provider_id"] + "-main", str(fy), str(q),
                                    s["bureau"], "Post-transaction", channel, str(number), identifier, V1_LABELS[number - 1][1],
                                    *[str(int(v)) for v in c], f"{_mean(c):.2f}", str(int(c.sum())),
                                    f"{fy - 1 if q == 1 else fy}-{[10, 1, 4, 7][q - 1]:02d}-01", f"{fy}-09-30"])

    # Touchpoints (FY2024 Q2 - Q4): API pages for collections and details, the CSV export for responses
    collections, details, responses = [], [], []
    next_id = iter(range(1000, 10**6))
    for s in services:
        provider_num = str(services.index(s) + 1)
        for fy, q in V2_QUARTERS:
            cid = str(next(next_id))
            collections.append({"id": cid, "type": "cx_collections", "attributes": {
                "name": f"{s['service_provider_name']} FY{fy} Q{q}", "service_provider_id": int(provider_num),
                "service_id": int(provider_num) * 10, "fiscal_year": fy, "quarter": q, "aasm_state": "published"}})
            for channel in (["digital", "phone"] if rng.random() < 0.5 else ["digital"]):
                did = str(next(next_id))
                survey_type = "thumbs_up_down" if rng.random() < 0.6 else "likert_scale"
                n = int(rng.integers(40, 260))
                customers = int(rng.integers(20_000, 900_000))
                details.append({"id": did, "type": "cx_collection_details", "attributes": {
                    "cx_collection_id": int(cid), "service_id": int(provider_num) * 10, "service_name": s["bureau"] or s["service_provider_name"],
                    "service_provider_id": int(provider_num), "service_provider_name": s["service_provider_name"],
                    "channel": channel, "volume_of_customers": customers,
                    "volume_of_customers_provided_survey_opportunity": int(customers * rng.uniform(0.02, 0.2)),
                    "volume_of_respondents": n, "survey_type": survey_type, "survey_title": "A-11 Section 280 survey",
                    "trust_question_text": f"I trust {s['service_provider_name']} to fulfill its duty to the public"}})
                likert = _likert(rng, n, level[s["service_provider_id"]])
                good = likert >= 4
                if survey_type == "thumbs_up_down":  # the instrument offset, on a stream of its own
                    lean = np.random.default_rng(_seed("thumbs", did)).random(n) < THUMBS_UP_NEUTRAL_SHARE
                    good = good | ((likert == 3) & lean)
                q1 = likert if survey_type == "likert_scale" else good.astype(int)
                for i in range(n):
                    row = {"cx_collection_detail_id": did, "cx_collection_detail_upload_id": "1", "question_1": str(int(q1[i]))}
                    for side, shown in (("positive", good[i]), ("negative", not good[i])):
                        for flag in FLAGS:
                            row[f"{side}_{flag}"] = ("1" if rng.random() < 0.4 else "0") if shown else "null"
                    row["question_4"] = "Synthetic comment text" if rng.random() < 0.1 else ""
                    row["job_id"] = f"job-{did}"
                    row["external_id"] = f"{did}-{i}"
                    responses.append(row)
    (folder / "a11_v2" / "cx_collections.json").write_text(json.dumps({"data": collections, "links": {}}))
    (folder / "a11_v2" / "cx_collection_details.json").write_text(json.dumps({"data": details, "links": {}}))
    pl.DataFrame(responses).write_csv(folder / "a11_v2" / "touchpoints-data-cx-responses-2024-10-15.csv")

    css = []  # internal CX: the planted management trait plus noise (assets/sources/sample_world.py), not the EX effect
    for code in CSS_AGENCIES:
        for fy in (2022, 2023, 2024):
            if (code, fy) in CSS_MISSING_AGENCY_YEARS:
                continue
            base = INTERNAL_CX_BASE + INTERNAL_CX_LOADING * management(code) + rng.normal(0, INTERNAL_CX_AGENCY_YEAR_SD)
            for fn in CSS_FUNCTIONS:
                n = 12 if (code, fy, fn) == ("OM", 2024, "it") else int(rng.integers(40, 400))
                css.append({"fiscal_year": str(fy), "agency_code": code, "function": fn, "respondents": str(n),
                            "mean_score": f"{min(6.9, max(1.5, base + rng.normal(0, INTERNAL_CX_FUNCTION_SD))):.2f}",
                            "score_sd": f"{rng.uniform(1.0, 1.6):.2f}"})
    pl.DataFrame(css).write_csv(folder / "gsa_css" / "css_results.csv")

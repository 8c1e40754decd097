"""The embedded default for CX data: synthetic A-11 files in both eras' layouts, and a GSA CSS file.

Services are the registry's (warehouse/reference/a11_service_registry.csv). Era 1 (performance.gov
dashboard layout, with per-point counts) covers FY2022 Q1 - FY2024 Q1, era 2 (collections,
collection details, response uploads) FY2024 Q2 - Q4; GSA CSS covers FY2022 - FY2024. The files
carry the real mess: thousands separators, `17%`, `No Data`. Each agency's CX level comes from the
same per-agency effect as the FEVS sample, so the sample's CX and EX are related *by construction*:
it exercises the linkage code, it is not evidence of anything. Deterministic; every value synthetic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from .cx_files import CSS_FUNCTIONS, V2_FLAGS, registry
from .fevs_sample import _seed
from .files import ensure_sample_dir

SAMPLE_VERSION = 1
V1_QUARTERS = [(2022, 1), (2022, 2), (2022, 3), (2022, 4), (2023, 1), (2023, 2), (2023, 3), (2023, 4), (2024, 1)]
V2_QUARTERS = [(2024, 2), (2024, 3), (2024, 4)]
V1_LABELS = [("Satisfaction", "I am satisfied with the service I received"),
             ("Trust / Confidence", "This increased my trust/confidence in the service"),
             ("Service Effectiveness", "My need was addressed"),
             ("Process / Ease", "It was easy to complete what I needed to do"),
             ("Efficiency", "It took a reasonable amount of time"),
             ("Process Transparency", "I was treated fairly"),
             ("Helpful Employees", "Employees I interacted with were helpful")]
CSS_AGENCIES = ["AG", "CM", "DJ", "DL", "DN", "ED", "EP", "GS", "HE", "HS", "IN", "SZ", "ST", "TD", "TR", "OM"]


def agency_effect(code: str) -> float:
    """The sample's latent agency effect, shared with the FEVS sample generator."""
    return float(np.random.default_rng(_seed("agency", code)).normal(0.0, 0.2))


def ensure_samples(layout) -> Path:
    return ensure_sample_dir(layout.samples("cx"), SAMPLE_VERSION, _write)


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _likert(rng, n: int, level: float) -> np.ndarray:
    latent = level + rng.normal(0, 1.0, size=n)
    return np.searchsorted(np.array([-1.8, -1.0, -0.2, 0.9]), latent) + 1


def _write(folder: Path) -> None:
    rng = np.random.default_rng(_seed("cx-sample", SAMPLE_VERSION))
    services = registry()[:10]
    (folder / "a11_v1").mkdir(parents=True)
    (folder / "a11_v2").mkdir()
    (folder / "gsa_css").mkdir()

    vols, questions = [], []
    for s in services:
        level = 0.9 + 2.5 * agency_effect(s["agency_code"]) + rng.normal(0, 0.15)
        for fy, q in V1_QUARTERS:
            universe = int(rng.integers(50_000, 3_000_000))
            surveyed = int(universe * rng.uniform(0.05, 0.3))
            respondents = int(surveyed * rng.uniform(0.08, 0.3))
            vols.append({"hisp": s["dashboard_hisp"], "service": s["dashboard_service"], "year": str(fy), "quarter": str(q),
                         "universe": _fmt_int(universe), "surveyed": _fmt_int(surveyed), "respondents": _fmt_int(respondents),
                         "response_rate": f"{round(100 * respondents / surveyed)}%"})
            for k, (label, text) in enumerate(V1_LABELS):
                if label == "Satisfaction" and s["service_provider_id"] == "va-vha" and (fy, q) in V1_QUARTERS[:2]:
                    questions.append({"hisp": s["dashboard_hisp"], "service": s["dashboard_service"], "year": str(fy), "quarter": str(q),
                                      "question": label, "average_score": "No Data",
                                      "description": "This survey question is currently fielded and expected in Q3",
                                      "responses": "", **{f"count_{p}": "" for p in range(1, 6)}})
                    continue
                n = int(respondents * rng.uniform(0.85, 1.0))
                answers = _likert(rng, min(n, 5000), level + 0.1 * (k % 3) - 0.05 * (fy - 2022))
                counts = np.bincount(answers, minlength=6)[1:] * (n / len(answers))
                counts = np.floor(counts).astype(int)
                counts[4] += n - counts.sum()
                mean = float((counts * np.arange(1, 6)).sum() / n)
                questions.append({"hisp": s["dashboard_hisp"], "service": s["dashboard_service"], "year": str(fy), "quarter": str(q),
                                  "question": label, "average_score": f"{mean:.2f}", "description": f'Agreed "{text}"',
                                  "responses": _fmt_int(n), **{f"count_{p}": str(int(c)) for p, c in enumerate(counts, start=1)}})
    pl.DataFrame(vols).write_csv(folder / "a11_v1" / "quarterly_volumes.csv")
    pl.DataFrame(questions).write_csv(folder / "a11_v1" / "question_details.csv")

    cols, details = [], []
    for s in services:
        level = 0.9 + 2.5 * agency_effect(s["agency_code"]) + rng.normal(0, 0.15)
        for fy, q in V2_QUARTERS:
            for channel in (["phone", "online"] if rng.random() < 0.5 else ["online"]):
                cid = f"{s['service_id']}-fy{fy}q{q}-{channel}"
                survey_type = "thumbs_up_down" if rng.random() < 0.6 else "likert_5"
                n = int(rng.integers(60, 320))
                cols.append({"id": cid, "fiscal_year": str(fy), "quarter": str(q), "service_provider_id": s["service_provider_id"],
                             "service_id": s["service_id"], "name": f"{s['service_name']} ({channel})"})
                customers = int(rng.integers(20_000, 900_000))
                offered = int(customers * rng.uniform(0.02, 0.2))
                details.append({"collection_id": cid, "channel": channel, "transaction_point": "post-transaction",
                                 "volume_of_customers": _fmt_int(customers),
                                 "volume_of_customers_provided_survey_opportunity": _fmt_int(offered),
                                 "volume_of_respondents": str(n),
                                 "trust_question_text": "I trust this agency to fulfill its duty to the public",
                                 "survey_type": survey_type})
                likert = _likert(rng, n, level)
                q1 = likert if survey_type == "likert_5" else (likert >= 4).astype(int)
                resp = {"external_id": [f"{cid}-{i}" for i in range(n)], "question_1": q1.tolist()}
                good = likert >= 4
                for f in V2_FLAGS:
                    resp[f"positive_{f}"] = np.where(good & (rng.random(n) < 0.5), "1", "0").tolist()
                for f in V2_FLAGS:
                    resp[f"negative_{f}"] = np.where(~good & (rng.random(n) < 0.5), "1", "0").tolist()
                resp["question_4"] = np.where(rng.random(n) < 0.1, "Synthetic comment text", "").tolist()
                pl.DataFrame(resp).write_csv(folder / "a11_v2" / f"responses_{cid}.csv")
    pl.DataFrame(cols).write_csv(folder / "a11_v2" / "collections.csv")
    pl.DataFrame(details).write_csv(folder / "a11_v2" / "collection_details.csv")

    css = []
    for code in CSS_AGENCIES:
        base = 5.2 + 2.0 * agency_effect(code)
        for fy in (2022, 2023, 2024):
            for fn in CSS_FUNCTIONS:
                n = 12 if (code, fy, fn) == ("OM", 2024, "it") else int(rng.integers(40, 400))
                css.append({"fiscal_year": str(fy), "agency_code": code, "function": fn, "respondents": str(n),
                            "mean_score": f"{min(6.9, max(1.5, base + rng.normal(0, 0.3))):.2f}",
                            "score_sd": f"{rng.uniform(1.0, 1.6):.2f}"})
    pl.DataFrame(css).write_csv(folder / "gsa_css" / "css_results.csv")

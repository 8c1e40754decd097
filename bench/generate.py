"""Synthetic inputs at national scale, in the real published layouts (deterministic seed).

FEVS: YEARS survey years of RESPONDENTS respondents × Q1-Q100 less the year's redactions (the sample
generator's latent model and layout; the Q columns the year does not declare are added and are
kept as text, not scored). Workforce: 12 monthly Federal Workforce Data employment snapshots of
EMPLOYEES rows plus separations and accessions files. A-11: every registry service provider over
8 quarters (era 1). Files land under <dir>/landing/ exactly where real files would go, so the
pipeline reads them as real data. Generation is not part of any timing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import polars as pl

from assets.fevs.sample import AGENCIES, generate_sample
from assets.workforce.sample import AGE_LABELS
from assets.cx.layouts import registry
from warehouse import reference

FEVS_YEARS = (2020, 2021, 2022, 2023, 2024)


def fevs_year(year: int, respondents: int) -> pl.DataFrame:
    df = generate_sample(year, respondents=respondents)
    have = [c for c in df.columns if c.startswith("Q")]  # the year's declared items only
    redacted = set(reference.survey_years()[year].redacted_items)
    # the other Q columns up to Q100, as OPM's files carry them: undeclared for the year, so kept as
    # text and not scored (only declared items are)
    extra = {f"Q{i}": df[have[i % len(have)]] for i in range(1, 101) if f"Q{i}" not in df.columns and f"Q{i}" not in redacted}
    return df.with_columns(**extra) if extra else df


def write_fevs(root: Path, years, respondents: int) -> list[Path]:
    out = []
    for y in years:
        path = root / "landing" / "fevs" / str(y) / f"FEVS_{y}_PRDF_synthetic.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fevs_year(y, respondents).write_csv(path)
        out.append(path)
    return out


def write_workforce(root: Path, months: int, employees: int) -> None:
    rng = np.random.default_rng(2026)
    agencies = [(a, s) for a, s, _ in AGENCIES if a != "XX"]
    weights = np.array([s for _, s in agencies]) / sum(s for _, s in agencies)
    codes = np.array([a for a, _ in agencies])
    labels = np.array([a for a, _, _ in AGE_LABELS], dtype=object)
    lookups = root / "landing" / "workforce" / "lookups"
    lookups.mkdir(parents=True, exist_ok=True)
    rows = ["AGYTYP,AGYTYPT,AGY,AGYT,AGYSUB,AGYSUBT"]
    rows += [f"1,Cabinet Level Agencies,{a},{a}-AGENCY {a},{a}{k:02d},{a}{k:02d}-COMPONENT {k}" for a in codes for k in range(1, 9)]
    (lookups / "DTagy.txt").write_text("\r\n".join(rows) + "\r\n")
    for m in range(months):
        y, mm = (2023, 10 + m) if m < 3 else (2024, m - 2)
        month = f"{y}{mm:02d}"
        folder = root / "landing" / "workforce" / month
        if (folder / f"employment_{month}.txt").exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        agency = codes[rng.choice(len(codes), size=employees, p=weights)]
        sub = np.char.add(agency.astype(str), np.char.zfill(rng.integers(1, 9, size=employees).astype(str), 2))
        age = rng.integers(0, len(labels), size=employees)
        los = np.round(np.clip(rng.gamma(2.0, 6.0, size=employees), 0, 45), 1)
        sup = rng.choice(np.array(["2", "4", "5", "6", "7", "8"]), p=[0.11, 0.01, 0.01, 0.02, 0.05, 0.80], size=employees)
        pl.DataFrame({"agency_code": agency, "agency_subelement_code": sub, "age_bracket": labels[age],
                      "length_of_service_years": los, "supervisory_status_code": sup,
                      "occupational_series_code": "0343", "grade": "12", "pay_plan_code": "GS", "count": "1",
                      "snapshot_yyyymm": month}).write_csv(folder / f"employment_{month}.txt", separator="|")
        for kind, codes_, share in (("separation", ["SC", "SD", "SA", "SJ"], 0.01), ("accession", ["AC", "AD", "AA"], 0.011)):
            n = int(employees * share)
            pick = rng.choice(employees, size=n, replace=False)
            pl.DataFrame({"agency_code": agency[pick], "agency_subelement_code": sub[pick], "age_bracket": labels[age[pick]],
                          "length_of_service_years": los[pick], "supervisory_status_code": sup[pick],
                          f"{kind}_category_code": rng.choice(codes_, size=n), "personnel_action_effective_date_yyyymm": month,
                          "count": "1"}).write_csv(folder / f"{kind}s_{month}.txt", separator="|")


def write_a11(root: Path) -> None:
    base = root / "landing" / "cx" / "a11_v1"
    base.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    vols, qs = [], []
    labels = ["Satisfaction", "Trust / Confidence", "Service Effectiveness", "Process / Ease", "Efficiency",
              "Process Transparency", "Helpful Employees"]
    for s in registry():
        hisp, service = s["service_provider_id"].split("-", 1)  # the dashboard's `<hisp>-<service>` slug
        for fy in (2022, 2023):
            for q in (1, 2, 3, 4):
                n = int(rng.integers(2_000, 200_000))
                vols.append({"hisp": hisp, "service": service, "year": fy, "quarter": q,
                             "universe": n * 40, "surveyed": n * 5, "respondents": n})
                for label in labels:
                    c = rng.multinomial(n, [0.05, 0.07, 0.13, 0.35, 0.40])
                    qs.append({"hisp": hisp, "service": service, "year": fy, "quarter": q,
                               "question": label, "average_score": round(float((c * np.arange(1, 6)).sum() / n), 2),
                               "description": label, "responses": n, **{f"count_{k + 1}": int(v) for k, v in enumerate(c)}})
    pl.DataFrame(vols).write_csv(base / "quarterly_volumes.csv")
    pl.DataFrame(qs).write_csv(base / "question_details.csv")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default="bench_out/data")
    ap.add_argument("--respondents", type=int, default=625_000)
    ap.add_argument("--employees", type=int, default=2_100_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--years", type=int, default=len(FEVS_YEARS))
    args = ap.parse_args(argv)
    root = Path(args.dir).resolve()
    t = time.perf_counter()
    write_fevs(root, FEVS_YEARS[-args.years:], args.respondents)
    write_workforce(root, args.months, args.employees)
    write_a11(root)
    print(f"generated under {root} in {time.perf_counter() - t:.0f}s")


if __name__ == "__main__":
    main()

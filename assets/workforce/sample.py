"""The embedded default for workforce data: a simulated workforce in the Federal Workforce Data layout.

About 15,000 synthetic employees across the sample agencies (the same OPM codes as the FEVS
sample, with FedScope-style sub-elements such as `AF02`) are followed month by month through FY2023
and FY2024 (October 2022 to September 2024): they age, gain service, quit, retire, transfer out or
are hired. Each month gets the three files OPM publishes on data.opm.gov, laid out as published:
pipe-delimited, unquoted, the real 64/68/69-column headers (warehouse/reference/fwd_columns.csv,
taken from OPM's July 2026 files), named `{employment|accessions|separations}_{yyyymm}_{version}.txt`
(the download pattern's names). One month (202401) is republished, as OPM does: its separations
exist as `_1` (incomplete) and `_2`, and the reader must take `_2`. Names are in the files
(`agency`, `agency_subelement`); a `DTagy.txt` for the sample agencies in FedScope's layout is
also written. A few separation counts are `*` and a few sub-element codes blank, as in OPM's files.
Quit rates carry the planted management trait (assets/sources/sample_world.py). Deterministic: the same
files every time. Every value is synthetic.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.reference import REFERENCE_DIR

from assets.sources.sample_world import AGENCIES, _seed
from assets.sources.files import ensure_sample_dir
from assets.sources.sample_world import monthly_quit_probability

SAMPLE_VERSION = 4
REPUBLISHED_MONTH = "202401"  # written as separations_202401_1.txt and _2.txt
FIRST_MONTH, MONTHS = (2022, 10), 24
EMPLOYEES_PER_SIZE_UNIT = 50  # ~6,400 people: a few MB a month in the real 64-column layout, enough for stable rates
AGE_LABELS = [("Less than 20", 0, 20), ("20-24", 20, 25), ("25-29", 25, 30), ("30-34", 30, 35), ("35-39", 35, 40),
              ("40-44", 40, 45), ("45-49", 45, 50), ("50-54", 50, 55), ("55-59", 55, 60), ("60-64", 60, 65),
              ("65 or more", 65, 200)]
AGENCY_NAMES = {"AF": "DEPARTMENT OF THE AIR FORCE", "AG": "DEPARTMENT OF AGRICULTURE", "AR": "DEPARTMENT OF THE ARMY",
                "CM": "DEPARTMENT OF COMMERCE", "DD": "DEPARTMENT OF DEFENSE", "DJ": "DEPARTMENT OF JUSTICE",
                "DL": "DEPARTMENT OF LABOR", "DN": "DEPARTMENT OF ENERGY", "ED": "DEPARTMENT OF EDUCATION",
                "EP": "ENVIRONMENTAL PROTECTION AGENCY", "GS": "GENERAL SERVICES ADMINISTRATION",
                "HE": "DEPARTMENT OF HEALTH AND HUMAN SERVICES", "HS": "DEPARTMENT OF HOMELAND SECURITY",
                "IN": "DEPARTMENT OF THE INTERIOR", "NN": "NATIONAL AERONAUTICS AND SPACE ADMINISTRATION",
                "NV": "DEPARTMENT OF THE NAVY", "SZ": "SOCIAL SECURITY ADMINISTRATION", "ST": "DEPARTMENT OF STATE",
                "TD": "DEPARTMENT OF TRANSPORTATION", "TR": "DEPARTMENT OF THE TREASURY",
                "HU": "DEPARTMENT OF HOUSING AND URBAN DEVELOPMENT", "OM": "OFFICE OF PERSONNEL MANAGEMENT",
                "SB": "SMALL BUSINESS ADMINISTRATION"}


def sample_months() -> list[str]:
    y, m = FIRST_MONTH
    out = []
    for _ in range(MONTHS):
        out.append(f"{y}{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def ensure_samples(layout) -> dict[str, Path]:
    """Write the sample (all months and the lookup) unless present; returns {yyyymm: folder}."""
    root = ensure_sample_dir(layout.samples("workforce"), SAMPLE_VERSION, _write_sample)
    return {m: root / m for m in sample_months()}


def fwd_columns() -> dict[str, list[str]]:
    """The published column order of each FWD file type (employment, accessions, separations): a copy of
    the reference read once a process (every month's files ask for it: read each time it was 0.2-0.4 s of a run)."""
    return {kind: list(cols) for kind, cols in _fwd_columns().items()}


@lru_cache(maxsize=1)
def _fwd_columns() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    with open(REFERENCE_DIR / "fwd_columns.csv", newline="") as f:
        for r in sorted(csv.DictReader(f), key=lambda r: (r["file_type"], int(r["position"]))):
            out.setdefault(r["file_type"], []).append(r["column"])
    return {kind: tuple(cols) for kind, cols in out.items()}


def _write_fwd(path: Path, file_type: str, df: pl.DataFrame) -> None:
    """Every published column, in OPM's order; columns the simulation does not model are left blank."""
    cols = fwd_columns()[file_type]
    df = df.with_columns([pl.lit("").alias(c) for c in cols if c not in df.columns])
    df.select([pl.col(c).cast(pl.String) for c in cols]).write_csv(path, separator="|", quote_style="never")


def _named(df: pl.DataFrame, month: str) -> pl.DataFrame:
    """Names and the constant descriptive columns FWD carries on every row."""
    return df.with_columns(
        pl.col("agency_code").replace_strict(AGENCY_NAMES, default="").alias("agency"),
        (pl.col("agency_code").replace_strict(AGENCY_NAMES, default="") + pl.lit(" COMPONENT ")
         + pl.col("agency_subelement_code").str.slice(2)).alias("agency_subelement"),
        pl.col("agency_code").alias("department_code"),
        pl.col("agency_code").replace_strict(AGENCY_NAMES, default="").alias("department"),
    )


def _scd(los: np.ndarray, month: str) -> list[str]:
    """service_computation_date_leave: the month's end minus the years of service, as YYYY-MM-DD."""
    end = np.datetime64(f"{month[:4]}-{month[4:]}", "M") + np.timedelta64(1, "M") - np.timedelta64(1, "D")
    days = np.round(np.asarray(los, dtype=float) * 365.25).astype("timedelta64[D]")
    return [str(d) for d in (end.astype("datetime64[D]") - days)]


def _age_label(age: np.ndarray) -> np.ndarray:
    labels = np.array([a for a, _, _ in AGE_LABELS], dtype=object)
    edges = np.array([lo for _, lo, _ in AGE_LABELS[1:]])
    return labels[np.searchsorted(edges, age, side="right")]


def _write_sample(folder: Path) -> None:
    rng = np.random.default_rng(_seed("workforce-sample", SAMPLE_VERSION))
    agencies = [(code, size, subs) for code, size, subs in AGENCIES if code != "XX"]
    subelements = {code: [f"{code}{k:02d}" for k in range(1, 2 + len(subs) // 2)] for code, _, subs in agencies}
    quit_base = {code: monthly_quit_probability(code) for code, _, _ in agencies}  # planted: see assets/sources/sample_world.py

    n0 = [int(size * EMPLOYEES_PER_SIZE_UNIT) for _, size, _ in agencies]
    agency = np.repeat([c for c, _, _ in agencies], n0).astype(object)
    sub = np.array([rng.choice(subelements[a]) for a in agency], dtype=object)
    age = rng.uniform(22, 66, size=len(agency))
    los = np.clip(age - 22 - rng.uniform(0, 15, size=len(agency)), 0, None)
    sup = rng.choice(["2", "4", "5", "6", "7", "8"], p=[0.11, 0.01, 0.01, 0.02, 0.05, 0.80], size=len(agency)).astype(object)

    lookups = folder / "lookups"
    lookups.mkdir(parents=True)
    rows = [{"AGYTYP": "1", "AGYTYPT": "Cabinet Level Agencies", "AGY": a, "AGYT": f"{a}-{AGENCY_NAMES[a]}",
             "AGYSUB": s, "AGYSUBT": f"{s}-{AGENCY_NAMES[a]} COMPONENT {s[2:]}"} for a, _, _ in agencies for s in subelements[a]]
    rows += [{"AGYTYP": "1", "AGYTYPT": "Cabinet Level Agencies", "AGY": a, "AGYT": f"{a}-{AGENCY_NAMES[a]}",
              "AGYSUB": f"{a}**", "AGYSUBT": f"{a}**-INVALID"} for a, _, _ in agencies]  # as in OPM's DTagy
    pl.DataFrame(rows).write_csv(lookups / "DTagy.txt", line_terminator="\r\n")

    for month in sample_months():
        mfolder = folder / month
        mfolder.mkdir()
        age += 1 / 12
        los += 1 / 12
        n = len(agency)
        # separations: quits (more in the first year), retirements (when eligible), transfers, other
        q = np.array([quit_base[a] for a in agency]) * np.where(los < 1, 2.5, 1.0)
        eligible = ((age >= 57) & (los >= 30)) | ((age >= 60) & (los >= 20)) | ((age >= 62) & (los >= 5))
        r = np.where(eligible, 0.012, 0.0003)
        t = np.full(n, 0.0012)
        o = np.full(n, 0.0006)
        u = rng.random(n)
        cat = np.full(n, "", dtype=object)
        cat[u < q] = "SC"
        cat[(u >= q) & (u < q + r)] = rng.choice(["SD", "SE", "SF", "SG"], p=[0.85, 0.03, 0.07, 0.05], size=int(((u >= q) & (u < q + r)).sum()))
        cat[(u >= q + r) & (u < q + r + t)] = "SA"
        mask_o = (u >= q + r + t) & (u < q + r + t + o)
        cat[mask_o] = rng.choice(["SJ", "SK", "SL", "SH"], p=[0.5, 0.15, 0.3, 0.05], size=int(mask_o.sum()))
        leaving = cat != ""
        y, m = int(month[:4]), int(month[4:])
        prev = f"{y - 1}12" if m == 1 else f"{y}{m - 1:02d}"
        eff = np.where(rng.random(int(leaving.sum())) < 0.1, prev, month)
        seps = pl.DataFrame({
            "agency_code": agency[leaving].tolist(), "agency_subelement_code": sub[leaving].tolist(),
            "age_bracket": _age_label(age[leaving]).tolist(), "length_of_service_years": np.round(los[leaving], 1),
            "supervisory_status_code": sup[leaving].tolist(), "separation_category_code": cat[leaving].tolist(),
            "personnel_action_effective_date_yyyymm": eff.tolist(), "count": ["1"] * int(leaving.sum()),
        })
        if seps.height > 3:  # OPM-style suppression marks on a few action rows
            seps = seps.with_columns(pl.when(pl.int_range(pl.len()) % 97 == 5).then(pl.lit("*")).otherwise(pl.col("count")).alias("count"))
        seps = _named(seps, month).with_columns(pl.lit("N").alias("drp_indicator"))
        if month == REPUBLISHED_MONTH:  # OPM's first release of the month, superseded by version 2
            _write_fwd(mfolder / f"separations_{month}_1.txt", "separations", seps.head(seps.height // 2))
        _write_fwd(mfolder / f"separations_{month}_{2 if month == REPUBLISHED_MONTH else 1}.txt", "separations", seps)
        keep = ~leaving
        agency, sub, age, los, sup = agency[keep], sub[keep], age[keep], los[keep], sup[keep]

        # accessions: hire back towards each agency's target headcount, which grows 0.2 % a month
        new_agency, new_sub, new_age, new_los, new_sup, new_cat = [], [], [], [], [], []
        for (a, size, _) in agencies:
            target = size * EMPLOYEES_PER_SIZE_UNIT * 1.002 ** (sample_months().index(month) + 1)
            k = int(rng.poisson(max(0.5, target - int((agency == a).sum()))))
            for _ in range(k):
                transfer = rng.random() < 0.15
                new_agency.append(a)
                new_sub.append(rng.choice(subelements[a]))
                new_age.append(rng.uniform(22, 50))
                new_los.append(rng.uniform(2, 20) if transfer else 0.0)
                new_sup.append("8" if rng.random() < 0.92 else "2")
                new_cat.append(rng.choice(["AA", "AB"], p=[0.9, 0.1]) if transfer else rng.choice(["AC", "AD", "AE"], p=[0.6, 0.39, 0.01]))
        accs = pl.DataFrame({
            "agency_code": new_agency, "agency_subelement_code": new_sub,
            "age_bracket": _age_label(np.array(new_age)).tolist() if new_age else [],
            "length_of_service_years": np.round(np.array(new_los, dtype=float), 1),
            "supervisory_status_code": new_sup, "accession_category_code": new_cat,
            "personnel_action_effective_date_yyyymm": [month] * len(new_agency), "count": ["1"] * len(new_agency),
        }, schema_overrides={"age_bracket": pl.String})
        _write_fwd(mfolder / f"accessions_{month}_1.txt", "accessions", _named(accs, month))
        agency = np.concatenate([agency, np.array(new_agency, dtype=object)])
        sub = np.concatenate([sub, np.array(new_sub, dtype=object)])
        age = np.concatenate([age, np.array(new_age, dtype=float)])
        los = np.concatenate([los, np.array(new_los, dtype=float)])
        sup = np.concatenate([sup, np.array(new_sup, dtype=object)])

        emp = pl.DataFrame({
            "agency_code": agency.tolist(), "agency_subelement_code": sub.tolist(), "age_bracket": _age_label(age).tolist(),
            "length_of_service_years": np.round(los, 1), "supervisory_status_code": sup.tolist(),
            "occupational_series_code": ["0343"] * len(agency), "grade": ["12"] * len(agency), "pay_plan_code": ["GS"] * len(agency),
            "count": ["1"] * len(agency), "snapshot_yyyymm": [month] * len(agency),
            "service_computation_date_leave": _scd(los, month),
        })
        emp = _named(emp, month)
        # a few rows with a blank sub-element code, as in OPM's early-2025 files
        blank = pl.int_range(pl.len()) % 1999 == 7
        emp = emp.with_columns([pl.when(blank).then(pl.lit("")).otherwise(pl.col(c)).alias(c)
                                for c in ("agency_subelement_code", "agency_subelement")])
        _write_fwd(mfolder / f"employment_{month}_1.txt", "employment", emp)

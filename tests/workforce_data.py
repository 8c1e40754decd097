"""A small workforce, worked out by hand (see test_workforce_formulas.py), in either OPM layout."""

from __future__ import annotations

from pathlib import Path

EMP_COLS = ["agency_code", "agency_subelement_code", "age_bracket", "length_of_service_years", "supervisory_status_code",
            "occupational_series_code", "grade", "pay_plan_code", "count", "snapshot_yyyymm"]
ACT_COLS = ["agency_code", "agency_subelement_code", "age_bracket", "length_of_service_years", "supervisory_status_code",
            "{kind}_category_code", "personnel_action_effective_date_yyyymm", "count"]


def months(first=(2022, 10), n=24) -> list[str]:
    y, m = first
    out = []
    for _ in range(n):
        out.append(f"{y}{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def fy(month: str) -> int:
    return int(month[:4]) + (1 if int(month[4:]) >= 10 else 0)


def employment(month: str) -> list[list]:
    big = fy(month) == 2024
    return [
        ["AA", "AA01", "50-54", "12.0", "8", "0343", "12", "GS", "99" if big else "90", month],
        ["AA", "AA01", "60-64", "25.0", "2", "0343", "14", "GS", "11" if big else "10", month],
        ["AA", "AA02", "65 or more", "6.0", "8", "0343", "11", "GS", "16", month],
        ["AA", "AA02", "30-34", "2.0", "4", "0343", "13", "GS", "4", month],
    ]


def separations(month: str) -> list[list]:
    rows = []
    if fy(month) == 2024:
        rows.append(["AA", "AA01", "25-29", "0.5", "8", "SC", month, "1"])  # a first-year quit every month
        if month == "202403":
            rows.append(["AA", "AA01", "60-64", "30.0", "8", "SD", month, "1"])
        if month == "202406":
            rows.append(["AA", "AA02", "40-44", "8.0", "8", "SA", month, "1"])
        if month == "202407":
            rows.append(["AA", "AA02", "40-44", "8.0", "8", "SC", month, "*"])  # suppressed by OPM
    if month == "202310":
        rows.append(["AA", "AA01", "35-39", "4.0", "8", "SC", "202309", "1"])  # late: counts in FY2023
    return rows


def accessions(month: str) -> list[list]:
    rows = [["AA", "AA01", "25-29", "0.0", "8", "AC", month, "3" if fy(month) == 2024 else "2"]]
    if month == "202405":
        rows.append(["AA", "AA02", "40-44", "7.0", "8", "AA", month, "1"])  # a transfer in, not a new hire
    return rows


def _write(path: Path, header: list[str], rows: list[list], delim: str = "|") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(delim.join(r) for r in [header, *rows]) + "\n")
    return path


def write_fwd_month(root: Path, month: str) -> Path:
    folder = root / "landing" / "workforce" / month
    _write(folder / f"FWD_employment_{month}.txt", EMP_COLS, employment(month))
    _write(folder / f"FWD_separations_{month}.txt", [c.format(kind="separation") for c in ACT_COLS], separations(month))
    _write(folder / f"FWD_accessions_{month}.txt", [c.format(kind="accession") for c in ACT_COLS], accessions(month))
    return folder


def write_agency_lookup(root: Path) -> Path:
    lines = ["AGYTYP,AGYTYPT,AGY,AGYT,AGYSUB,AGYSUBT",
             '2,Large Independent Agencies,AA,AA-TEST AGENCY,AA01,"AA01-OFFICE ONE, HEADQUARTERS"',
             "2,Large Independent Agencies,AA,AA-TEST AGENCY,AA02,AA02-OFFICE TWO"]
    path = root / "landing" / "workforce" / "lookups" / "DTagy.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path

"""The embedded default: deterministic sample PRDF extracts in OPM's real layout.

Generated (not downloaded, not copied) so the repository carries no survey data: for each survey
year a few thousand synthetic respondents across real OPM agency codes, POSTWT weights, X answers
and blanks, the pooled `XX` group and one agency too small to publish. The layout is each year's
file as OPM publishes it, from warehouse/reference/fevs_survey_years.csv and fevs_items.csv (facts
in ../shared/reference/README.md): the agency column's case, LEVEL1 only where OPM has it (2018,
2019, 2024), the 2023 `Year` column, `RandomID` mangled by Excel (`1.12971E+11`, or six
significant digits in 2022) so ids repeat, redacted items absent, the year's declared items only
(category items coded 1-4, yes/no 1-2, negatively worded items answered mostly in disagreement),
and intent to leave (`DLEAVING`; 2020 `DLEAVINGA/B/C`) in the year's own code order. Agency
effects are fixed per agency so rankings are stable across years. Every value is synthetic: rows
are marked `source_is_sample` in everything published from them. Three items carry a planted
agency trait that also drives the sample's internal CX (assets/sources/sample_world.py).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import polars as pl

from warehouse import reference

from assets.sources.sample_world import AGENCIES, TINY_AGENCY, _seed  # noqa: F401 (bench/generate.py reads AGENCIES here)

SAMPLE_VERSION = 4
RESPONDENTS_PER_YEAR = 2600
def sample_path(layout, year: int) -> Path:
    return layout.samples("fevs", str(year)) / f"fevs{year}_sample_prdf_v{SAMPLE_VERSION}.csv"


def ensure_sample(layout, year: int) -> Path:
    """Write the sample for `year` unless it is already there; returns its path."""
    path = sample_path(layout, year)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        generate_sample(year).write_csv(tmp)
        os.replace(tmp, path)
    return path


def mangle_ids(ids: np.ndarray, id_format: str) -> list[str]:
    """Respondent ids as Excel left them in OPM's re-issued files."""
    if id_format == "excel_scientific":  # 112971234567 -> 1.12971E+11
        return [f"{v:.5E}" for v in ids.tolist()]
    if id_format == "excel_6_significant":  # 112971234567 -> 112971000000
        return [str(int(float(f"{v:.6g}"))) for v in ids.tolist()]
    return [str(v) for v in ids.tolist()]


LEAVING_SHARES = {"no": 0.62, "within_government": 0.13, "outside_government": 0.08, "other": 0.12}  # rest blank


def generate_sample(year: int, respondents: int = RESPONDENTS_PER_YEAR) -> pl.DataFrame:
    sy = reference.survey_years()[year]
    declared = reference.declared_items(year)
    rng = np.random.default_rng(_seed("fevs-sample", year, SAMPLE_VERSION))

    sizes = np.array([s for _, s, _ in AGENCIES])
    counts = np.floor(sizes / sizes.sum() * respondents).astype(int)
    codes = [a for a, _, _ in AGENCIES] + [TINY_AGENCY[0]]
    counts = np.append(counts, TINY_AGENCY[1])
    agency = np.repeat(codes, counts)
    n = len(agency)

    level1 = np.empty(n, dtype=object)
    agency_effect = np.empty(n)
    level1_effect = np.zeros(n)
    weight_scale = np.empty(n)
    start = 0
    for (code, size, subs), cnt in zip(list(AGENCIES) + [(TINY_AGENCY[0], 0.05, "AA")], counts):
        a_rng = np.random.default_rng(_seed("agency", code))
        effect = a_rng.normal(0.0, 0.2)
        suffixes = [subs[i:i + 2] for i in range(0, len(subs), 2)]
        sub_effects = a_rng.normal(0.0, 0.2, size=max(len(suffixes), 1))
        pick = rng.integers(0, max(len(suffixes), 1), size=cnt)
        level1[start:start + cnt] = [f"{code}{suffixes[k]}" if suffixes else "" for k in pick]
        level1_effect[start:start + cnt] = sub_effects[pick]
        agency_effect[start:start + cnt] = effect + 0.03 * (year - 2018)
        weight_scale[start:start + cnt] = size * 4000 / max(cnt, 1)
        start += cnt
    if sy.level1_column is None:
        level1_effect[:] = 0.0

    from warehouse.reference import item_keys

    from assets.sources.sample_world import PLANTED_ITEMS, management  # the planted structure (assets/sources/sample_world.py)

    keyed = {r["item"]: r["item_key"] for r in item_keys() if r["survey_year"] == year}
    m_effect = np.repeat([management(c) for c in codes], counts)
    person = rng.normal(0.0, 1.0, size=n)
    cols: dict[str, object] = {}
    cols[sy.id_column] = mangle_ids((rng.permutation(n) * 7919 + 100_000_000_000 + year).astype(np.int64), sy.id_format)
    if sy.year_column:
        cols[sy.year_column] = np.full(n, str(year), dtype=object)
    cols[sy.agency_column] = agency
    if sy.level1_column:
        cols[sy.level1_column] = level1
    cols["DSEX"] = np.where(rng.random(n) < 0.45, "B", "A")
    cols["DSUPER"] = np.where(rng.random(n) < 0.2, "B", "A")
    code_of = {cat: code for code, cat in sy.leaving_codes.items()}
    cuts = np.cumsum(list(LEAVING_SHARES.values()))
    leaving_cols = ["DLEAVINGA", "DLEAVINGB", "DLEAVINGC"] if sy.leaving_column == "DLEAVINGB" else [sy.leaving_column]
    for col in leaving_cols:
        u = rng.random(n) - 0.1 * agency_effect  # more engaged agencies: fewer leavers
        k = np.searchsorted(cuts, u)
        cols[col] = np.array([code_of[c] for c in LEAVING_SHARES] + [""], dtype=object)[k]
    cols["POSTWT"] = np.round(weight_scale * rng.lognormal(0.0, 0.3, size=n), 10)
    thresholds = np.array([-1.6, -0.8, -0.1, 1.1])
    in_file = [(i, d) for i, d in declared.items() if d.in_file == "yes" and d.kind != "other"]
    for item, decl in sorted(in_file, key=lambda kv: reference.item_order(kv[0])):
        j = int(item[1:]) if item[1:].isdigit() else item  # Q items keep their seed of earlier versions
        i_rng = np.random.default_rng(_seed("item", j))
        difficulty = i_rng.normal(0.3, 0.4)
        latent = agency_effect + level1_effect + 0.8 * person + difficulty + rng.normal(0, 0.8, size=n)
        latent += PLANTED_ITEMS.get(keyed.get(item), 0.0) * m_effect
        u = rng.random(n)
        if decl.kind == "scale_5":
            # a negatively worded item (2022 Q12, Q34) is coded 1 = Strongly Agree ... 5 = Strongly Disagree in
            # OPM's file, so engaged people, who disagree, answer 4-5 there as on every other item
            answers = (np.searchsorted(thresholds, latent) + 1).astype(str).astype(object)
            if decl.has_x:  # the codebook's X option
                answers[u < 0.03] = "X"
        elif decl.response_codes == "1=Selected":  # a check-all option: 1 or blank
            answers = np.where(rng.random(n) < 0.3, "1", "").astype(object)
        else:  # category items 1-4, yes/no 1-2: not agreement scales
            answers = (rng.integers(1, 5 if decl.kind == "category" else 3, size=n)).astype(str).astype(object)
        answers[(u >= 0.03) & (u < 0.045)] = ""
        cols[item] = answers
    return pl.DataFrame({k: (v.tolist() if isinstance(v, np.ndarray) and v.dtype == object else v) for k, v in cols.items()})

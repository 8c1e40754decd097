"""The embedded default: deterministic sample PRDF extracts in OPM's real layout.

Generated (not downloaded, not copied) so the repository carries no survey data: for each survey
year a few thousand synthetic respondents across real OPM agency codes, with LEVEL1 sub-agencies,
POSTWT weights, X answers and blanks, the pooled `XX` group and one agency too small to publish.
Column names follow the year's layout (`AGENCY`/`RANDOM` to 2019, `agency`/`RandomID` after; no
`level1` in 2023). Agency effects are fixed per agency so rankings are stable across years. Every
value is synthetic: rows are marked `source_is_sample` in everything published from them.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import numpy as np
import polars as pl

from warehouse import reference

SAMPLE_VERSION = 1
RESPONDENTS_PER_YEAR = 2600
# (code, relative size, LEVEL1 suffixes): real OPM codes; sizes loosely follow agency headcounts
AGENCIES: tuple[tuple[str, float, str], ...] = (
    ("AF", 9, "AAACAD"), ("AG", 8, "ABACAF"), ("AR", 12, "ACAEBG"), ("CM", 5, "ARACBC"),
    ("DD", 8, "ADAF"), ("DJ", 9, "AAABAC"), ("DL", 3, "AEAG"), ("DN", 2, "AAAC"),
    ("ED", 1, "AA"), ("EP", 2, "ABAC"), ("GS", 2, "AAAB"), ("HE", 8, "AAABAC"),
    ("HS", 10, "ADAEAF"), ("IN", 6, "AAABAC"), ("NN", 2, "AAAB"), ("NV", 11, "ABACAD"),
    ("SZ", 7, "AAAB"), ("ST", 3, "AAAB"), ("TD", 5, "AAAF"), ("TR", 7, "ABACAD"),
    ("HU", 1, "AA"), ("OM", 1, "AA"), ("SB", 1, "AA"), ("XX", 1.2, ""),
)
TINY_AGENCY = ("FQ", 7)  # fewer respondents than the suppression threshold, on purpose


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "little")


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


def generate_sample(year: int, respondents: int = RESPONDENTS_PER_YEAR) -> pl.DataFrame:
    sy = reference.survey_years()[year]
    mapped = [int(i[1:]) for i in reference.required_items(year)]
    n_items = max(mapped) if not sy.scale_items else max(int(i[1:]) for i in sy.scale_items)
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

    person = rng.normal(0.0, 1.0, size=n)
    cols: dict[str, object] = {}
    id_name, agency_name, level1_name = ("RANDOM", "AGENCY", "LEVEL1") if year <= 2019 else ("RandomID", "agency", "level1")
    cols[id_name] = (rng.permutation(n) * 7919 + 100_000_000_000 + year).astype(np.int64)
    cols[agency_name] = agency
    if year != 2023:  # OPM's 2023 file has no sub-agency column
        cols[level1_name] = level1
    cols["DSEX"] = np.where(rng.random(n) < 0.45, "B", "A")
    cols["DSUPER"] = np.where(rng.random(n) < 0.2, "B", "A")
    cols["POSTWT"] = np.round(weight_scale * rng.lognormal(0.0, 0.3, size=n), 10)
    thresholds = np.array([-1.6, -0.8, -0.1, 1.1])
    for j in range(1, n_items + 1):
        i_rng = np.random.default_rng(_seed("item", j))
        difficulty = i_rng.normal(0.3, 0.4)
        latent = agency_effect + level1_effect + 0.8 * person + difficulty + rng.normal(0, 0.8, size=n)
        answers = (np.searchsorted(thresholds, latent) + 1).astype(str).astype(object)
        u = rng.random(n)
        if j >= 9:
            answers[u < 0.03] = "X"
        answers[(u >= 0.03) & (u < 0.045)] = ""
        cols[f"Q{j}"] = answers
    return pl.DataFrame({k: (v.tolist() if isinstance(v, np.ndarray) and v.dtype == object else v) for k, v in cols.items()})

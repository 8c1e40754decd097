"""The embedded sample's world, shared by every source's sample (assets/<source>/sample.py): its agencies,
their seeds, and the structure planted in it, so the factor screen has something true to find.

One latent agency trait, "management practice" m ~ N(0, 1) (fixed per agency, independent of the
general engagement effect the FEVS sample already gives every item and of agency size), drives:
  - three FEVS items, through their declared cross-year keys (warehouse/reference/fevs_item_keys.csv):
    knowing what is expected, managers communicating goals, being encouraged to find better ways;
  - the quit rate (better-managed agencies lose fewer people);
  - internal CX (GSA CSS, every function).
Every other candidate is noise with respect to internal CX. Indices that contain a planted item and
workforce rates built from quits carry the signal too: they are "derived", neither planted nor noise.
Public CX keeps following the general engagement effect (assets/cx/sample.py agency_effect), as before.
docs/methodology.md ("The planted structure of the embedded sample") states the numbers below.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

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


PLANTED_ITEMS = {"know_expected_job": 0.5, "managers_communicate_goals_organization": 0.5,
                 "encouraged_come_up_new_better_ways": 0.5}  # item key -> loading of m on the item's latent answer
QUIT_BASE, QUIT_LOADING = 0.0042, 0.45  # monthly quit probability = QUIT_BASE × exp(−QUIT_LOADING × m) × lognormal(0, 0.1)
INTERNAL_CX_BASE, INTERNAL_CX_LOADING = 5.2, 0.5  # CSS mean (1-7) = base + loading × m + noise
INTERNAL_CX_AGENCY_YEAR_SD, INTERNAL_CX_FUNCTION_SD = 0.2, 0.3
CSS_MISSING_AGENCIES = ("DD", "NV")            # never surveyed by CSS in the sample
CSS_MISSING_AGENCY_YEARS = (("IN", 2023),)     # skipped one year

PLANTED_CANDIDATES = {f"fevs_item:{k}": 1 for k in PLANTED_ITEMS} | {"workforce:quit_rate": -1}  # candidate -> sign
DERIVED_CANDIDATES = ("fevs_index:eei", "fevs_index:eei_intrinsic_work_experience", "fevs_index:eei_leaders_lead",
                      "workforce:separation_rate", "workforce:first_year_attrition_rate", "workforce:new_hire_rate")


def management(code: str) -> float:
    """The agency's planted management-practice trait m."""
    return float(np.random.default_rng(_seed("management", code)).normal(0.0, 1.0))


def monthly_quit_probability(code: str) -> float:
    noise = float(np.random.default_rng(_seed("quit", code)).lognormal(0.0, 0.1))
    return QUIT_BASE * math.exp(-QUIT_LOADING * management(code)) * noise

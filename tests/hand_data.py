"""A tiny 2018-layout PRDF whose scores were worked out by hand (see test_formulas.py)."""

from __future__ import annotations

ALL_ITEMS = [f"Q{i}" for i in range(1, 72)]
INTRINSIC = ["Q3", "Q4", "Q6", "Q11", "Q12"]
SUPERVISORS = ["Q47", "Q48", "Q49", "Q51", "Q52"]
LEADERS = ["Q53", "Q54", "Q56", "Q60", "Q61"]

# agency AA: 12 respondents with POSTWT 1..12 (weight sum 78)
Q1_AA = [5, 4, 3, 2, 1, "X", "", 4, 5, 1, 4, 2]
P_INTRINSIC = [5] * 6 + [1] * 6     # positive weight 1+…+6 = 21 of 78
P_SUPERVISORS = [1] * 6 + [5] * 6   # positive weight 7+…+12 = 57 of 78
P_LEADERS = [3] * 12                # nobody positive
GS = {"Q40": P_SUPERVISORS, "Q69": P_INTRINSIC, "Q70": [4] * 12, "Q71": [2] * 12}


def rows() -> list[dict]:
    out = []
    for k in range(12):
        r = {"RANDOM": 1000 + k, "AGENCY": "AA", "LEVEL1": "AAAA" if k < 6 else "AAAB", "POSTWT": k + 1}
        for item in ALL_ITEMS:
            r[item] = 4
        r["Q1"] = Q1_AA[k]
        for item in INTRINSIC:
            r[item] = P_INTRINSIC[k]
        for item in SUPERVISORS:
            r[item] = P_SUPERVISORS[k]
        for item in LEADERS:
            r[item] = P_LEADERS[k]
        for item, pattern in GS.items():
            r[item] = pattern[k]
        out.append(r)
    # agency BB: 9 respondents (below the threshold), weight 1, everything answered 4
    for k in range(9):
        r = {"RANDOM": 2000 + k, "AGENCY": "BB", "LEVEL1": "BBAA", "POSTWT": 1}
        r.update({item: 4 for item in ALL_ITEMS})
        out.append(r)
    return out


COLUMNS = ["RANDOM", "AGENCY", "LEVEL1", "POSTWT", *ALL_ITEMS]

"""One FEVS question across years: a stable question id per distinct wording, mapped to each year's item.

OPM renumbers items every year ("I recommend my organization as a good place to work" is Q40, Q40, Q17,
Q23, Q43, Q46, Q46 in 2018-2024), so a question is found by its wording, normalized: Unicode forms and
curly quotes folded, case, punctuation and whitespace ignored, and the codebooks' own typos corrected
(warehouse/reference/fevs_wording_fixes.csv). Items with the same normalized wording are one question;
the curated cross-year keys (fevs_item_keys.csv: index items whose wording OPM edited, `index_position`)
join the wordings they list into one question too, and then name it. Any other question is named by a
slug of its earliest wording (content words, at most six), made unique by the earliest year and item
where two wordings slug alike. A question holds at most one item a year, or loading fails.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache

from . import reference

FIXES_FILE = reference.REFERENCE_DIR / "fevs_wording_fixes.csv"
STOPWORDS = frozenset("""a about above after all am an and are as at be been by can do does doing for from had has have
how i in is it its me my of on or our than that the their this to was we were what when which with you your""".split())


@lru_cache(maxsize=1)
def wording_fixes() -> tuple[tuple[str, str], ...]:
    """(typo, correction) pairs, normalized, from fevs_wording_fixes.csv."""
    with FIXES_FILE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for n, r in enumerate(rows, start=2):
        if not (r["typo"].strip() and r["correction"].strip() and r["source"].strip()):
            raise reference.ReferenceError(f"{FIXES_FILE.name} row {n}: typo, correction and source are all required")
    return tuple((_fold(r["typo"]), _fold(r["correction"])) for r in rows)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "")).split())


def normalize(wording: str) -> str:
    """The wording as compared across years: folded, and the codebooks' typos corrected (whole words)."""
    text = f" {_fold(wording)} "
    for typo, fix in wording_fixes():
        text = text.replace(f" {typo} ", f" {fix} ")
    return text.strip()


def slug(norm: str) -> str:
    words = [w for w in norm.split() if w not in STOPWORDS]
    return "_".join(words[:6]) or "question"


def _find(parent: dict, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@lru_cache(maxsize=1)
def question_map() -> dict[tuple[int, str], dict]:
    """{(survey_year, item): {question_id, wording_norm, wording_changed}} for every declared item."""
    from .reference import item_keys

    decl = {(y, i): d for y, items in reference.item_declarations().items() for i, d in items.items()}
    norm = {k: normalize(d.wording) for k, d in decl.items()}
    parent = {k: k for k in decl}
    first_of: dict[str, tuple] = {}
    for k in sorted(decl):  # same normalized wording: one question
        if norm[k]:
            parent[_find(parent, k)] = _find(parent, first_of.setdefault(norm[k], k))
    curated: dict[str, tuple] = {}
    for r in item_keys():  # a curated key joins the wordings it lists
        k = (r["survey_year"], r["item"])
        parent[_find(parent, k)] = _find(parent, curated.setdefault(r["item_key"], k))
    groups: dict[tuple, list[tuple]] = {}
    for k in decl:
        groups.setdefault(_find(parent, k), []).append(k)
    keyed = {(r["survey_year"], r["item"]): r["item_key"] for r in item_keys()}
    out, used = {}, set()
    for members in sorted((sorted(m) for m in groups.values()), key=lambda m: (m[0][0], reference.item_order(m[0][1]))):
        years = [y for y, _ in members]
        if len(set(years)) != len(years):
            raise reference.ReferenceError(f"FEVS question holding two items of one year: {members} "
                                           "(fevs_items.csv wording or fevs_item_keys.csv)")
        names = {keyed[k] for k in members if k in keyed}
        if len(names) > 1:
            raise reference.ReferenceError(f"fevs_item_keys.csv: keys {sorted(names)} name one question {members}")
        qid = names.pop() if names else slug(norm[members[0]])
        if qid in used:
            qid = f"{qid}_{members[0][0]}_{members[0][1].lower()}"
        used.add(qid)
        previous = None
        for k in members:
            out[k] = {"question_id": qid, "wording_norm": norm[k],
                      "wording_changed": previous is not None and norm[k] != previous}
            previous = norm[k]
    return out


def question_ids(year: int) -> dict[str, str]:
    """{item: question_id} for one survey year."""
    return {i: q["question_id"] for (y, i), q in question_map().items() if y == year}


def question_rows() -> list[dict]:
    """(survey_year, item, item_order, question_id, wording_changed) per declared item: the dimensions' relation."""
    rows = sorted(question_map().items(), key=lambda kv: (kv[0][0], reference.item_order(kv[0][1])))
    order = {k: n for n, k in enumerate(sorted({k[1] for k, _ in rows}, key=reference.item_order))}
    return [{"survey_year": y, "item": i, "item_order": order[i], "question_id": q["question_id"],
             "wording_changed": q["wording_changed"]} for (y, i), q in rows]

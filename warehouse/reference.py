"""Reference knowledge kept as data: FEVS index definitions, the per-year item map, item kinds, survey years.

The files live in warehouse/reference/ and are checked here on load, so a typo in a map fails
loudly instead of producing a plausible wrong index.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).parent / "reference"
ITEM_MAP_FILE = REFERENCE_DIR / "fevs_item_map.csv"
INDEX_DEFINITIONS_FILE = REFERENCE_DIR / "fevs_index_definitions.csv"
SURVEY_YEARS_FILE = REFERENCE_DIR / "fevs_survey_years.csv"
ITEMS_FILE = REFERENCE_DIR / "fevs_items.csv"

ITEM_RE = re.compile(r"^Q([1-9][0-9]{0,2})$")
# an answer column that can be scored: Q12, and the 2020 COVID items V7, V17_01 (safe to splice into SQL)
SCORABLE_RE = re.compile(r"^[QV][1-9][0-9]{0,2}(_[0-9]{1,2})?$")
# any column the codebooks declare: items, check-all options (Q15_1, V22_03), demographics (DLEAVINGB)
DECLARED_RE = re.compile(r"^[A-Z][A-Z0-9]*(_[0-9]{1,2})?$")
IN_FILE = ("yes", "removed", "no")  # in OPM's file as published; removed by the re-issue; never a PRDF column


def item_order(item: str) -> tuple:
    """Sort key in codebook order: Q2 before Q10, Q15_1 after Q15, Q items before V items."""
    m = re.match(r"^([A-Z]+)([0-9]*)(?:_([0-9]+))?", item)
    return (m.group(1) != "Q", m.group(1), int(m.group(2) or 0), int(m.group(3) or 0), item)


class ReferenceError(ValueError):
    """A reference file is malformed, or a year it does not cover was asked for."""


@dataclass(frozen=True)
class IndexDefinition:
    code: str
    name: str
    computation: str  # mean_of_items | mean_of_indices
    components: tuple[str, ...]
    description: str


LEAVING_CATEGORIES = ("no", "within_government", "outside_government", "other")
ITEM_KINDS = ("scale_5", "category", "yes_no", "other")
ITEM_POLARITIES = ("positive", "negative")


@dataclass(frozen=True)
class SurveyYear:
    """One survey year's file as OPM publishes it, and how it pairs with fiscal years."""

    year: int
    fiscal_year: int                 # the fiscal year the scorecard pairs this survey with
    fiscal_year_basis: str           # fielded (inside that fiscal year) | straddled (across two)
    agency_column: str
    level1_column: str | None        # None: the year publishes agency and governmentwide rows only
    id_column: str
    id_format: str                   # integer | excel_scientific (1.12971E+11) | excel_6_significant
    year_column: str | None
    zip_member: str | None           # the CSV's path inside OPM's zip, when known
    redacted_items: tuple[str, ...]  # items OPM removed from the re-issued file: absent, not missing
    leaving_column: str              # intent to leave: DLEAVING (2020: DLEAVINGB, "today")
    leaving_codes: dict[str, str]    # answer code -> no | within_government | outside_government | other
    notes: str


@dataclass(frozen=True)
class ItemDeclaration:
    """One item a year's file carries, from OPM's codebooks: what kind of answer, which way is favourable."""

    year: int
    item: str
    kind: str      # scale_5 (1-5 agreement/satisfaction, X) | category | yes_no | other (demographics)
    polarity: str  # positive | negative (the wording: agreement is unfavourable) | '' for other kinds
    wording: str   # as OPM's codebook gives it
    response_codes: str = ""  # the codebook's codes (`1-5 X`, or `1=Strongly Agree;...` where labels are copied)
    positive_codes: tuple[int, ...] = ()  # favourable answers of a scale_5 item, as the codebook codes them
    indices: tuple[str, ...] = ()  # index codes the item feeds that year
    in_file: str = "yes"  # yes | removed (by OPM's re-issue: absent, not missing) | no (never a PRDF column)
    source: str = ""

    @property
    def scored(self) -> bool:
        return self.kind == "scale_5"

    @property
    def has_x(self) -> bool:
        """The codebook offers X (do not know / no basis to judge)."""
        return bool(re.search(r"(^|[ ;])X($|[ =;])", self.response_codes))

    @property
    def shared(self) -> bool:
        """Published as answer shares (fevs_item_shares), never as percent positive."""
        return self.kind in ("category", "yes_no")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _expand_items(spec: str, where: str) -> tuple[str, ...]:
    items: list[str] = []
    for part in spec.split():
        lo, _, hi = part.partition("-")
        mlo, mhi = ITEM_RE.match(lo), ITEM_RE.match(hi or lo)
        if not (mlo and mhi) or int(mhi.group(1)) < int(mlo.group(1)):
            raise ReferenceError(f"{where}: bad item range {part!r} (expected like Q1-Q71)")
        items += [f"Q{i}" for i in range(int(mlo.group(1)), int(mhi.group(1)) + 1)]
    return tuple(items)


@lru_cache(maxsize=1)
def index_definitions() -> dict[str, IndexDefinition]:
    defs: dict[str, IndexDefinition] = {}
    for n, r in enumerate(_rows(INDEX_DEFINITIONS_FILE), start=2):
        where = f"{INDEX_DEFINITIONS_FILE.name} row {n}"
        code = r["index_code"].strip()
        if not re.fullmatch(r"[a-z][a-z_]*", code) or code in defs:
            raise ReferenceError(f"{where}: index_code {code!r} is malformed or repeated")
        if r["computation"] not in ("mean_of_items", "mean_of_indices"):
            raise ReferenceError(f"{where}: computation {r['computation']!r} unknown")
        comps = tuple(r["components"].split())
        if (r["computation"] == "mean_of_indices") != bool(comps):
            raise ReferenceError(f"{where}: components go with mean_of_indices, and only with it")
        defs[code] = IndexDefinition(code, r["index_name"], r["computation"], comps, r["description"])
    for d in defs.values():
        for c in d.components:
            if c not in defs or defs[c].computation != "mean_of_items":
                raise ReferenceError(f"{INDEX_DEFINITIONS_FILE.name}: {d.code} component {c!r} is not an item index")
    return defs


@lru_cache(maxsize=1)
def item_map() -> dict[int, dict[str, tuple[str, ...]]]:
    """{survey_year: {index_code: (items…)}} for item-based indices only."""
    defs = index_definitions()
    out: dict[int, dict[str, list[str]]] = {}
    for n, r in enumerate(_rows(ITEM_MAP_FILE), start=2):
        where = f"{ITEM_MAP_FILE.name} row {n}"
        try:
            year = int(r["survey_year"])
        except ValueError:
            raise ReferenceError(f"{where}: survey_year {r['survey_year']!r} is not a year") from None
        code, item = r["index_code"], r["item"]
        if code not in defs or defs[code].computation != "mean_of_items":
            raise ReferenceError(f"{where}: index_code {code!r} is not an item-based index")
        if not ITEM_RE.match(item):
            raise ReferenceError(f"{where}: item {item!r} is not like Q53")
        items = out.setdefault(year, {}).setdefault(code, [])
        if item in items:
            raise ReferenceError(f"{where}: {item} listed twice for {code} {year}")
        items.append(item)
    return {y: {k: tuple(v) for k, v in m.items()} for y, m in out.items()}


def _leaving_codes(spec: str, where: str) -> dict[str, str]:
    codes = dict(part.split("=", 1) for part in spec.split() if "=" in part)
    if sorted(codes.values()) != sorted(LEAVING_CATEGORIES) or not all(re.fullmatch(r"[A-Z]", c) for c in codes):
        raise ReferenceError(f"{where}: leaving_codes {spec!r} must map one letter to each of {', '.join(LEAVING_CATEGORIES)}")
    return codes


@lru_cache(maxsize=1)
def survey_years() -> dict[int, SurveyYear]:
    years: dict[int, SurveyYear] = {}
    for n, r in enumerate(_rows(SURVEY_YEARS_FILE), start=2):
        where = f"{SURVEY_YEARS_FILE.name} row {n}"
        y = int(r["survey_year"])
        if r["fiscal_year_basis"] not in ("fielded", "straddled"):
            raise ReferenceError(f"{where}: fiscal_year_basis {r['fiscal_year_basis']!r} is not fielded or straddled")
        if r["id_format"] not in ("integer", "excel_scientific", "excel_6_significant"):
            raise ReferenceError(f"{where}: id_format {r['id_format']!r} unknown")
        redacted = _expand_items(r["redacted_items"], where) if r["redacted_items"].strip() else ()
        years[y] = SurveyYear(y, int(r["fiscal_year"]), r["fiscal_year_basis"], r["agency_column"],
                              r["level1_column"] or None, r["id_column"], r["id_format"], r["year_column"] or None,
                              r["zip_member"] or None, redacted, r["leaving_column"],
                              _leaving_codes(r["leaving_codes"], where), r["notes"])
    missing = set(item_map()) ^ set(years)
    if missing:
        raise ReferenceError(f"survey years and item map disagree on {sorted(missing)}")
    return years


@lru_cache(maxsize=1)
def item_declarations() -> dict[int, dict[str, ItemDeclaration]]:
    """{survey_year: {item: declaration}} from fevs_items.csv (every column of OPM's codebooks), checked
    against the index map and the re-issued files' redactions.

    A `scale_5` item is scored (percent positive: its positive_codes); category and yes/no items are
    published as answer shares; `other` columns (demographics) are kept as text. Items the re-issue removed
    stay declared (in_file `removed`): absent, not missing, and scored when an original file carries them.
    """
    out: dict[int, dict[str, ItemDeclaration]] = {}
    for n, r in enumerate(_rows(ITEMS_FILE), start=2):
        where = f"{ITEMS_FILE.name} row {n}"
        y, item, kind, pol = int(r["survey_year"]), r["item"], r["kind"], r["polarity"]
        if not DECLARED_RE.match(item) or (kind == "scale_5" and not SCORABLE_RE.match(item)):
            raise ReferenceError(f"{where}, column item: {item!r} is not like Q53 (a scale item) or DLEAVING")
        if kind not in ITEM_KINDS:
            raise ReferenceError(f"{where}: kind {kind!r} is not one of {', '.join(ITEM_KINDS)}")
        if (kind == "scale_5") != (pol in ITEM_POLARITIES) or (kind != "scale_5" and pol):
            raise ReferenceError(f"{where}: a scale_5 item has polarity positive or negative; other kinds none")
        positive = tuple(int(c) for c in r["positive_codes"].split() if c.isdigit())
        if (kind == "scale_5") != bool(positive) or any(c not in range(1, 6) for c in positive):
            raise ReferenceError(f"{where}, column positive_codes: {r['positive_codes']!r} (a scale_5 item lists its "
                                 "favourable codes 1-5, other kinds none)")
        if r["in_file"] not in IN_FILE:
            raise ReferenceError(f"{where}, column in_file: {r['in_file']!r} is not one of {', '.join(IN_FILE)}")
        if item in out.setdefault(y, {}):
            raise ReferenceError(f"{where}: {item} declared twice for {y}")
        out[y][item] = ItemDeclaration(y, item, kind, pol, r["wording"], r["response_codes"], positive,
                                       tuple(c for c in r["indices"].split(";") if c), r["in_file"], r["source"])
    _check_declarations(out)
    return out


def _check_declarations(out: dict[int, dict[str, ItemDeclaration]]) -> None:
    years = survey_years()
    for y, leaf in item_map().items():
        decl = out.get(y, {})
        for code, items in leaf.items():
            for item in items:
                d = decl.get(item)
                if d is None or d.kind != "scale_5" or code not in d.indices:
                    raise ReferenceError(f"{ITEMS_FILE.name}: index item {item} of {y} ({code}) must be declared "
                                         "scale_5 with the index in its indices")
        listed = {(code, i) for code, its in leaf.items() for i in its}
        extra = sorted((d.item, c) for d in decl.values() for c in d.indices
                       if (c, d.item) not in listed and c in index_definitions() and not index_definitions()[c].components)
        if extra:
            raise ReferenceError(f"{ITEMS_FILE.name}: {y} items {extra} name an index fevs_item_map.csv does not list them in")
        removed = {i for i, d in decl.items() if d.in_file == "removed"}
        if removed != set(years[y].redacted_items):
            raise ReferenceError(f"{ITEMS_FILE.name}: {y} items removed by the re-issue {sorted(removed, key=item_order)} "
                                 f"differ from {SURVEY_YEARS_FILE.name} redacted_items {list(years[y].redacted_items)}")


def fevs_fiscal_year_rows() -> list[dict]:
    """(survey_year, fiscal_year, fiscal_year_basis) per FEVS year: the pairing the scorecard uses, as data."""
    return [{"survey_year": y.year, "fiscal_year": y.fiscal_year, "fiscal_year_basis": y.fiscal_year_basis}
            for y in survey_years().values()]


def declared_items(year: int) -> dict[str, ItemDeclaration]:
    """Items a file for `year` carries, declared (an empty map for a year the map does not cover)."""
    return item_declarations().get(year, {})


def supported_years() -> list[int]:
    return sorted(survey_years())


def indices_for_year(year: int) -> dict[str, tuple[str, ...]]:
    """Every index computable in `year`, composite ones included, with the items behind each."""
    if year not in item_map():
        raise ReferenceError(
            f"FEVS survey year {year} is not in {ITEM_MAP_FILE.name} (known: {supported_years()}); "
            "add its item numbers there rather than guessing"
        )
    leaf = item_map()[year]
    out = dict(leaf)
    for d in index_definitions().values():
        if d.computation == "mean_of_indices" and all(c in leaf for c in d.components):
            out[d.code] = tuple(i for c in d.components for i in leaf[c])
    return out


def required_items(year: int) -> tuple[str, ...]:
    """Items a file for `year` must carry: those an index needs that OPM's file as published has (items the
    re-issue removed, e.g. the DEIA items of 2022-2023, are absent, not missing: their indices are then not computed)."""
    decl = declared_items(year)
    items = set(i for its in indices_for_year(year).values() for i in its if decl.get(i) and decl[i].in_file == "yes")
    return tuple(sorted(items, key=item_order))


REMOTE_SOURCES_FILE = REFERENCE_DIR / "remote_sources.csv"


@dataclass(frozen=True)
class RemoteSource:
    """One published file cxex can fetch: which source, which partition folder, where from."""

    source: str     # a kind a source spec declares it receives (assets/<source>/spec.py `remote`)
    partition: str  # survey year, yyyymm (or `lookups`), or a label for CX files (any text)
    url: str
    sha256: str | None

    @property
    def name(self) -> str:
        return f"{self.source}/{self.partition}"


def is_url_template(url: str) -> bool:
    """A URL pattern with `{placeholders}` (e.g. FWD's `{type}_{yyyymm}_{version}.txt`), not one file."""
    return bool(re.search(r"\{[a-z_]+\}", url))


def remote_sources(path: str | Path | None = None, templates: bool = False, kinds=None) -> list[RemoteSource]:
    """Rows of remote_sources.csv (or $CXEX_REMOTE_SOURCES) that have a URL, checked (`source` against
    `kinds` when given: the kinds the sources' specs receive, assets/landing.py `remote_files`).

    Rows whose URL is a pattern (`{yyyymm}`, `{type}`, `{version}`: Federal Workforce Data, published
    one file per type, month and version) are left out unless `templates`, which gives only them:
    the fetch command expands them; observing and fetching "every remote file" uses the others.
    """
    from .settings import other

    path = Path(path or other("remote_sources") or REMOTE_SOURCES_FILE)
    out, seen = [], set()
    for n, row in enumerate(_rows(path), start=2):
        url = (row.get("url") or "").strip()
        if not url or is_url_template(url) != templates:
            continue
        where = f"{path}, row {n}"
        source, partition = row["source"].strip(), row["partition"].strip()
        if kinds is not None and source not in kinds:
            raise ReferenceError(f"{where}, column source: {source!r} is not one of {', '.join(kinds)}")
        if not re.match(r"^(https?|file)://", url):
            raise ReferenceError(f"{where}, column url: {url!r} is not an http(s) URL")
        sha = (row.get("sha256") or "").strip().lower() or None
        if sha and not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise ReferenceError(f"{where}, column sha256: not a SHA-256 hex digest")
        if (source, partition, url) in seen:
            raise ReferenceError(f"{where}: duplicate of an earlier row")
        seen.add((source, partition, url))
        out.append(RemoteSource(source, partition, url, sha))
    return out


PUBLISHED_ROWS_FILE = REFERENCE_DIR / "fevs_published_rows.csv"


@lru_cache(maxsize=1)
def published_rows() -> dict[int, int | None]:
    """{survey_year: respondent rows in OPM's published file} (None where not recorded), from fevs_published_rows.csv:
    the basis of the plausible-size floor a landed file must reach (CXEX_FEVS_MIN_SHARE of it)."""
    out: dict[int, int | None] = {}
    for n, r in enumerate(_rows(PUBLISHED_ROWS_FILE), start=2):
        y = int(r["survey_year"])
        if y in out:
            raise ReferenceError(f"{PUBLISHED_ROWS_FILE.name} row {n}: {y} listed twice")
        out[y] = int(r["published_rows"]) if r["published_rows"].strip() else None
    return out


ITEM_KEYS_FILE = "fevs_item_keys.csv"

def item_keys(path=None) -> list[dict]:
    """warehouse/reference/fevs_item_keys.csv (survey_year, item, item_key, basis, label), checked:
    a key names at most one item a year, and every row's item is declared for its year."""
    path = path or REFERENCE_DIR / ITEM_KEYS_FILE
    with open(path, newline="") as f:
        rows = [{**r, "survey_year": int(r["survey_year"])} for r in csv.DictReader(f)]
    seen: set[tuple[int, str]] = set()
    for i, r in enumerate(rows, start=2):
        if (r["survey_year"], r["item_key"]) in seen:
            raise ReferenceError(f"{path.name}: row {i}, column item_key: {r['item_key']!r} names two items in {r['survey_year']}")
        seen.add((r["survey_year"], r["item_key"]))
        if r["item"] not in declared_items(r["survey_year"]):
            raise ReferenceError(f"{path.name}: row {i}, column item: {r['item']} is not declared for {r['survey_year']} in fevs_items.csv")
        if r["basis"] not in ("index_position", "same_wording"):
            raise ReferenceError(f"{path.name}: row {i}, column basis: {r['basis']!r}")
    return rows

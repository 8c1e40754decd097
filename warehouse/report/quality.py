"""The data-quality page's content: the checks of the last runs (counted as `make run` counts them),
each source's partitions as passed, warned (amber) or failed (red), the offending values and the files
they came from, and the publishers' known defects listed once, as published (warehouse/known_defects.py).

Check verdicts come from the Dagster instance (each check's latest evaluation: `assets/report.py`);
the partitions from the stored validation results. A validation over a whole range or over the
publication (`202210..202409`, `current`) is a check of the run, not a partition: it is listed with the
checks and never counted as a partition.
"""

from __future__ import annotations

import json

from ..known_defects import defect_of


def check_counts(checks) -> dict[str, int]:
    """Asset check evaluations, as (passed, severity) pairs: run, passed, warned (failed, severity WARN), failed.
    `make run`'s summary counts with this too (pipelines/summary.py)."""
    counts = {"run": 0, "passed": 0, "warned": 0, "failed": 0}
    for passed, severity in checks:
        counts["run"] += 1
        counts["passed" if passed else "warned" if severity == "WARN" else "failed"] += 1
    return counts


def counts(checks: list[dict]) -> dict[str, int]:
    """run / passed / warned / failed of the page's checks, as `make run` prints them."""
    return check_counts([(c["passed"], c["severity"]) for c in checks])


def _status(c: dict) -> str:
    return "pass" if c["passed"] else ("warn" if c["severity"] == "WARN" else "fail")


def check_rows(checks: list[dict]) -> list[dict]:
    """Failures first, then warnings, then the rest (each by asset and name)."""
    order = {"fail": 0, "warn": 1, "pass": 2}
    return sorted(({**c, "status": _status(c)} for c in checks), key=lambda c: (order[c["status"]], c["asset"], c["check"]))


def is_partition(key: str | None) -> bool:
    return bool(key) and ".." not in key and key != "current"


def sources(validations: list[dict], checks: list[dict]) -> tuple[list[dict], list[dict]]:
    """(per asset: its real partitions with status and failures in words; the known defects, each once)."""
    blocked = {(c["asset"], p) for c in checks if not c["passed"] and c["severity"] != "WARN" for p in c["failed_partitions"]}
    defects: dict[str, dict] = {}
    out: dict[str, list[dict]] = {}
    for v in validations:
        if not is_partition(v["partition"]):
            continue
        news = []
        for f in v["failures"] or []:
            d = defect_of(v["asset"], f["expectation"], f["col"])
            if d:
                entry = defects.setdefault(d.title, {"defect": d, "partitions": [], "examples": []})
                entry["partitions"].append(v["partition"])
                entry["examples"] += json.loads(f["sample_values"] or "[]")[:2]
            else:
                news.append(failure_words(f))
        status = "fail" if (v["asset"], v["partition"]) in blocked else "warn" if news else "pass"
        out.setdefault(v["asset"], []).append({**v, "status": status, "failures_text": news})
    assets = [{"asset": a, "partitions": ps, "failed": sum(p["status"] == "fail" for p in ps),
               "warned": sum(p["status"] == "warn" for p in ps), "last": max(p["validated_at"] for p in ps),
               "kinds": input_kinds(ps)} for a, ps in out.items()]
    known = [{"title": e["defect"].title, "why": e["defect"].why, "asset": e["defect"].asset,
              "partitions": sorted(set(e["partitions"])), "examples": list(dict.fromkeys(map(str, e["examples"])))[:3]}
             for e in defects.values()]
    return assets, known


def input_kinds(partitions: list[dict]) -> str:
    """Whether a source's validated inputs were the generated sample, landed files, or both."""
    files = [f.strip() for p in partitions for f in (p["source_files"] or "").split(",")]
    kinds = {"sample" if f.startswith("samples/") else "landed" if f.startswith("landing/") else "reference" for f in files if f}
    return " and ".join(sorted(kinds)) or "n/a"


def failure_words(f: dict) -> str:
    """A failing expectation in words: what was expected, how many rows broke it, the offending values
    (an empty text shown as "" so it is seen), the rows, and the file they came from."""
    what = f["expectation"].removeprefix("expect_").replace("_", " ")
    text = f"Expected {what}" + (f" (column {f['col']})" if f["col"] else "")
    if f["unexpected"] is not None:
        text += f": {f['unexpected']:,} value(s) did not"
    elif f["observed"] is not None:
        text += f": observed {f['observed']}"
    if f["sample_values"]:
        text += f", e.g. {', '.join(json.dumps(v) if v in ('', None) else str(v) for v in json.loads(f['sample_values'])[:3])}"
    if f["sample_rows"]:
        text += f" at row(s) {', '.join(map(str, json.loads(f['sample_rows'])[:5]))}"
    return text + f" [from {f['file'] or 'no file'}; suite {f['suite']}]"

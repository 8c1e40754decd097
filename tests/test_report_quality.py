"""The data-quality page tells warnings from failures (issue 33 item 5), on the site `make run` built from
the embedded default (the session's `default_run`): its check counts are the ones `make run` printed
(it showed "raw/fevs_responses: 6 with failing expectations" in red where make run said "0 failed, 3
warned"); warnings are amber, failures red; the crosswalk's warning names the offending identifier
(`multi-rec`, from the A-11 data) instead of an invisible empty value blamed on the reference file; only
real partitions are listed (no "202210..202409"); OPM's Excel-mangled respondent ids are listed once,
as published; and `make run` says so in one short line instead of 700 characters."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import copy_default_run
from warehouse.report.quality import is_partition


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def quality_run(default_run, tmp_path_factory):
    """`make run SOURCE=css` on a copy of the default run (fast; its site is its own, so no other test's
    rebuild of the shared site interferes): (data_dir, stdout, the quality page)."""
    import contextlib
    import io

    from pipelines import run as run_module

    data_dir = copy_default_run(default_run, tmp_path_factory.mktemp("quality") / "data")
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CXEX_DATA_DIR", str(data_dir))
        mp.delenv("DAGSTER_HOME", raising=False)
        with contextlib.redirect_stdout(out):
            assert run_module.main(["--source", "css"]) == 0
    return data_dir, default_run[1], out.getvalue(), (data_dir / "publish" / "report" / "quality.html").read_text()


def test_the_quality_page_counts_the_checks_as_make_run_does(quality_run):
    _, _, out, page = quality_run
    printed = re.search(r"^Checks: (\d+) run, (\d+) passed, (\d+) warned, (\d+) failed$", out, re.M)
    assert printed, out[-3000:]
    shown = re.search(r"Checks: (\d+) run, (\d+) passed , (\d+) warned \(never blocking\), (\d+) failed", _text(page))
    assert shown and shown.groups() == printed.groups(), (shown and shown.groups(), printed.groups())
    assert int(printed.group(3)) > 0  # the sample run has warnings: the page must show them as warnings
    rows = re.findall(r'<th scope="row">([a-z_]+)</th><td>[^<]*</td><td class="(pass|warn|fail)">', page)
    assert sum(s == "warn" for _, s in rows) == int(printed.group(3)) and sum(s == "fail" for _, s in rows) == 0
    assert 'class="warn"' in page and not re.search(r'<td class="fail">', page)  # amber, never red, on a clean run


def test_offending_values_real_partitions_and_known_defects_once(quality_run):
    _, out, _, page = quality_run
    text = _text(page)
    assert "a11_service_provider:multi-rec" in text and "A-11 CX service providers" in text
    assert "e.g. ." not in text and "e.g. [''" not in text
    partitions = re.findall(r'<tr><th scope="row">([^<]*)</th>\s*<td class="(?:pass|warn|fail)">', page)
    assert partitions and all(is_partition(p) for p in partitions), [p for p in partitions if not is_partition(p)]
    validations = page[page.index('id="validations"'):page.index('id="freshness"')]
    assert "202210..202409" not in validations and "landed" not in _text(validations)  # the sample run landed nothing
    known = _text(page[page.index('id="as-published"'):page.index('id="validations"')])
    assert known.count("FEVS respondent ids repeat (Excel-mangled RandomID)") == 1  # once, as published
    assert "Excel-mangled" not in _text(page[page.index('id="validations"'):])  # not a warning per year
    first = out.splitlines()[2]
    warning = next(line for line in out.splitlines() if "fevs_responses_warnings" in line)
    assert len(warning) < 220 and "as published" in warning, warning
    assert len(first) < 220, first

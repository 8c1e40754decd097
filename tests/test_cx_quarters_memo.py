"""`make run` asks which A-11 quarters have data before the A-11 run, and the publication's A-11 publishers ask
again (assets/cx/files.py `quarters_in`): a set of landed files already read in the process is answered from
memory, keyed by the files' content digests, so a file replaced at the same path is read again. Layout:
performance.gov's own per-service file `va-vha.csv` (../shared/reference/cx/a11_v1_real)."""

import csv
import os

import pytest

from assets.cx import files as cf
from assets.sources.files import SourceFileError
from warehouse.layout import DataLayout


def _land(reference, root, year=None):
    base = root / "landing" / "cx" / "a11_v1"
    base.mkdir(parents=True, exist_ok=True)
    with open(reference / "cx" / "a11_v1_real" / "va-vha.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if year is not None:  # the same file, its quarters moved to another year (same size: 4 digits for 4)
        at = [h.strip().lower() for h in rows[0]].index("year")
        for row in rows[1:]:
            row[at] = str(year)
    path = base / "va-vha.csv"
    before = path.stat() if path.exists() else None
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    if before is not None:  # same size and modification time as the file it replaces: only its content differs
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    return path


def test_the_same_files_are_read_once_and_a_replaced_file_is_read_again(reference, tmp_path):
    layout = DataLayout(tmp_path)
    _land(reference, tmp_path)
    first = cf.quarters_in(cf.a11_files(layout))
    assert first == {(2020, 1), (2020, 2)}
    first.add((1999, 1))  # a caller's set is its own
    assert cf.quarters_in(cf.a11_files(layout)) == {(2020, 1), (2020, 2)}
    _land(reference, tmp_path, year=2021)
    assert cf.quarters_in(cf.a11_files(layout)) == {(2021, 1), (2021, 2)}


def test_a_file_that_fails_is_not_remembered(reference, tmp_path):
    layout = DataLayout(tmp_path)
    path = _land(reference, tmp_path)
    good = path.read_text()
    path.write_text(good.replace("305079", "3.5", 1))
    for _ in range(2):  # the error each time, not a remembered answer
        with pytest.raises(SourceFileError, match=r"va-vha\.csv: row 2, column response_count"):
            cf.quarters_in(cf.a11_files(layout))
    path.write_text(good)
    assert cf.quarters_in(cf.a11_files(layout)) == {(2020, 1), (2020, 2)}

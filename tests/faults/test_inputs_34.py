"""Inputs (issue 34 item 5): an empty landed file fails its own source only; a compressed bomb is refused
while it inflates, in bounded memory; a file name with a newline cannot forge an output line.

Layouts: the A-11 file name is performance.gov's `hisp-quarterly-data.csv` (warehouse/reference/
remote_sources.csv); the FEVS one a PRDF CSV in gzip, as OPM's .csv.gz downloads (tests/hand_data.py columns).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

from tests import hand_data
from tests.conftest import land, write_prdf
from tests.faults.publication_support import REPO


def test_an_empty_a11_file_fails_a11_only_and_the_rest_publishes(data_dir, monkeypatch, capsys):
    from pipelines import run as run_module

    empty = data_dir / "landing" / "cx" / "a11_v1" / "hisp-quarterly-data.csv"
    empty.parent.mkdir(parents=True)
    empty.write_bytes(b"")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert run_module.main([]) == 1
    captured = capsys.readouterr()
    assert "cxex: A-11 CX failed; A-11 CX tables keep their last good version:" in captured.err, captured.err
    assert f"{empty}: row 1: header not recognised" in captured.err
    assert "Traceback" not in captured.err
    published = captured.out.split("cxex: republished ", 1)[1].splitlines()[0]
    assert "fevs_item_scores" in published and "workforce_metrics" in published, published
    pending = data_dir / "publish" / ".pending"
    assert not pending.exists() or list(pending.iterdir()) == []  # nothing left staged behind


BOMB = """
import sys
from pathlib import Path
from assets.sources.integrity import open_archive_member
from assets.sources.files import SourceFileError
path = Path(sys.argv[1])
raw = path.read_bytes()
try:
    open_archive_member(path, raw, lambda names: names)
    print("read")
except SourceFileError as e:
    print("refused:", e)
# VmHWM: this process image's peak (ru_maxrss would carry over pytest's peak from before the exec)
print("peak_mb", next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM")) // 1024)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak memory read from Linux's /proc")
def test_a_gzip_bomb_is_refused_while_it_inflates_in_bounded_memory(tmp_path):
    """1 GiB of zeros gzipped (~1 MB): refused at the ratio after ~100 MB at most, not after inflating it all."""
    bomb = tmp_path / "2023.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as g:
        block = b"\0" * (1 << 24)
        for _ in range(64):
            g.write(block)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    out = subprocess.run([sys.executable, "-c", BOMB, str(bomb)], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "refused:" in out.stdout and "compression ratio" in out.stdout, out.stdout + out.stderr
    peak = int(out.stdout.split("peak_mb")[1])
    assert peak < 480, f"peak RSS {peak} MB"  # the budget; the whole inflate took 1.5 GB


def test_a_plain_gzip_prdf_still_reads(tmp_path):
    from assets.sources.integrity import open_archive_member

    csv = write_prdf(land(tmp_path, 2018, "prdf.csv"), hand_data.rows(), hand_data.COLUMNS)
    gz = csv.with_name("prdf.csv.gz")
    gz.write_bytes(gzip.compress(csv.read_bytes()))
    data, name = open_archive_member(gz, gz.read_bytes(), lambda names: names)
    assert data == csv.read_bytes() and name == "prdf.csv"


@pytest.mark.parametrize("bad", ["evil\ncxex: republished 0 table(s)", "bell\x07.csv", "line\u2028sep.csv"])
def test_a_file_name_with_control_characters_is_printed_escaped(tmp_path, bad):
    from assets.sources.files import SourceFileError

    msg = str(SourceFileError(f"{tmp_path / bad}: row 1: header not recognised"))
    assert len(msg.splitlines()) == 1 and "\x07" not in msg and "\u2028" not in msg, repr(msg)
    assert "evil\\ncxex" in msg or "bell\\x07" in msg or "line\\u2028sep" in msg

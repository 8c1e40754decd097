"""`make fetch` (python -m assets.sources.fetch fetch) against a local server laid out like OPM's.

The served paths are the real addresses of warehouse/reference/remote_sources.csv with the host
replaced by 127.0.0.1 (the test rewrites only the scheme and host of the real file's rows):
- FEVS: `/media/<id>/<year>_opm_fevs_prdf_revised.zip`, each a zip holding the member name OPM's
  file has (../shared/reference/README.md: e.g. `2019/2019_OPM_FEVS_PRDF_Redacted.csv`,
  `FEVS_2020_PRDF.csv`);
- Federal Workforce Data: `/api/blob/download/chunked/{type}_{yyyymm}_{version}.txt`, with
  202409's separations republished as version 2 (OPM's pattern, README "FWD download"), the files
  pipe-delimited with the real FWD header lines (fwd_columns.csv, equal to OPM's; test_workforce_fwd.py).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from assets.sources.fetch import main as download_main
from assets.workforce.files import month_files
from assets.workforce.sample import fwd_columns
from warehouse.layout import DataLayout
from warehouse.reference import REMOTE_SOURCES_FILE

MEMBERS = {2019: "2019/2019_OPM_FEVS_PRDF_Redacted.csv", 2020: "FEVS_2020_PRDF.csv", 2021: "2021_OPM_FEVS_PRDF.csv",
           2022: "2022_OPM_FEVS_PRDF_revised.csv", 2023: "2023/2023_OPM_FEVS_PRDF_Redacted.csv",
           2024: "2024_OPM_FEVS_PRDF_revised.csv"}
FWD = "/api/blob/download/chunked/"


@pytest.fixture
def local_sources(server, tmp_path, monkeypatch, data_dir):
    """The real remote_sources.csv, its hosts pointed at the local server."""
    text = re.sub(r"https://(www|data)\.opm\.gov", server.url, REMOTE_SOURCES_FILE.read_text())
    path = tmp_path / "remote_sources.csv"
    path.write_text(text)
    monkeypatch.setenv("CXEX_REMOTE_SOURCES", str(path))
    return list(csv.DictReader(io.StringIO(text)))


def _zip(member: str, body: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, body)
    return buf.getvalue()


def _fwd(file_type: str, month: str, rows: int) -> bytes:
    cols = fwd_columns()[file_type]
    values = {"agency_code": "AA", "agency_subelement_code": "AA01", "agency": "TEST AGENCY", "count": "1",
              "snapshot_yyyymm": month, "personnel_action_effective_date_yyyymm": month, "age_bracket": "40-44",
              "length_of_service_years": "5.0", "supervisory_status_code": "8", "separation_category_code": "SC",
              "accession_category_code": "AC", "drp_indicator": "N"}
    return ("\n".join(["|".join(cols)] + ["|".join(values.get(c, "") for c in cols)] * rows) + "\n").encode()


def test_fevs_range_fetches_the_six_zips_with_their_real_member_names(server, local_sources, data_dir):
    for row in local_sources:
        if row["source"] == "fevs" and row["partition"].isdigit() and row["url"]:
            year = int(row["partition"])
            server.files[row["url"].removeprefix(server.url)] = _zip(MEMBERS[year], b"AGENCY,POSTWT,Q1\nAG,1.5,4\n")
    assert download_main(["fetch", "--source", "fevs", "--from", "2019", "--to", "2024"]) == 0
    landed = sorted(p.relative_to(data_dir / "landing").as_posix() for p in (data_dir / "landing" / "fevs").rglob("*.zip"))
    assert landed == [f"fevs/{y}/{y}_opm_fevs_prdf_revised.zip" for y in range(2019, 2025)]
    for y in range(2019, 2025):
        with zipfile.ZipFile(data_dir / "landing" / "fevs" / str(y) / f"{y}_opm_fevs_prdf_revised.zip") as z:
            assert z.namelist() == [MEMBERS[y]]
        assert (data_dir / "landing" / "fevs" / str(y) / f"{y}_opm_fevs_prdf_revised.zip.provenance.json").exists()
    # a second run asks conditionally and transfers nothing
    before = len(server.requests)
    assert download_main(["fetch", "--source", "fevs", "--from", "2019", "--to", "2024"]) == 0
    again = server.requests[before:]
    assert len(again) == 6 and all("If-None-Match" in h for _, _, h in again)


def test_workforce_range_takes_the_highest_version_of_each_file(server, local_sources, data_dir):
    for month in ("202409", "202410"):
        for t in ("employment", "accessions", "separations"):
            server.files[f"{FWD}{t}_{month}_1.txt"] = _fwd(t, month, 3)
    server.files[f"{FWD}separations_202409_2.txt"] = _fwd("separations", "202409", 5)  # republished
    assert download_main(["fetch", "--source", "workforce", "--from", "202409", "--to", "202411"]) == 0
    folder = data_dir / "landing" / "workforce"
    assert sorted(p.name for p in (folder / "202409").glob("*.txt")) == [
        "accessions_202409_1.txt", "employment_202409_1.txt", "separations_202409_2.txt"]
    assert len(list((folder / "202410").glob("*.txt"))) == 3 and not (folder / "202411").exists()  # 202411: not published
    # version 1 of the republished file is only probed, never downloaded
    assert server.gets(f"{FWD}separations_202409_1.txt") == []
    assert server.gets(f"{FWD}separations_202409_2.txt")
    # the landed files are read as published
    mf = month_files(DataLayout(data_dir), "202409")
    assert mf.layout == "fwd" and mf.separation.path.name == "separations_202409_2.txt"
    assert mf.separation.url == f"{server.url}{FWD}separations_202409_2.txt"


def test_interrupted_fetch_resumes(server, local_sources, data_dir):
    body = _fwd("employment", "202409", 2000)
    server.files[f"{FWD}employment_202409_1.txt"] = body
    for t in ("accessions", "separations"):
        server.files[f"{FWD}{t}_202409_1.txt"] = _fwd(t, "202409", 1)
    server.plan[f"{FWD}employment_202409_1.txt"] = ["cut"]  # the first transfer stops halfway
    assert download_main(["fetch", "--source", "workforce", "--from", "202409", "--to", "202409"]) == 0
    gets = server.gets(f"{FWD}employment_202409_1.txt")
    assert len(gets) == 2 and gets[1]["Range"] == f"bytes={len(body) // 2}-"
    assert (data_dir / "landing" / "workforce" / "202409" / "employment_202409_1.txt").read_bytes() == body


def test_only_http_and_https_are_fetched(tmp_path, monkeypatch, data_dir, capsys):
    served = tmp_path / "x.csv"
    served.write_text("a\n1\n")
    path = tmp_path / "remote_sources.csv"
    path.write_text(f"source,partition,url,sha256,notes\nfevs,2019,file://{served},,\n")
    monkeypatch.setenv("CXEX_REMOTE_SOURCES", str(path))
    assert download_main(["fetch", "--source", "fevs", "--from", "2019", "--to", "2019"]) == 2
    assert "file:// refused" in capsys.readouterr().err
    assert not (data_dir / "landing" / "fevs").exists()


def test_the_listed_addresses_are_opms():
    rows = list(csv.DictReader(REMOTE_SOURCES_FILE.open()))
    fevs = {int(r["partition"]): r["url"] for r in rows if r["source"] == "fevs" and r["partition"].isdigit() and r["url"]}
    assert sorted(fevs) == list(range(2019, 2025))
    assert all(re.fullmatch(rf"https://www\.opm\.gov/media/[a-z0-9]{{8}}/{y}_opm_fevs_prdf_revised\.zip", u) for y, u in fevs.items())
    assert "corrupt" in next(r["notes"] for r in rows if r["partition"] == "2024").lower()
    wf = [r["url"] for r in rows if r["source"] == "workforce"]
    assert "https://data.opm.gov/api/blob/download/chunked/{type}_{yyyymm}_{version}.txt" in wf
    assert any(u.startswith("https://data.opm.gov/api/v1/files/") for u in wf)
    assert any(u.endswith("2024-ee-report-excel.xlsx") for u in (r["url"] for r in rows))

"""Publishing to object storage: a real S3-compatible server (moto's server mode) on 127.0.0.1."""

from __future__ import annotations


import pyarrow.parquet as pq
import pytest

from assets.resources import CxexResource
from tests import hand_data
from tests.conftest import free_port, land, run_publish, run_year, write_prdf

BUCKET = "cxex-test"



@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    import boto3

    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                 "AWS_ENDPOINT_URL": s3_endpoint}.items():
        monkeypatch.setenv(k, v)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client, prefix=""):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def test_publish_to_s3_and_query_it_from_the_catalog(s3, data_dir, monkeypatch):
    import s3fs

    from pipelines.definitions import build_definitions
    from warehouse.catalog import connect

    url = f"s3://{BUCKET}/cxex"
    monkeypatch.setenv("CXEX_PUBLISH_URL", url)
    write_prdf(land(data_dir, 2018), hand_data.rows(), hand_data.COLUMNS)
    defs = build_definitions(CxexResource.from_env(data_dir=str(data_dir), publish_url=url))
    assert run_year(defs, 2018).success
    assert run_publish(defs).success
    keys = _keys(s3, "cxex/")
    assert "cxex/ex_index_scores/data.parquet" in keys and "cxex/_manifest.json" in keys
    assert any(k.startswith("cxex/.versions/ex_index_scores/") for k in keys)
    assert not (data_dir / "publish").exists()  # nothing published locally

    fs = s3fs.S3FileSystem()
    with fs.open(f"{BUCKET}/cxex/ex_index_scores/data.parquet", "rb") as f:
        published = pq.read_table(f)
    staged = pq.read_table(data_dir / "staging" / "ex_index_scores" / "survey_year=2018" / "data.parquet")
    assert published.num_rows == staged.num_rows > 0

    # the analysts' catalog reads the objects (fsspec registered on the connection: no httpfs download)
    con = connect(data_dir / "warehouse.duckdb", url)
    n, eei = con.execute("SELECT count(*), max(score) FILTER (WHERE org_level = 'government' AND index_code = 'eei') "
                         "FROM ex_index_scores").fetchone()
    assert n == published.num_rows
    gov = [r["score"] for r in published.to_pylist() if r["org_level"] == "government" and r["index_code"] == "eei"][0]
    assert eei == pytest.approx(gov)
    # cross-agency tables were computed from the S3 publication too
    assert con.execute("SELECT count(*) FROM agency_crosswalk").fetchone()[0] > 0
    con.close()


def test_s3_publication_is_versioned_and_a_bad_table_changes_nothing(s3, data_dir):
    import pyarrow as pa

    from warehouse.contracts import load
    from warehouse.publish import open_store

    store = open_store(f"s3://{BUCKET}/pub", data_dir / "publish", data_dir)
    contract = load("agency_crosswalk")
    row = _one_row(contract)
    versions = []
    for i in range(5):
        rows = [{**row, "identifier": f"X{j}"} for j in range(i + 1)]
        versions.append(store.publish(contract, pa.Table.from_pylist(rows, schema=contract.schema), f"run{i:04d}xxxx").version)
    assert store.read_table("agency_crosswalk").num_rows == 5
    assert store.read_manifest()["tables"]["agency_crosswalk"]["version"] == versions[-1]
    kept = {k.split("/")[3] for k in _keys(s3, "pub/.versions/agency_crosswalk/")}
    assert kept == set(versions[-3:])  # older versions pruned
    before = _keys(s3, "pub/")
    bad = pa.table({"agency_code": ["VA"]})  # missing the contract's columns
    with pytest.raises(Exception, match="(?i)column"):
        store.publish(contract, bad, "runbad000")
    assert _keys(s3, "pub/") == before and store.read_table("agency_crosswalk").num_rows == 5


def _one_row(contract) -> dict:
    import datetime

    samples = {"string": "VA", "bool": False, "int16": 2024, "int32": 1, "int64": 1, "double": 1.0,
               "timestamp[us, tz=UTC]": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc), "date32[day]": datetime.date(2024, 1, 1)}
    return {f.name: samples.get(str(f.type), None) for f in contract.schema}

"""Every setting checked before the lock (issue 34 item 3), in the forms the issue tried: each is refused
by `make run`'s entry point in one line naming the variable, with the data directory untouched (no
marker, no lock, no recovery, no Dagster home). `PARTITIONS` is assets/partition_spec.py's.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import free_port


def _refused(data_dir, monkeypatch, capsys, argv=(), **env) -> str:
    from pipelines import run as run_module

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert run_module.main(list(argv)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert list(data_dir.iterdir()) == []  # refused before the marker, the lock and recovery
    return err


@pytest.mark.parametrize("env, words", [
    ({"CXEX_PUBLISH_URL": "memory://cxex"}, "CXEX_PUBLISH_URL='memory://cxex': memory:// keeps tables in this process"),
    ({"CXEX_LOG_LEVEL": "LOUD"}, "CXEX_LOG_LEVEL='LOUD' is not a log level"),
    ({"CXEX_MAX_FIELD_BYTES": "abc"}, "CXEX_MAX_FIELD_BYTES must be a whole number, got 'abc'"),
    ({"CXEX_MAX_COMPRESSION_RATIO": "1"}, "CXEX_MAX_COMPRESSION_RATIO=1 is below its floor of 2"),
    ({"CXEX_PUBLISH_OPTIONS": "notjson"}, "CXEX_PUBLISH_OPTIONS is not valid JSON (its value is not shown)"),
    ({"DAGSTER_HOME": "relative/home"}, "DAGSTER_HOME='relative/home' is a relative path"),
    ({"DAGSTER_HOME": "/proc/cxex_home"}, "DAGSTER_HOME='/proc/cxex_home' is not a writable folder"),
])
def test_a_bad_setting_is_refused_before_the_lock(data_dir, monkeypatch, capsys, env, words):
    err = _refused(data_dir, monkeypatch, capsys, **env)
    assert words in err, err


def test_an_unknown_source_is_refused_before_the_lock(data_dir, monkeypatch, capsys):
    err = _refused(data_dir, monkeypatch, capsys, ["--source", "fevs,unknown"])
    assert "SOURCE=fevs,unknown: unknown source(s) unknown; choose from fevs, workforce, a11, css" in err, err


def test_an_object_store_that_does_not_answer_is_refused_quickly_without_its_secrets(data_dir, monkeypatch, capsys):
    """An S3 endpoint on a closed port of 127.0.0.1 (nothing listens): refused in one line, in seconds."""
    options = {"key": "AKIA-PROBE-SECRET-1", "secret": "probe-secret-XYZ9",
               "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{free_port()}"}, "config_kwargs": {"retries": {"max_attempts": 1}}}
    t = time.perf_counter()
    err = _refused(data_dir, monkeypatch, capsys, CXEX_PUBLISH_URL="s3://cxex-bucket/pub",
                   CXEX_PUBLISH_OPTIONS=json.dumps(options))
    assert time.perf_counter() - t < 30
    assert "CXEX_PUBLISH_URL=s3://cxex-bucket/pub: the object store cannot be listed" in err, err
    assert "AKIA-PROBE-SECRET-1" not in err and "probe-secret-XYZ9" not in err

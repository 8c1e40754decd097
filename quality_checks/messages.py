"""A run's failed checks and steps, in words: what `make run` prints and the failure alert sends."""

from __future__ import annotations

from collections.abc import Iterable


def _failed_checks(events: Iterable, severity: str):
    for ev in events:
        if ev.event_type_value == "ASSET_CHECK_EVALUATION":
            data = ev.event_specific_data
            if not data.passed and data.severity.value == severity:
                yield data


def failure_messages(events: Iterable) -> list[str]:
    """What failed, in words: failed blocking checks (with their description) and step errors."""
    events = list(events)
    msgs = [f"check {c.check_name} failed: {c.description}" for c in _failed_checks(events, "ERROR")]
    for ev in events:
        if ev.is_step_failure:
            err = ev.event_specific_data.error
            while err is not None and err.cause is not None:
                err = err.cause  # the user code's own exception, not Dagster's wrapper
            if err and "blocking asset check failed" not in err.message:
                msgs.append(f"step {ev.step_key} failed: {err.message.strip()}")
    return msgs


def warning_messages(events: Iterable) -> list[str]:
    """Failed non-blocking (WARN) checks: reported, never fatal."""
    from warehouse.known_defects import short_warning

    return [short_warning(c.check_name, c.description, c.metadata) for c in _failed_checks(events, "WARN")]


def run_events(instance, run_id: str) -> list:
    return [r.dagster_event for r in instance.all_logs(run_id) if r.dagster_event is not None]


def describe_failure(job_name: str, run_id: str, partition: str | None, failures: list[str]) -> str:
    where = f"{job_name}" + (f" partition {partition}" if partition else "")
    head = f"cxex run failed: {where} (run {run_id[:8]}). The last good published tables are unchanged."
    return "\n".join([head, *(f"- {m}" for m in failures or ["see the run's logs in the Dagster UI"])])

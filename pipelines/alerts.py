"""Failure visibility: one readable message per failed run, logged, and optionally sent to a webhook.

`run_failure_alert` (a run-failure sensor, running by default) fires for every failed run of this
code location. It writes the message to the Dagster daemon's log and the sensor's log in the UI.
To be paged instead, set CXEX_ALERT_WEBHOOK to a URL that takes a JSON POST (Slack and Teams
incoming webhooks, ntfy, a chat bot...): the body is {"text": message, "run_id", "job", "failures"}.
The same messages are what `make run` prints when a run fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from warehouse.settings import secret

from .resources import HttpResource

LOG = logging.getLogger("cxex.alerts")


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
    """Failed non-blocking (WARN) checks: reported, never fatal; a known publisher defect in one short line."""
    from warehouse.known_defects import short_warning

    return [short_warning(c.check_name, c.description, c.metadata) for c in _failed_checks(events, "WARN")]


def run_events(instance, run_id: str) -> list:
    return [r.dagster_event for r in instance.all_logs(run_id) if r.dagster_event is not None]


def describe_failure(job_name: str, run_id: str, partition: str | None, failures: list[str]) -> str:
    where = f"{job_name}" + (f" partition {partition}" if partition else "")
    head = f"cxex run failed: {where} (run {run_id[:8]}). The last good published tables are unchanged."
    return "\n".join([head, *(f"- {m}" for m in failures or ["see the run's logs in the Dagster UI"])])


def notify(message: str, payload: dict, http: HttpResource | None = None, webhook: str | None = None) -> bool:
    """Log the message; POST it to the webhook when one is configured. Returns whether it was sent."""
    LOG.error(message)
    url = webhook if webhook is not None else secret("alert_webhook")
    if not url:
        return False
    client = (http or HttpResource()).client()
    client.post_json(url, {"text": message, **payload})
    return True


@run_failure_sensor(name="run_failure_alert", default_status=DefaultSensorStatus.RUNNING,
                    description="Every failed run: a message naming the failed checks and steps, logged and "
                                "POSTed to $CXEX_ALERT_WEBHOOK when set.")
def run_failure_alert(context: RunFailureSensorContext, http: HttpResource) -> None:
    run = context.dagster_run
    failures = failure_messages(run_events(context.instance, run.run_id))
    message = describe_failure(run.job_name, run.run_id, run.tags.get("dagster/partition"), failures)
    context.log.error(message)
    sent = notify(message, {"run_id": run.run_id, "job": run.job_name, "failures": failures}, http)
    if sent:
        context.log.info("alert sent to the webhook")

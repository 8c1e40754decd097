"""Failure visibility: one readable message per failed run, logged, and optionally sent to a webhook.

`run_failure_alert` (a run-failure sensor, running by default) fires for every failed run of this
code location. It writes the message to the Dagster daemon's log and the sensor's log in the UI.
To be paged instead, set CXEX_ALERT_WEBHOOK to a URL that takes a JSON POST (Slack and Teams
incoming webhooks, ntfy, a chat bot...): the body is {"text": message, "run_id", "job", "failures"}.
The same messages are what `make run` prints when a run fails.
"""

from __future__ import annotations

import logging

from dagster import DefaultSensorStatus, RunFailureSensorContext, run_failure_sensor

from assets.sources.redirects import redact_url
from quality_checks.messages import describe_failure, failure_messages, run_events
from warehouse.settings import secret

from assets.resources import HttpResource

LOG = logging.getLogger("cxex.alerts")


def notify(message: str, payload: dict, http: HttpResource | None = None, client=None) -> bool:
    """Log the message; POST it to the webhook when one is configured. Returns whether it was sent.

    The webhook's address is a secret (its path carries the token): read from the environment here, at
    send time, never passed to Dagster (config, tags, cursors) and shown only as scheme://host/… ."""
    LOG.error(message)
    url = secret("alert_webhook")
    if not url:
        return False
    (client or (http or HttpResource()).client()).post_json(url, {"text": message, **payload})
    LOG.info("alert sent to the webhook %s", redact_url(url))
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

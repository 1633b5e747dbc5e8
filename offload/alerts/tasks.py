"""Alert background work: the ticket side of the alerts a webhook changed."""

from __future__ import annotations

from offload.alerts.services.process import process_alert_ids
from offload.core.tasks.decorators import task


@task(queue_name="alerts", max_attempts=8, backoff_base=5)
def process_alerts(msp_id: int, alert_ids: list[int]) -> None:
    """Match assets and open, note or resolve tickets for these alerts of `msp_id`."""
    process_alert_ids(msp_id=msp_id, alert_ids=alert_ids)

"""The ticket side of alerts: asset matching, maintenance, correlation, notes, recovery, flapping.

`process_alert_ids` runs in the `alerts` task queue for the alerts whose state the webhook
changed. It acts as the system for one MSP and handles each alert under a per-alert lock, comparing
the alert's state with `handled_status` (what was last acted on), so a retried or duplicated
task does nothing twice:

- firing, no ticket → match an asset, skip if a maintenance window covers it (marked
  suppressed), else join the open correlation of its key or open a ticket (kind and source
  "alert", no requester) with the alert's details as an internal note;
- firing again while its ticket is still open → a note; repeats of the same state → nothing
  (the webhook already bumped the counter and enqueued no work);
- resolved → a note; when every alert of the correlation has recovered, none is flapping and no
  person touched the ticket (no human entry on its timeline, no assignee), the ticket resolves;
- a refire soon after we auto-resolved reopens that ticket instead of opening another;
- flapping (several state changes within the window) → one note and no automatic resolve.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from ipaddress import ip_address

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from offload.alerts.choices import AlertState, CorrelateBy
from offload.alerts.models import Alert, AlertCorrelation, MaintenanceWindow
from offload.alerts.normalize.common import normalize_host
from offload.alerts.services.upsert import FLAP_CHANGES, FLAP_WINDOW
from offload.servicedesk.choices import (
    DONE_STATUSES,
    Impact,
    TicketKind,
    TicketSource,
    TicketStatus,
    Transition,
    Urgency,
)
from offload.servicedesk.models import Ticket, TicketEntry
from offload.servicedesk.services.entries import add_note
from offload.servicedesk.services.tickets import open_ticket, transition_ticket
from offload.tenancy.models import Asset, Client
from offload.tenancy.scoping import system_scope

log = logging.getLogger(__name__)

# Labels that name the machine an alert is about, most specific first.
HOST_LABELS = (
    "instance",
    "hostname",
    "host",
    "host_name",
    "fqdn",
    "nodename",
    "node",
    "server",
    "device",
    "job",
)
SEVERITY_RATING = {
    "critical": (Impact.HIGH, Urgency.HIGH),
    "high": (Impact.HIGH, Urgency.MEDIUM),
    "warning": (Impact.MEDIUM, Urgency.MEDIUM),
    "info": (Impact.LOW, Urgency.LOW),
}


def process_alert_ids(*, msp_id: int, alert_ids: Iterable[int]) -> None:
    """Handle each alert (by id, of `msp_id`) whose state the webhook changed."""
    with system_scope("alert processing for one MSP", msp_id=msp_id):
        alerts = list(Alert.objects.filter(pk__in=list(alert_ids)).select_related("integration"))
        matches = match_assets(alerts)
        for alert in sorted(alerts, key=lambda a: a.pk):
            with transaction.atomic():
                _lock_alert(alert.pk)
                fresh = Alert.objects.select_related("integration").get(pk=alert.pk)
                handle_alert(fresh, asset=matches.get(alert.pk))


# Fields the ticket side owns; the webhook's upsert owns the rest (state, counters, texts).
HANDLED_FIELDS = ["handled_status", "ticket", "correlation", "asset", "client", "is_suppressed", "flap_noted"]
ALERT_LOCK_SPACE = 0x0A1E


def _lock_alert(alert_id: int) -> None:
    """Serialise processors of one alert without locking its row.

    A transaction-scoped advisory lock (PostgreSQL) instead of SELECT … FOR UPDATE: the webhook's
    upsert of the same row must not wait while a processor opens a ticket. SQLite runs one writer
    at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ALERT_LOCK_SPACE, alert_id % 2147483647])


# --- assets ------------------------------------------------------------------------------------------
def host_candidates(alert: Alert) -> list[str]:
    """Names and addresses the alert may be about, best first (lower-case, no ports)."""
    found: list[str] = []
    problems: list[str] = []
    raw = [alert.host, *(str(alert.labels.get(k, "")) for k in HOST_LABELS)]
    for value in raw:
        host = normalize_host(value, problems) if value else None
        if host is not None:
            found += [host.name, host.short]
    return list(dict.fromkeys(n for n in found if n))


def match_assets(alerts: list[Alert]) -> dict[int, Asset]:
    """Alert id → its asset, found by host name, asset name or IP among the integration's assets.

    One query for all alerts. A client-bound integration only ever matches that client's assets;
    a name two assets share is ambiguous and matches neither.
    """
    wanted = {a.pk: host_candidates(a) for a in alerts if a.asset_id is None}
    names = {n for candidates in wanted.values() for n in candidates}
    if not names:
        return {}
    ips = [n for n in names if _is_ip(n)]
    query = Asset.objects.annotate(host_l=Lower("hostname"), name_l=Lower("name")).filter(is_active=True)
    query = query.filter(Q(host_l__in=names) | Q(name_l__in=names) | Q(ip_address__in=ips))
    clients = {a.integration.client_id for a in alerts if a.pk in wanted}
    by_key: dict[tuple[int | None, str], list[Asset]] = {}
    for asset in query.select_related("client"):
        keys = {asset.host_l, asset.host_l.split(".", 1)[0], asset.name_l, str(asset.ip_address or "")}  # type: ignore[attr-defined]
        for key in keys - {""}:
            for client in clients:
                if client is None or client == asset.client_id:
                    by_key.setdefault((client, key), []).append(asset)
    found: dict[int, Asset] = {}
    for alert in alerts:
        for name in wanted.get(alert.pk, []):
            assets = {a.pk: a for a in by_key.get((alert.integration.client_id, name), [])}
            if len(assets) == 1:
                found[alert.pk] = next(iter(assets.values()))
                break
    return found


def _is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


# --- the state machine -------------------------------------------------------------------------------
def handle_alert(alert: Alert, *, asset: Asset | None) -> None:
    """Act on one locked alert's state (see the module docstring); saves the alert."""
    now = timezone.now()
    if asset is not None and alert.asset_id is None:
        alert.asset = asset
        alert.client_id = alert.client_id or asset.client_id
    ticket = Ticket.objects.filter(pk=alert.ticket_id).first() if alert.ticket_id else None
    if alert.flap_noted and not alert.is_flapping:
        alert.flap_noted = False
    if alert.status == AlertState.FIRING:
        _handle_firing(alert, ticket, now=now)
    else:
        _handle_resolved(alert, ticket, now=now)
    if alert.last_event in ("acknowledged", "update") and alert.ticket_id is not None and ticket is not None:
        what = "acknowledged" if alert.last_event == "acknowledged" else "updated"
        _note(ticket, f"The alert was {what} in {alert.get_source_display()}: {alert.summary}", now=now)
    alert.handled_status = alert.status
    alert.save(update_fields=HANDLED_FIELDS)


def _handle_firing(alert: Alert, ticket: Ticket | None, *, now: datetime) -> None:
    refire = alert.handled_status == AlertState.RESOLVED
    if ticket is not None and ticket.status not in DONE_STATUSES:
        if alert.is_flapping and not alert.flap_noted:
            _note_flapping(alert, ticket, now=now)
        elif refire and not alert.is_flapping:
            _note(ticket, f"Firing again: {alert.summary or alert.condition_key}", now=now)
        return
    if ticket is not None and _reopen_recent(alert, ticket, now=now):
        return
    if _in_maintenance(alert, now=now):
        alert.is_suppressed = True
        return
    alert.is_suppressed = False
    _correlate(alert, now=now)


def _handle_resolved(alert: Alert, ticket: Ticket | None, *, now: datetime) -> None:
    if ticket is None or alert.handled_status == AlertState.RESOLVED or ticket.status in DONE_STATUSES:
        return
    if alert.is_flapping:
        if not alert.flap_noted:
            _note_flapping(alert, ticket, now=now)
        return
    _note(ticket, f"Recovered: {alert.summary or alert.condition_key}", now=now)
    correlation = alert.correlation
    if correlation is None or correlation.closed_at is not None:
        return
    others = Alert.objects.filter(correlation=correlation).exclude(pk=alert.pk)
    if others.exclude(status=AlertState.RESOLVED).exists() or others.filter(is_flapping=True).exists():
        return
    if touched_by_a_person(ticket):
        _note(ticket, "Every alert has recovered. A person worked on this ticket, so it stays open.", now=now)
        return
    transition_ticket(
        actor=None, ticket=ticket, transition=Transition.RESOLVE, reason="Every alert recovered."
    )
    correlation.closed_at = now
    correlation.auto_resolved_at = now
    correlation.save(update_fields=["closed_at", "auto_resolved_at"])


def touched_by_a_person(ticket: Ticket) -> bool:
    """Whether anybody (not the system) replied, noted, assigned or moved `ticket`."""
    if ticket.assignee_id is not None:
        return True
    return TicketEntry.objects.filter(ticket=ticket, author_user__isnull=False).exists()


def _reopen_recent(alert: Alert, ticket: Ticket, *, now: datetime) -> bool:
    """Reopen the ticket we auto-resolved for this alert when it fires again soon after (or flaps).

    False when the ticket is not ours to reopen: a person resolved or closed it, it was resolved
    long ago, or another ticket is already open for the key.
    """
    correlation = alert.correlation
    if correlation is None or correlation.auto_resolved_at is None or ticket.status != TicketStatus.RESOLVED:
        return False
    if not alert.is_flapping and now - correlation.auto_resolved_at > FLAP_WINDOW:
        return False
    if AlertCorrelation.objects.filter(key=correlation.key, closed_at__isnull=True).exists():
        return False
    reason = "The alert is flapping." if alert.is_flapping else "The alert fired again."
    transition_ticket(actor=None, ticket=ticket, transition=Transition.REOPEN, reason=reason)
    correlation.closed_at = None
    correlation.auto_resolved_at = None
    correlation.save(update_fields=["closed_at", "auto_resolved_at"])
    ticket.refresh_from_db()
    if alert.is_flapping:
        _note_flapping(alert, ticket, now=now)
    else:
        _note(ticket, f"Firing again soon after recovery: {alert.summary or alert.condition_key}", now=now)
    return True


def _note_flapping(alert: Alert, ticket: Ticket, *, now: datetime) -> None:
    minutes = int(FLAP_WINDOW.total_seconds() // 60)
    _note(
        ticket,
        f"Flapping: {alert.summary or alert.condition_key} changed state {FLAP_CHANGES} or more times "
        f"within {minutes} minutes. This ticket will not resolve itself; resolve it once it is stable.",
        now=now,
    )
    alert.flap_noted = True


def _in_maintenance(alert: Alert, *, now: datetime) -> bool:
    windows = MaintenanceWindow.objects.filter(starts_at__lte=now, ends_at__gt=now)
    scope = Q(client__isnull=True, asset__isnull=True)
    if alert.client_id is not None:
        scope |= Q(client_id=alert.client_id, asset__isnull=True)
    if alert.asset_id is not None:
        scope |= Q(asset_id=alert.asset_id)
    return windows.filter(scope).exists()


def correlation_key(alert: Alert) -> str:
    """What one ticket stands for: the sender's group, or the asset (or host) and condition."""
    head = f"{alert.source}:{alert.partition}"
    if alert.integration.correlate_by == CorrelateBy.GROUP and alert.group_key:
        return f"{head}:group:{alert.group_key}"[:700]
    target = f"asset-{alert.asset_id}" if alert.asset_id else f"host-{alert.host or '-'}"
    return f"{head}:{target}:{alert.condition_key}"[:700]


def _correlate(alert: Alert, *, now: datetime) -> None:
    """Join the open correlation of the alert's key, or open a ticket and a correlation for it."""
    client = Client.objects.filter(pk=alert.client_id).first() if alert.client_id else None
    if client is None:
        return  # an MSP-wide alert matching no asset: stored and listed, no ticket (no client)
    key = correlation_key(alert)
    correlation = _open_correlation(key, now=now)
    if correlation is None:
        try:
            with transaction.atomic():
                ticket = _open_ticket(alert, client, now=now)
                correlation = AlertCorrelation.objects.create(
                    msp_id=alert.msp_id,
                    key=key,
                    client=client,
                    asset=alert.asset,
                    ticket=ticket,
                    opened_at=now,
                )
        except IntegrityError:
            # A concurrent processor opened this key's ticket first: join it.
            correlation = _open_correlation(key, now=now)
            if correlation is None:
                raise
        else:
            alert.correlation, alert.ticket = correlation, ticket
            return
    alert.correlation, alert.ticket = correlation, correlation.ticket
    _note(correlation.ticket, "Another alert joined this ticket.\n\n" + alert_details(alert), now=now)


def _open_correlation(key: str, *, now: datetime) -> AlertCorrelation | None:
    """The open correlation of `key` whose ticket is still open; a done ticket closes it."""
    correlation = (
        AlertCorrelation.objects.filter(key=key, closed_at__isnull=True).select_related("ticket").first()
    )
    if correlation is not None and correlation.ticket.status in DONE_STATUSES:
        correlation.closed_at = now
        correlation.save(update_fields=["closed_at"])
        return None
    return correlation


def _open_ticket(alert: Alert, client: Client, *, now: datetime) -> Ticket:
    impact, urgency = SEVERITY_RATING.get(alert.severity, (Impact.MEDIUM, Urgency.MEDIUM))
    where = alert.asset.name if alert.asset else alert.host
    subject = f"[{alert.severity}] {alert.summary or alert.condition_key}"
    if where and where.lower() not in subject.lower():
        subject += f" on {where}"
    ticket = open_ticket(
        actor=None,
        client=client,
        subject=subject,
        description=alert.description or alert.summary,
        asset=alert.asset if alert.asset and alert.asset.client_id == client.pk else None,
        source=TicketSource.ALERT,
        kind=TicketKind.ALERT,
        impact=impact,
        urgency=urgency,
        at=now,
    )
    _note(ticket, alert_details(alert), now=now)
    return ticket


def _note(ticket: Ticket, body: str, *, now: datetime) -> None:
    add_note(actor=None, ticket=ticket, body=body[:100_000], at=now)


def alert_details(alert: Alert) -> str:
    """The alert as an internal note: what, where, since when, and everything the tool said."""
    lines = [
        f"Alert from {alert.get_source_display()} ({alert.integration.name}): "
        f"{alert.summary or alert.condition_key}",
        f"Status: {alert.status} · Severity: {alert.severity}"
        + (f" · Started: {alert.starts_at:%Y-%m-%d %H:%M:%S} UTC" if alert.starts_at else ""),
    ]
    if alert.host or alert.asset_id:
        lines.append(f"Host: {alert.host or '-'}" + (f" · Asset: {alert.asset}" if alert.asset_id else ""))
    if alert.description and alert.description != alert.summary:
        lines += ["", alert.description]
    if alert.labels:
        lines += ["", "Labels:"] + [f"  {k} = {v}" for k, v in sorted(alert.labels.items())]
    if alert.annotations:
        lines += ["", "Annotations:"] + [f"  {k} = {v}" for k, v in sorted(alert.annotations.items())]
    if alert.source_url:
        lines += ["", f"Source: {alert.source_url}"]
    lines.append(f"Fingerprint: {alert.fingerprint}")
    return "\n".join(lines)

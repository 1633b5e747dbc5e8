"""Outbound webhooks against a real HTTP server on loopback: signed bodies, retries, the delivery log."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from offload.servicedesk.models import WebhookDelivery
from offload.servicedesk.services import webhooks
from offload.servicedesk.services.tickets import open_ticket, transition_ticket
from offload.servicedesk.sla_tasks import deliver_webhook
from offload.servicedesk.tests.sla.helpers import drain
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


class Receiver:
    """What the local server got, and the status codes it answers with (last one repeats)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = [200]
        self.delay = 0.0
        self.url = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append((dict(self.headers.items()), body))
            if state.delay:
                threading.Event().wait(state.delay)
            status = state.statuses.pop(0) if len(state.statuses) > 1 else state.statuses[0]
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(f"answer {status}".encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/offload"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(world, receiver):
    with system_scope("endpoint", msp_id=world.msp_a.pk):
        return webhooks.create_endpoint(actor=None, msp=world.msp_a, name="Acme PSA bridge", url=receiver.url)


def open_one(world, django_capture_on_commit_callbacks, client: str = "a1"):
    msp = world.clients[client].msp
    with django_capture_on_commit_callbacks(execute=True), system_scope("open", msp_id=msp.pk):
        return open_ticket(actor=None, client=world.clients[client], subject="VPN drops every hour")


def deliveries(world) -> list[WebhookDelivery]:
    with system_scope("read"):
        return list(WebhookDelivery.objects.order_by("id"))


def test_ticket_event_is_posted_signed_and_retried_after_a_500(
    world, receiver, endpoint, django_capture_on_commit_callbacks
):
    """A new ticket is POSTed with a verifiable HMAC signature; a 500 is retried with backoff and logged."""
    receiver.statuses = [500, 200]
    ticket = open_one(world, django_capture_on_commit_callbacks)
    drain()
    [delivery] = deliveries(world)
    assert delivery.status == "retrying"
    assert delivery.status_code == 500
    assert delivery.response_excerpt == "answer 500"
    assert delivery.next_retry_at is not None
    assert delivery.next_retry_at > timezone.now() + dt.timedelta(seconds=webhooks.BACKOFF_BASE / 2 - 1)
    # Nothing is sent again before the backoff has passed…
    drain()
    assert len(receiver.requests) == 1
    # …and when it has, the queued retry delivers it.
    with time_machine.travel(delivery.next_retry_at + dt.timedelta(seconds=1), tick=False):
        drain()
    [delivery] = deliveries(world)
    assert delivery.status == "delivered"
    assert delivery.attempts == 2
    assert [a["status_code"] for a in delivery.log] == [500, 200]
    assert len(receiver.requests) == 2
    headers, body = receiver.requests[-1]
    signature = headers[webhooks.SIGNATURE_HEADER]
    timestamp = int(signature.split(",")[0].removeprefix("t="))
    assert webhooks.verify(endpoint.secret, body, signature, now=timestamp)
    assert not webhooks.verify("whsec_wrong", body, signature, now=timestamp)
    assert not webhooks.verify(endpoint.secret, body + b" ", signature, now=timestamp)
    payload = json.loads(body)
    assert payload["event"] == "ticket.created"
    assert payload["ticket"]["reference"] == ticket.reference
    assert payload["ticket"]["client"]["name"] == "Alpha One"
    assert headers["X-Offload-Event"] == "ticket.created"
    assert "offload" not in headers["User-Agent"].lower()


def test_a_4xx_answer_is_final(world, receiver, endpoint, django_capture_on_commit_callbacks):
    """The receiver refusing the payload (410) is not retried; the log says why."""
    receiver.statuses = [410]
    open_one(world, django_capture_on_commit_callbacks)
    drain()
    [delivery] = deliveries(world)
    assert delivery.status == "failed"
    assert delivery.attempts == 1
    assert delivery.next_retry_at is None


def test_a_timeout_is_retried(world, receiver, endpoint, django_capture_on_commit_callbacks, monkeypatch):
    """A receiver that does not answer in time counts as a failed attempt and is retried."""
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.3)
    receiver.delay = 1.0
    open_one(world, django_capture_on_commit_callbacks)
    drain()
    [delivery] = deliveries(world)
    assert delivery.status == "retrying"
    assert delivery.status_code is None
    assert "timed out" in delivery.error.lower() or "timeout" in delivery.error.lower()


def test_event_filter_and_other_msps(world, receiver, endpoint, django_capture_on_commit_callbacks):
    """An endpoint gets only the events it asked for, and never another MSP's tickets."""
    with system_scope("filter", msp_id=world.msp_a.pk):
        webhooks.update_endpoint(actor=None, endpoint=endpoint, changes={"events": ["ticket.status_changed"]})
    ticket = open_one(world, django_capture_on_commit_callbacks)
    open_one(world, django_capture_on_commit_callbacks, client="b1")
    assert deliveries(world) == []
    with django_capture_on_commit_callbacks(execute=True), system_scope("work", msp_id=world.msp_a.pk):
        transition_ticket(actor=None, ticket=ticket, transition="triage")
    drain()
    assert [(d.event, d.ticket_id, d.status) for d in deliveries(world)] == [
        ("ticket.status_changed", ticket.pk, "delivered")
    ]


def test_redeliver_sends_again_and_keeps_the_log(
    world, receiver, endpoint, django_capture_on_commit_callbacks
):
    """Redelivering a failed delivery makes a new attempt; earlier attempts stay in the log."""
    receiver.statuses = [400, 200]
    open_one(world, django_capture_on_commit_callbacks)
    drain()
    [delivery] = deliveries(world)
    assert delivery.status == "failed"
    with system_scope("redeliver", msp_id=world.msp_a.pk):
        webhooks.redeliver(actor=None, delivery=delivery)
    drain()
    [delivery] = deliveries(world)
    assert delivery.status == "delivered"
    assert [a["status_code"] for a in delivery.log] == [400, 200]


def test_a_stale_delivery_task_does_nothing(world, receiver, endpoint, django_capture_on_commit_callbacks):
    """A task for a delivery that already went through sends nothing twice."""
    open_one(world, django_capture_on_commit_callbacks)
    drain()
    [delivery] = deliveries(world)
    assert deliver_webhook.call(world.msp_a.pk, delivery.pk) == "nothing to do"
    assert len(receiver.requests) == 1

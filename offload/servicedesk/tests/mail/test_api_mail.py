"""POST /api/v1/mail/inbound: raw RFC 5322 bytes stored for the caller's MSP and queued."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from offload.api.testing import BASE, api_as
from offload.servicedesk.models import InboundMessage, InboundStatus
from offload.servicedesk.services.intake import process_inbound
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db

URL = BASE + "/mail/inbound"


def raw_mail(msg_id: str = "api1@alphaone.example", sender: str = "someone@alphaone.example") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@acme.example"
    message["Subject"] = "Sent through the API"
    message["Message-ID"] = f"<{msg_id}>"
    message.set_content("Hello from the gateway.")
    return message.as_bytes()


def post(user, body: bytes, content_type: str = "message/rfc822", query: str = ""):
    return api_as(user).client.post(URL + query, body, content_type=content_type)


def test_raw_mail_is_stored_for_the_callers_msp_and_queued(world):
    """A technician's gateway posts a mail: 202 with the id, stored for their MSP, then filed."""
    sender = "alice@alphaone.example"
    with system_scope("test"):
        contact = world.contacts["a1"][0]
        contact.email = sender
        contact.save(update_fields=["email"])
    response = post(world.user("technician"), raw_mail(sender=sender))
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["duplicate"]) == ("received", False)
    with system_scope("test"):
        stored = InboundMessage.objects.get(pk=body["id"])
    assert (stored.msp_id, stored.recipient) == (world.msp_a.pk, "support@acme.example")
    processed = process_inbound(stored.pk)
    assert processed.status == InboundStatus.PROCESSED, (processed.reason, processed.error)
    again = post(world.user("technician"), raw_mail(sender=sender))
    assert (again.status_code, again.json()["id"], again.json()["duplicate"]) == (202, stored.pk, True)


def test_bad_input_answers_a_clear_client_error(world):
    """Empty body 400, wrong type 415, another MSP's address 422, client users 403; junk bytes are kept."""
    tech = world.user("technician")
    assert post(tech, b"").json()["error"]["code"] == "empty"
    assert post(tech, b"{}", content_type="application/json").status_code == 415
    foreign = post(tech, raw_mail(), query="?recipient=support@bravo.example")
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (422, "foreign_recipient")
    assert post(world.user("client_user"), raw_mail()).status_code == 403
    junk = post(tech, b"\x00\x01 not a mail at all")
    assert junk.status_code == 202
    with system_scope("test"):
        assert bytes(InboundMessage.objects.get(pk=junk.json()["id"]).raw) == b"\x00\x01 not a mail at all"


def test_provider_staff_name_the_msp(world):
    """A NOC agent names the MSP with msp_id; an MSP they do not serve is refused."""
    noc = world.user("noc_agent")
    response = post(noc, raw_mail("n2@x.example"), query=f"?msp_id={world.msp_a.pk}")
    assert response.status_code == 202
    refused = post(noc, raw_mail("n3@x.example"), query=f"?msp_id={world.msp_c.pk}")
    assert refused.status_code == 422

"""Mail in through the API: POST the raw RFC 5322 bytes, get the stored message's id back.

For mail gateways and integrations that cannot pipe into `offload ingest-email` or be polled by
IMAP. The MSP is the caller's own (their token's scope; staff who serve several MSPs name one with
`msp_id`); the mail is filed for that MSP's brand support address, so a caller can never file mail
into another MSP. The bytes are stored first and processed by the same task as every other mail;
the answer is 202 with the id, before processing. Bad input answers a clear 4xx: no body (400),
not `message/rfc822` (415), too large (413), a recipient that is not the MSP's support address
(422). A body that is not a readable mail is still stored (and quarantined by processing): the
bytes are evidence.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from offload.core.api.errors import ERROR_STATUSES, with_errors
from offload.core.errors import DomainError, PermissionDenied
from offload.core.mail import DEFAULT_LIMITS
from offload.servicedesk.models import InboundMessage
from offload.servicedesk.rules import AGENT_ROLES
from offload.servicedesk.services.intake import receive_email
from offload.tenancy.models import Brand
from offload.tenancy.scoping import current_scope

router = Router(tags=["mail"])

CONTENT_TYPES = frozenset({"message/rfc822", "application/octet-stream", "text/plain"})


class PayloadTooLarge(DomainError):
    code = "too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


class Unprocessable(DomainError):
    status = 422


class InboundOut(Schema):
    id: int
    status: str
    message_id: str
    duplicate: bool


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The message exactly as received (RFC 5322 bytes).",
    }
}


def _msp_for(msp_id: int | None) -> int:
    scope = current_scope()
    if scope.role not in AGENT_ROLES:
        raise PermissionDenied("Only staff of the service desk may submit mail.")
    msps = sorted(scope.full_msp_ids or scope.msp_ids)
    if msp_id is not None:
        if msp_id not in msps:
            raise Unprocessable("You serve no such MSP.", code="foreign_reference", field="msp_id")
        return msp_id
    if len(msps) != 1:
        raise Unprocessable("You serve several MSPs: name one with msp_id.", code="required", field="msp_id")
    return msps[0]


@router.post(
    "/mail/inbound",
    response=with_errors({202: InboundOut}, statuses=(*ERROR_STATUSES, 413, 415)),
    openapi_extra=_BODY_DOC,
)
def submit_inbound_mail(request: HttpRequest, recipient: str = "", msp_id: int | None = None) -> Any:
    """Store one raw mail for your MSP's support address and queue its processing (202)."""
    target = _msp_for(msp_id)
    limit = DEFAULT_LIMITS.max_message_bytes
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(f"A message may be at most {limit // (1024 * 1024)} MB.")
    # Read the stream, not request.body: mail is larger than the form-upload memory limit.
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"A message may be at most {limit // (1024 * 1024)} MB.")
    if not raw.strip():
        raise DomainError("The body is empty: send the raw message.", code="empty", field="body")
    if (request.content_type or "").lower() not in CONTENT_TYPES:
        raise UnsupportedMediaType("Send the raw message with Content-Type: message/rfc822.")
    support = Brand.objects.filter(msp_id=target).values_list("support_email", flat=True).first()
    if not support:
        raise Unprocessable("Your MSP has no support address to file mail for.", code="no_brand")
    if recipient and recipient.strip().lower() != support.lower():
        raise Unprocessable(
            f"Mail through the API is filed for {support}; recipient names another address.",
            code="foreign_recipient",
            field="recipient",
        )
    started = timezone.now()
    stored = receive_email(raw=raw, recipient=support)
    assert isinstance(stored, InboundMessage)  # the MSP's own support address always routes
    return Status(
        202,
        {
            "id": stored.pk,
            "status": stored.status,
            "message_id": stored.message_id,
            "duplicate": stored.received_at < started,
        },
    )

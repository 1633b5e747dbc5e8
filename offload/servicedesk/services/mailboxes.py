"""IMAP polling: fetch each active mailbox's unseen mail and hand the raw bytes to intake.

One poll of one mailbox: log in (password, or XOAUTH2 with an access token traded for the stored
refresh token), list unseen messages, and for each: fetch the exact bytes (BODY.PEEK[], so a crash
leaves it unseen), `receive_email` them (stored first, processing queued), then mark it seen or move
it to the processed folder. A message that fails is left unseen and the next one goes on (lessons
§2); duplicates after a crash between store and flag are absorbed by intake's Message-ID dedup.
A connection or login failure is recorded on the mailbox (`last_error`, `consecutive_failures`)
and retried with a growing pause, so that a dead server is not hammered every minute.

Mail is always filed for the mailbox's own MSP: it is delivered to that MSP's brand support
address, whatever the messages' headers say.
"""

from __future__ import annotations

import json
import logging
import ssl
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted

from offload.core.errors import DomainError
from offload.core.tasks.decorators import task
from offload.core.tasks.periodic import periodic
from offload.servicedesk.models import Mailbox, MailboxAuth, MailboxSecurity
from offload.servicedesk.services.intake import receive_email
from offload.tenancy.models import Brand
from offload.tenancy.scoping import system_scope

log = logging.getLogger(__name__)

MAX_PER_POLL = 200  # the rest waits for the next poll; one poll never runs for ever
TIMEOUT = 30
MAX_PAUSE_MINUTES = 60


@dataclass
class PollResult:
    stored: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    connection_error: str = ""


# --- XOAUTH2 --------------------------------------------------------------------------------------
def token_request(mailbox: Mailbox) -> urllib.request.Request:
    """The OAuth 2 refresh-token request for `mailbox` (Microsoft identity platform and Google alike)."""
    if not (mailbox.oauth_token_url and mailbox.oauth_client_id and mailbox.oauth_refresh_token):
        raise DomainError(
            "OAuth needs a token endpoint, a client id and a refresh token.", code="oauth_incomplete"
        )
    if urllib.parse.urlsplit(mailbox.oauth_token_url).scheme not in {"https", "http"}:
        raise DomainError("The token endpoint must be an https:// address.", code="oauth_incomplete")
    form = {
        "grant_type": "refresh_token",
        "client_id": mailbox.oauth_client_id,
        "refresh_token": mailbox.oauth_refresh_token,
    }
    if mailbox.oauth_client_secret:
        form["client_secret"] = mailbox.oauth_client_secret
    if mailbox.oauth_scope:
        form["scope"] = mailbox.oauth_scope
    return urllib.request.Request(  # noqa: S310 (scheme checked above)
        mailbox.oauth_token_url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )


def fetch_access_token(mailbox: Mailbox) -> str:
    """Trade the refresh token for an access token; keep a rotated refresh token when one is sent."""
    request = token_request(mailbox)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (https URL from staff)
            payload = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:500]
        raise DomainError(f"The token endpoint refused: {exc.code} {detail}", code="oauth_refused") from exc
    token = payload.get("access_token")
    if not token:
        raise DomainError("The token endpoint sent no access token.", code="oauth_refused")
    rotated = payload.get("refresh_token")
    if rotated and rotated != mailbox.oauth_refresh_token:
        mailbox.oauth_refresh_token = rotated
        Mailbox.objects.filter(pk=mailbox.pk).update(oauth_refresh_token=rotated)
    return str(token)


# --- polling --------------------------------------------------------------------------------------
def connect(mailbox: Mailbox) -> BaseMailBox:
    """A logged-in imap-tools mailbox with `mailbox.folder` selected."""
    box: BaseMailBox
    if mailbox.security == MailboxSecurity.SSL:
        box = MailBox(mailbox.host, mailbox.port, timeout=TIMEOUT, ssl_context=ssl.create_default_context())
    elif mailbox.security == MailboxSecurity.STARTTLS:
        box = MailBoxStartTls(
            mailbox.host, mailbox.port, timeout=TIMEOUT, ssl_context=ssl.create_default_context()
        )
    else:
        box = MailBoxUnencrypted(mailbox.host, mailbox.port, timeout=TIMEOUT)
    if mailbox.auth == MailboxAuth.XOAUTH2:
        return box.xoauth2(mailbox.username, fetch_access_token(mailbox), initial_folder=mailbox.folder)
    return box.login(mailbox.username, mailbox.password, initial_folder=mailbox.folder)


def _raw(box: BaseMailBox, uid: str) -> bytes:
    status, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        raise RuntimeError(f"FETCH {uid} answered {status}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    raise RuntimeError(f"FETCH {uid} returned no message")


def _done(box: BaseMailBox, mailbox: Mailbox, uid: str) -> None:
    if mailbox.processed_folder:
        box.move(uid, mailbox.processed_folder)
    else:
        box.flag(uid, "\\Seen", True)


def poll_mailbox(mailbox: Mailbox) -> PollResult:
    """Fetch and store `mailbox`'s unseen mail now; record the outcome on the mailbox."""
    result = PollResult()
    recipient = Brand.objects.filter(msp_id=mailbox.msp_id).values_list("support_email", flat=True).first()
    try:
        if not recipient:
            raise DomainError("The MSP has no brand support address to file mail for.", code="no_brand")
        with connect(mailbox) as box:
            if mailbox.processed_folder and not box.folder.exists(mailbox.processed_folder):
                box.folder.create(mailbox.processed_folder)
            uids = list(box.uids(AND(seen=False)))[:MAX_PER_POLL]
            for uid in uids:
                try:
                    raw = _raw(box, uid)
                    receive_email(raw=raw, recipient=recipient)
                except Exception as exc:  # this message waits (unseen) for the next poll; the rest go on
                    log.exception("Mailbox %s: message %s not stored", mailbox.pk, uid)
                    result.failed += 1
                    result.errors.append(f"{uid}: {type(exc).__name__}: {exc}"[:500])
                    continue
                result.stored += 1
                try:
                    _done(box, mailbox, uid)
                except Exception as exc:  # stored already; a refetch is deduplicated by Message-ID
                    result.errors.append(f"{uid} not marked: {exc}"[:500])
    except Exception as exc:
        log.warning("Mailbox %s: poll failed: %s", mailbox.pk, exc)
        result.connection_error = f"{type(exc).__name__}: {exc}"[:2000]
    now = timezone.now()
    if result.connection_error:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=now,
            last_error=result.connection_error,
            consecutive_failures=F("consecutive_failures") + 1,
        )
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=now,
            last_success_at=now,
            last_error="; ".join(result.errors)[:2000],
            consecutive_failures=0,
            messages_fetched=F("messages_fetched") + result.stored,
        )
    mailbox.refresh_from_db()
    return result


def is_due(mailbox: Mailbox, *, now=None) -> bool:
    """Every minute while it works; after failures, wait 2, 4, 8… minutes (at most an hour)."""
    if not mailbox.consecutive_failures or mailbox.last_polled_at is None:
        return True
    pause = min(2 ** min(mailbox.consecutive_failures, 6), MAX_PAUSE_MINUTES)
    return (now or timezone.now()) >= mailbox.last_polled_at + timedelta(minutes=pause) - timedelta(seconds=5)


@task(queue_name="mail", max_attempts=1)
def poll_one_mailbox(mailbox_id: int, msp_id: int) -> int:
    """Poll one mailbox inside its MSP's scope; returns how many messages were stored."""
    with system_scope("mail: poll an IMAP mailbox", msp_id=msp_id):
        mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).first()
        if mailbox is None:
            return 0
        return poll_mailbox(mailbox).stored


@periodic("* * * * *")
@task(queue_name="mail", max_attempts=1)
def poll_mailboxes() -> int:
    """Queue a poll of every active mailbox that is due; returns how many were queued."""
    with system_scope("mail: list mailboxes to poll"):
        due = [
            m
            for m in Mailbox.objects.filter(is_active=True).only(
                "id", "msp_id", "consecutive_failures", "last_polled_at"
            )
            if is_due(m)
        ]
    for mailbox in due:
        poll_one_mailbox.enqueue(mailbox.pk, mailbox.msp_id)
    return len(due)

"""What the portal home shows besides the person: their latest requests and knowledge base articles."""

from __future__ import annotations

from typing import Any

from offload.accounts.models import Membership
from offload.portal.resolver import Portal
from offload.servicedesk.models import Article, Ticket

RECENT = 5

# Statuses in the words of the person who asked for help.
CLIENT_STATUS = {
    "new": "Received",
    "triaged": "Received",
    "assigned": "Assigned",
    "in_progress": "In progress",
    "waiting_on_client": "Waiting for your reply",
    "waiting_on_vendor": "Waiting on a supplier",
    "resolved": "Resolved",
    "closed": "Closed",
}


def client_status(status: str) -> str:
    return CLIENT_STATUS.get(status, status.replace("_", " ").capitalize())


def portal_nav(portal: Portal) -> dict[str, str]:
    """The addresses of the signed-in portal's navigation."""
    return {
        "home": portal.home_url,
        "tickets": portal.url("ticket_list"),
        "new": portal.url("ticket_new"),
        "kb": portal.url("kb_list"),
    }


def home_extras(portal: Portal, membership: Membership) -> dict[str, Any]:
    """Latest requests (own, or the client's for a client admin: the scope decides) and articles.

    Call inside the visitor's scope. Two queries, whatever the number of tickets or articles.
    """
    tickets = list(
        Ticket.objects.filter(merged_into__isnull=True)
        .order_by("-updated_at", "-id")
        .only("reference", "subject", "status", "updated_at")[:RECENT]
    )
    articles = list(Article.objects.published().order_by("-updated_at", "-id").only("id", "title")[:RECENT])
    return {
        "recent_tickets": [
            {
                "ticket": t,
                "status": client_status(t.status),
                "url": portal.url("ticket_detail", reference=t.reference),
            }
            for t in tickets
        ],
        "recent_articles": [
            {"article": a, "url": portal.url("kb_article", article_id=str(a.pk))} for a in articles
        ],
        "nav": portal_nav(portal),
        "is_client_admin": membership.role == "client_admin",
    }

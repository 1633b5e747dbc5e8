"""The knowledge base: writing, publishing and finding articles.

MSP staff who work tickets (owner, service manager, technician) write articles; clients read the
published ones meant for them (the Article queryset narrows a client scope, so every read here is
already limited to what the reader may see).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import rules
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.html import escape, linebreaks

from offload.accounts.choices import Role
from offload.accounts.models import User
from offload.core.errors import DomainError, NotFound
from offload.core.mail.html import html_to_text, sanitize_html
from offload.servicedesk.models import Article
from offload.servicedesk.rules import acting_role
from offload.servicedesk.services.guards import require
from offload.tenancy.models import Client
from offload.tenancy.scoping import active_scope_or_none

ARTICLE_WRITER_ROLES = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.TECHNICIAN})
MAX_BODY_CHARS = 200_000
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/][^>]*>")


@rules.predicate
def is_article_writer(user: User, obj: object = None) -> bool:
    return acting_role(user) in ARTICLE_WRITER_ROLES


rules.add_perm("servicedesk.write_article", is_article_writer)


def article_html(body: str) -> str:
    """Sanitized HTML for an article body: HTML is cleaned, plain text becomes paragraphs."""
    if not body.strip():
        return ""
    if _LOOKS_LIKE_HTML.search(body):
        return sanitize_html(body)
    return linebreaks(escape(body))


def _writer_msp_id(actor: User | None) -> int:
    scope = active_scope_or_none()
    if scope is None or len(scope.msp_ids) != 1 or scope.kind != "msp":
        raise DomainError("Articles are written by an MSP's staff.", code="not_msp_staff")
    return next(iter(scope.msp_ids))


def _clients(msp_id: int, clients: Iterable[Client | int]) -> list[Client]:
    ids = sorted({c if isinstance(c, int) else c.pk for c in clients})
    found = list(Client.objects.filter(pk__in=ids, msp_id=msp_id))
    if len(found) != len(ids):
        raise DomainError("A chosen client is not one of yours.", code="foreign_reference", field="clients")
    return found


def save_article(
    *,
    actor: User | None,
    article: Article | None = None,
    title: str,
    body: str,
    category: str = "",
    is_published: bool = False,
    visible_to_all_clients: bool = True,
    clients: Iterable[Client | int] = (),
) -> Article:
    """Create (`article` None) or change an article; the body is sanitized, its text kept for search.

    Refused with `required` (no title), `too_long`, `no_audience` (for chosen clients, none chosen)
    or `foreign_reference` (a client of another MSP).
    """
    require(actor, "servicedesk.write_article")
    title = " ".join(title.split())[:200]
    if not title:
        raise DomainError("An article needs a title.", code="required", field="title")
    if len(body) > MAX_BODY_CHARS:
        raise DomainError("This article is too long.", code="too_long", field="body")
    msp_id = article.msp_id if article is not None else _writer_msp_id(actor)
    chosen = [] if visible_to_all_clients else _clients(msp_id, clients)
    if not visible_to_all_clients and not chosen:
        raise DomainError(
            "Choose the clients who may read it, or make it visible to all.",
            code="no_audience",
            field="clients",
        )
    html = article_html(body)
    with transaction.atomic():
        if article is None:
            article = Article(msp_id=msp_id, author=actor if getattr(actor, "pk", None) else None)
        article.title = title
        article.category = " ".join(category.split())[:100]
        article.body_html = html
        article.body_text = html_to_text(html) if html else ""
        article.is_published = is_published
        article.visible_to_all_clients = visible_to_all_clients
        article.save()
        article.clients.set(chosen)
    return article


def delete_article(*, actor: User | None, article: Article) -> None:
    """Remove an article from the knowledge base."""
    require(actor, "servicedesk.write_article", article)
    article.delete()


def access_article(actor: object, article_id: int | str) -> Article:
    """The article `article_id` if the acting scope may read it, else NotFound."""
    try:
        return Article.objects.prefetch_related("clients").get(pk=article_id)
    except (Article.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No article matches the given query.") from exc


def search_articles(*, query: str = "", published_only: bool = False) -> QuerySet[Article]:
    """Articles the scope may read whose title or body matches every word of `query` (any case).

    PostgreSQL also matches word forms through full-text search ("printers" finds "printer").
    """
    articles = Article.objects.all()
    if published_only:
        articles = articles.published()
    words = query.split()[:10]
    if not words:
        return articles
    predicate = Q()
    for word in words:
        predicate &= Q(title__icontains=word) | Q(body_text__icontains=word)
    if connection.vendor == "postgresql":
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "body_text", weight="B", config="english"
        )
        articles = articles.annotate(search=vector)
        predicate |= Q(search=SearchQuery(" ".join(words), config="english"))
    return articles.filter(predicate)

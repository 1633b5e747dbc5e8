"""The API of the knowledge base and of satisfaction ratings.

Articles: MSP staff who write articles list, read, create, change and delete their MSP's; clients
(and anyone else in scope) list and read the published articles meant for their client — the
Article queryset narrows a client scope, so nothing here filters by role. CSAT responses are read
only here (clients rate in the portal); the scope decides whose ratings are visible.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from offload.core.api.errors import with_errors
from offload.core.api.pagination import CursorPage, paginate
from offload.core.api.types import Cursor, Id, Limit, SearchQuery, text
from offload.servicedesk.models import Article, CsatResponse
from offload.servicedesk.services import knowledge
from offload.tenancy.models import Client
from offload.tenancy.services.base import InvalidInput

router = Router()


class ArticleOut(Schema):
    id: int
    title: str
    category: str
    body_html: str
    is_published: bool
    visible_to_all_clients: bool
    client_ids: list[int]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_client_ids(obj: Article) -> list[int]:
        return sorted(c.pk for c in obj.clients.all())


class ArticleIn(Schema):
    title: text(200, min_length=1)  # type: ignore[valid-type]
    body: text(200_000, multiline=True) = ""  # type: ignore[valid-type]
    category: text(100) = ""  # type: ignore[valid-type]
    is_published: bool = False
    visible_to_all_clients: bool = True
    client_ids: list[Id] = Field(default_factory=list, max_length=500)


class ArticlePage(CursorPage[ArticleOut]):
    pass


class ArticleFilters(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50
    q: SearchQuery | None = None
    is_published: bool | None = None


class CsatOut(Schema):
    id: int
    ticket_id: int
    client_id: int
    contact_id: int | None
    rating: int
    comment: str
    resolved_at: datetime.datetime
    created_at: datetime.datetime


class CsatPage(CursorPage[CsatOut]):
    pass


class CsatFilters(Schema):
    cursor: Cursor | None = None
    limit: Limit = 50
    ticket: Id | None = None


def _clients(ids: list[int]) -> list[Client]:
    """Visible clients for these ids; an id the actor cannot see is a 422, not a leak."""
    found = list(Client.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput("No such client.", field="client_ids")
    return found


@router.get("/kb/articles", response=with_errors({200: ArticlePage}), tags=["knowledge base"])
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> dict[str, Any]:
    """Articles the actor may read, by title (search: words in the title or text)."""
    queryset = knowledge.search_articles(query=(filters.q or "").strip()).prefetch_related("clients")
    if filters.is_published is not None:
        queryset = queryset.filter(is_published=filters.is_published)
    return paginate(request, queryset, order="title", limit=filters.limit, cursor=filters.cursor)


@router.post("/kb/articles", response=with_errors({201: ArticleOut}), tags=["knowledge base"])
def create_article(request: HttpRequest, payload: ArticleIn) -> Status:
    """Write an article (owner, service manager, technician); HTML is sanitized."""
    article = knowledge.save_article(
        actor=request.auth,  # type: ignore[attr-defined]
        title=payload.title,
        body=payload.body,
        category=payload.category,
        is_published=payload.is_published,
        visible_to_all_clients=payload.visible_to_all_clients,
        clients=_clients(payload.client_ids),
    )
    return Status(201, knowledge.access_article(request.auth, article.pk))  # type: ignore[attr-defined]


@router.get("/kb/articles/{article_id}", response=with_errors({200: ArticleOut}), tags=["knowledge base"])
def get_article(request: HttpRequest, article_id: Id) -> Article:
    return knowledge.access_article(request.auth, article_id)  # type: ignore[attr-defined]


@router.put("/kb/articles/{article_id}", response=with_errors({200: ArticleOut}), tags=["knowledge base"])
def update_article(request: HttpRequest, article_id: Id, payload: ArticleIn) -> Article:
    """Replace an article's title, text, category, publication and audience."""
    article = knowledge.access_article(request.auth, article_id)  # type: ignore[attr-defined]
    knowledge.save_article(
        actor=request.auth,  # type: ignore[attr-defined]
        article=article,
        title=payload.title,
        body=payload.body,
        category=payload.category,
        is_published=payload.is_published,
        visible_to_all_clients=payload.visible_to_all_clients,
        clients=_clients(payload.client_ids),
    )
    return knowledge.access_article(request.auth, article_id)  # type: ignore[attr-defined]


@router.delete("/kb/articles/{article_id}", response=with_errors({204: None}), tags=["knowledge base"])
def delete_article(request: HttpRequest, article_id: Id) -> Status:
    article = knowledge.access_article(request.auth, article_id)  # type: ignore[attr-defined]
    knowledge.delete_article(actor=request.auth, article=article)  # type: ignore[attr-defined]
    return Status(204, None)


@router.get("/csat-responses", response=with_errors({200: CsatPage}), tags=["satisfaction"])
def list_csat_responses(request: HttpRequest, filters: Query[CsatFilters]) -> dict[str, Any]:
    """Ratings of resolutions the actor may see, newest first (filter: ticket id)."""
    queryset = CsatResponse.objects.all()
    if filters.ticket is not None:
        queryset = queryset.filter(ticket_id=filters.ticket)
    return paginate(request, queryset, order="-created_at", limit=filters.limit, cursor=filters.cursor)

"""The knowledge base: articles an MSP writes for its clients' end users."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q, Subquery

from offload.servicedesk.querysets import NarrowedQuerySet
from offload.tenancy.scoping import Scope, TenantManager, TenantModel


class ArticleQuerySet(NarrowedQuerySet):
    """Articles; a client (or anonymous) scope reads only published ones meant for its client."""

    def narrowing(self, scope: Scope) -> Q | None:
        if scope.is_system or scope.kind not in {"client", "anonymous"}:
            return None
        chosen = Article.clients.through.objects.filter(client_id__in=sorted(scope.client_ids)).values(
            "article_id"
        )
        return Q(is_published=True) & (Q(visible_to_all_clients=True) | Q(pk__in=Subquery(chosen)))

    def published(self) -> ArticleQuerySet:
        return self.filter(is_published=True)


ArticleManager = TenantManager.from_queryset(ArticleQuerySet)


class Article(TenantModel):
    """A how-to or answer an MSP publishes in its portal, for all its clients or for chosen ones.

    `body_html` is sanitized by the knowledge service on every write; templates render it as safe.
    `body_text` is the plain text of it, kept for search.
    """

    title = models.CharField(max_length=200)
    category = models.CharField(max_length=100, blank=True, help_text="A heading to group articles under.")
    body_html = models.TextField(blank=True, help_text="Sanitized on write; safe to render.")
    body_text = models.TextField(blank=True, help_text="The body as plain text, for search.")
    is_published = models.BooleanField(default=False)
    visible_to_all_clients = models.BooleanField(default=True)
    clients = models.ManyToManyField(
        "tenancy.Client",
        blank=True,
        related_name="kb_articles",
        help_text="When not visible to all clients: the clients who see it.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_client_path: ClassVar[str | None] = None

    objects = ArticleManager()  # type: ignore[misc]  # narrows TenantModel.objects

    class Meta:
        ordering = ["category", "title", "id"]
        indexes = [
            models.Index(fields=["msp", "is_published", "category", "title"], name="kb_article_list"),
        ]

    def __str__(self) -> str:
        return self.title

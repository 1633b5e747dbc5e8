"""The portal's knowledge base: the MSP's articles meant for the visitor's client, searchable."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from offload.core.errors import NotFound
from offload.portal.forms import SearchForm
from offload.portal.ticket_views import ClientPage, client_page
from offload.servicedesk.services.knowledge import access_article, search_articles

MAX_RESULTS = 100


@require_GET
@client_page
def kb_list(page: ClientPage) -> HttpResponse:
    """All articles the visitor's client may read, grouped by category; ?q= searches title and text."""
    form = SearchForm(page.request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    articles = list(
        search_articles(query=query, published_only=True)
        .only("id", "title", "category", "updated_at", "body_text")
        .order_by("category", "title", "id")[:MAX_RESULTS]
    )
    groups: dict[str, list[dict]] = {}
    for article in articles:
        groups.setdefault(article.category or "General", []).append(
            {
                "article": article,
                "url": page.portal.url("kb_article", article_id=str(article.pk)),
                "summary": _summary(article.body_text),
            }
        )
    return page.render("portal/kb/list.html", {"form": form, "query": query, "groups": groups})


@require_GET
@client_page
def kb_article(page: ClientPage, article_id: int) -> HttpResponse:
    """One article, if it is published for the visitor's client."""
    try:
        article = access_article(page.user, article_id)
    except NotFound as exc:
        raise Http404("No such article") from exc
    return page.render("portal/kb/article.html", {"article": article, "kb_url": page.portal.url("kb_list")})


def _summary(text: str, length: int = 180) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"

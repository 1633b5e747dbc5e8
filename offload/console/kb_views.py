"""Console pages where an MSP's staff write knowledge base articles and choose who reads them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offload.core.errors import DomainError, NotFound
from offload.servicedesk.models import Article
from offload.servicedesk.services import knowledge
from offload.tenancy.models import Client
from offload.tenancy.scoping import current_scope
from offload.tenancy.views import staff_only

MAX_LIST = 200


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200)
    category = forms.CharField(max_length=100, required=False, help_text="Articles are grouped by it.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=knowledge.MAX_BODY_CHARS,
        required=False,
        help_text="Plain text (blank lines make paragraphs) or HTML; scripts, styles, remote images go.",
    )
    is_published = forms.BooleanField(required=False, label="Published (clients can read it)")
    visible_to_all_clients = forms.BooleanField(required=False, initial=True, label="Visible to all clients")
    clients = forms.ModelMultipleChoiceField(
        queryset=Client.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="When not visible to all: the clients who see it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["clients"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Client.objects.order_by("name")


def _msp_staff(request: HttpRequest) -> None:
    if current_scope().kind != "msp":
        raise PermissionDenied("The knowledge base is written by the MSP's staff.")


def _can_write(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("servicedesk.write_article"))


@require_GET
@staff_only
def article_list(request: HttpRequest) -> HttpResponse:
    """The MSP's articles, published or draft, with whom each is for (search: ?q=)."""
    _msp_staff(request)
    query = request.GET.get("q", "").strip()[:200]
    articles = list(
        knowledge.search_articles(query=query)
        .prefetch_related("clients")
        .order_by("category", "title", "id")[:MAX_LIST]
    )
    return render(
        request,
        "console/kb/list.html",
        {"articles": articles, "q": query, "can_write": _can_write(request)},
    )


def _form_page(request: HttpRequest, form: ArticleForm, *, article: Article | None) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    title = f"Edit “{article.title}”" if article else "New article"
    return render(
        request, "console/kb/form.html", {"form": form, "title": title, "article": article}, status=status
    )


def _save(request: HttpRequest, form: ArticleForm, article: Article | None) -> Article | None:
    data = form.cleaned_data
    try:
        return knowledge.save_article(
            actor=request.user,  # type: ignore[arg-type]
            article=article,
            title=data["title"],
            body=data["body"],
            category=data["category"],
            is_published=data["is_published"],
            visible_to_all_clients=data["visible_to_all_clients"],
            clients=list(data["clients"]),
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@require_http_methods(["GET", "POST"])
@staff_only
def article_create(request: HttpRequest) -> HttpResponse:
    _msp_staff(request)
    if not _can_write(request):
        raise PermissionDenied("Your role may not write articles.")
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, None)
        if saved is not None:
            messages.success(request, f"Article “{saved.title}” saved.")
            return redirect("kb_article_list")
    return _form_page(request, form, article=None)


def _article(request: HttpRequest, article_id: int) -> Article:
    try:
        return knowledge.access_article(request.user, article_id)
    except NotFound as exc:
        raise Http404("No such article") from exc


@require_http_methods(["GET", "POST"])
@staff_only
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    _msp_staff(request)
    article = _article(request, article_id)
    if not _can_write(request):
        raise PermissionDenied("Your role may not write articles.")
    initial = {
        "title": article.title,
        "category": article.category,
        "body": article.body_html,
        "is_published": article.is_published,
        "visible_to_all_clients": article.visible_to_all_clients,
        "clients": list(article.clients.all()),
    }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, article)
        if saved is not None:
            messages.success(request, f"Article “{saved.title}” saved.")
            return redirect("kb_article_list")
    return _form_page(request, form, article=article)


@require_POST
@staff_only
def article_delete(request: HttpRequest, article_id: int) -> HttpResponse:
    _msp_staff(request)
    article = _article(request, article_id)
    try:
        knowledge.delete_article(actor=request.user, article=article)  # type: ignore[arg-type]
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, f"Article “{article.title}” deleted.")
    return redirect(reverse("kb_article_list"))

"""Staff console pages for clients, sites, contacts and assets.

Lists are searched and paged with htmx (the same view answers a full page or just the rows).
Single objects are read through `offload.tenancy.access`; writes are allowed by the predicates in
`offload.tenancy.rules`, checked here on the server. Every page is for provider and MSP staff only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import rules
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from offload.core.errors import DomainError
from offload.tenancy import filtersets
from offload.tenancy.access import access_asset, access_client, access_contact, access_site
from offload.tenancy.forms import AssetForm, ClientForm, ContactForm, SiteForm
from offload.tenancy.history import history_of
from offload.tenancy.models import MSP
from offload.tenancy.scoping import current_scope
from offload.tenancy.services import assets as asset_services
from offload.tenancy.services import clients as client_services
from offload.tenancy.services import contacts as contact_services
from offload.tenancy.services import sites as site_services

STAFF_SCOPES = frozenset({"provider", "msp"})
TAB_LABELS = {
    "overview": "Overview",
    "sites": "Sites",
    "contacts": "Contacts",
    "assets": "Assets",
    "history": "History",
}
DETAIL_TABS = ("overview", "sites", "contacts", "assets", "history")
TAB_ROWS = 25


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in provider or MSP staff only; client users have the portal instead."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if current_scope().kind not in STAFF_SCOPES:
            raise PermissionDenied("The staff console is for provider and MSP staff.")
        return view(request, *args, **kwargs)

    return wrapper


def _require(request: HttpRequest, perm: str, obj: Model | None = None) -> None:
    if not rules.has_perm(perm, request.user, obj):
        raise PermissionDenied(f"Your role may not do this ({perm}).")


def _list(
    request: HttpRequest, *, queryset: QuerySet, keys: tuple[str, ...], template: str, context: dict[str, Any]
) -> HttpResponse:
    """A list page, or only its rows when htmx asks (search as you type, "show more")."""
    page = filtersets.paginate(queryset, keys=keys, cursor=request.GET.get("after", ""))
    context |= {"page": page, "q": request.GET.get("q", "")[: filtersets.MAX_SEARCH_LENGTH]}
    rows_only = request.headers.get("HX-Request") == "true"
    response = render(request, f"{template}#rows" if rows_only else template, context)
    # Same URL, two bodies: caches must keep the rows apart from the page.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _q(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[: filtersets.MAX_SEARCH_LENGTH]


def _msp_for_new_client() -> MSP:
    scope = current_scope()
    if scope.kind != "msp" or len(scope.msp_ids) != 1:
        raise PermissionDenied("Only MSP staff add clients.")
    return MSP.objects.get(pk=next(iter(scope.msp_ids)))


def _write(request: HttpRequest, form, write: Callable[[], Model], *, created: bool) -> Model | None:
    """Run the service `write` for a valid form; its refusals become form errors (None returned)."""
    try:
        with transaction.atomic():
            obj = write()
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return None
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None
    verb = "added" if created else "saved"
    messages.success(request, f"{str(obj._meta.verbose_name).capitalize()} “{obj}” {verb}.")
    return obj


def _form_page(request: HttpRequest, *, form, title: str, cancel_url: str) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "title": title, "cancel_url": cancel_url}
    return render(request, "tenancy/form.html", context, status=status)


def _tabs(names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, TAB_LABELS[name]) for name in names]


def _detail_tab(request: HttpRequest, allowed: tuple[str, ...]) -> str:
    tab = request.GET.get("tab", "overview")
    return tab if tab in allowed else "overview"


# --- Clients -------------------------------------------------------------------------------------


@staff_only
def client_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        queryset=filtersets.clients_with_counts(q=_q(request)),
        keys=filtersets.CLIENT_KEYS,
        template="tenancy/client_list.html",
        context={"can_add": rules.has_perm("tenancy.add_client", request.user)},
    )


@staff_only
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = access_client(request, pk)
    tab = _detail_tab(request, DETAIL_TABS)
    context: dict[str, Any] = {
        "client": client,
        "tab": tab,
        "tabs": _tabs(DETAIL_TABS),
        "can_edit": rules.has_perm("tenancy.change_client", request.user, client),
        "can_add_records": rules.has_perm("tenancy.add_site", request.user),
    }
    if tab in {"sites", "contacts", "assets"}:
        context["all_url"] = f"{reverse(f'tenancy:{tab[:-1]}_list')}?client={client.pk}"
    if tab == "sites":
        context["page"] = filtersets.paginate(
            filtersets.sites(client=client), keys=filtersets.SITE_KEYS, cursor="", size=TAB_ROWS
        )
    elif tab == "contacts":
        context["page"] = filtersets.paginate(
            filtersets.contacts(client=client), keys=filtersets.CONTACT_KEYS, cursor="", size=TAB_ROWS
        )
    elif tab == "assets":
        context["page"] = filtersets.paginate(
            filtersets.assets(client=client), keys=filtersets.ASSET_KEYS, cursor="", size=TAB_ROWS
        )
    elif tab == "history":
        context["history"], context["history_has_more"] = history_of(client)
    else:
        counted: Any = filtersets.clients_with_counts().get(pk=client.pk)
        context["counts"] = {
            "sites": counted.site_count,
            "contacts": counted.contact_count,
            "assets": counted.asset_count,
        }
    return render(request, "tenancy/client_detail.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    _require(request, "tenancy.add_client")
    msp = _msp_for_new_client()
    form = ClientForm(request.POST or None, msp_id=msp.pk)
    if request.method == "POST" and form.is_valid():
        client = _write(
            request,
            form,
            lambda: client_services.create_client(actor=request.user, msp=msp, **form.cleaned_data),
            created=True,
        )
        if client is not None:
            return redirect("tenancy:client_detail", pk=client.pk)
    return _form_page(request, form=form, title="New client", cancel_url=reverse("tenancy:client_list"))


@staff_only
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = access_client(request, pk)
    _require(request, "tenancy.change_client", client)
    form = ClientForm(request.POST or None, instance=client, msp_id=client.msp_id)
    if request.method == "POST" and form.is_valid():
        saved = _write(
            request,
            form,
            lambda: client_services.update_client(
                actor=request.user, client=client, changes=form.cleaned_data
            ),
            created=False,
        )
        if saved is not None:
            return redirect("tenancy:client_detail", pk=client.pk)
    cancel_url = reverse("tenancy:client_detail", args=[client.pk])
    return _form_page(request, form=form, title=f"Edit {client}", cancel_url=cancel_url)


# --- Sites, contacts, assets ---------------------------------------------------------------------


def _client_filter(request: HttpRequest):
    """The client named by ?client=, through its access helper (a foreign id is a 404)."""
    raw = request.GET.get("client", "")
    return access_client(request, raw) if raw else None


@staff_only
def site_list(request: HttpRequest) -> HttpResponse:
    client = _client_filter(request)
    return _list(
        request,
        queryset=filtersets.sites(q=_q(request), client=client),
        keys=filtersets.SITE_KEYS,
        template="tenancy/site_list.html",
        context={"client": client, "can_add": rules.has_perm("tenancy.add_site", request.user)},
    )


@staff_only
def contact_list(request: HttpRequest) -> HttpResponse:
    client = _client_filter(request)
    return _list(
        request,
        queryset=filtersets.contacts(q=_q(request), client=client),
        keys=filtersets.CONTACT_KEYS,
        template="tenancy/contact_list.html",
        context={"client": client, "can_add": rules.has_perm("tenancy.add_contact", request.user)},
    )


@staff_only
def asset_list(request: HttpRequest) -> HttpResponse:
    client = _client_filter(request)
    return _list(
        request,
        queryset=filtersets.assets(q=_q(request), client=client),
        keys=filtersets.ASSET_KEYS,
        template="tenancy/asset_list.html",
        context={"client": client, "can_add": rules.has_perm("tenancy.add_asset", request.user)},
    )


def _record_detail(request: HttpRequest, obj: Model, *, kind: str, extra: dict[str, Any]) -> HttpResponse:
    names = ("overview", *extra.pop("tabs", ()), "history")
    tab = _detail_tab(request, names)
    context: dict[str, Any] = {
        "object": obj,
        "kind": kind,
        "tab": tab,
        "tabs": _tabs(names),
        "can_edit": rules.has_perm(f"tenancy.change_{kind}", request.user, obj),
        **extra,
    }
    if tab == "history":
        context["history"], context["history_has_more"] = history_of(obj)
    return render(request, f"tenancy/{kind}_detail.html", context)


@staff_only
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = access_site(request, pk)
    tab = request.GET.get("tab")
    extra: dict[str, Any] = {"tabs": ("contacts", "assets")}
    if tab == "contacts":
        extra["page"] = filtersets.paginate(
            filtersets.contacts(site=site), keys=filtersets.CONTACT_KEYS, cursor="", size=TAB_ROWS
        )
    elif tab == "assets":
        extra["page"] = filtersets.paginate(
            filtersets.assets(site=site), keys=filtersets.ASSET_KEYS, cursor="", size=TAB_ROWS
        )
    return _record_detail(request, site, kind="site", extra=extra)


@staff_only
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access_contact(request, pk)
    extra: dict[str, Any] = {"tabs": ("assets",)}
    if request.GET.get("tab") == "assets":
        extra["page"] = filtersets.paginate(
            filtersets.assets(contact=contact), keys=filtersets.ASSET_KEYS, cursor="", size=TAB_ROWS
        )
    return _record_detail(request, contact, kind="contact", extra=extra)


@staff_only
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_detail(request, access_asset(request, pk), kind="asset", extra={})


_FORMS = {"site": SiteForm, "contact": ContactForm, "asset": AssetForm}
_ACCESS = {"site": access_site, "contact": access_contact, "asset": access_asset}
_CREATE: dict[str, Callable[..., Model]] = {
    "site": site_services.create_site,
    "contact": contact_services.create_contact,
    "asset": asset_services.create_asset,
}
_UPDATE = {
    "site": lambda actor, obj, changes: site_services.update_site(actor=actor, site=obj, changes=changes),
    "contact": lambda actor, obj, changes: contact_services.update_contact(
        actor=actor, contact=obj, changes=changes
    ),
    "asset": lambda actor, obj, changes: asset_services.update_asset(actor=actor, asset=obj, changes=changes),
}


def _record_create(request: HttpRequest, kind: str) -> HttpResponse:
    _require(request, f"tenancy.add_{kind}")
    initial = {}
    if request.GET.get("client"):
        initial["client"] = access_client(request, request.GET["client"])
    form = _FORMS[kind](request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        create = _CREATE[kind]
        obj = _write(
            request,
            form,
            lambda: create(actor=request.user, client=form.cleaned_data["client"], **form.changes()),
            created=True,
        )
        if obj is not None:
            return redirect(f"tenancy:{kind}_detail", pk=obj.pk)
    return _form_page(request, form=form, title=f"New {kind}", cancel_url=reverse(f"tenancy:{kind}_list"))


def _record_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    obj = _ACCESS[kind](request, pk)
    _require(request, f"tenancy.change_{kind}", obj)
    form = _FORMS[kind](request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        update = _UPDATE[kind]
        saved = _write(request, form, lambda: update(request.user, obj, form.changes()), created=False)
        if saved is not None:
            return redirect(f"tenancy:{kind}_detail", pk=obj.pk)
    cancel_url = reverse(f"tenancy:{kind}_detail", args=[obj.pk])
    return _form_page(request, form=form, title=f"Edit {obj}", cancel_url=cancel_url)


@staff_only
@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest) -> HttpResponse:
    return _record_create(request, "site")


@staff_only
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_edit(request, "site", pk)


@staff_only
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    return _record_create(request, "contact")


@staff_only
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_edit(request, "contact", pk)


@staff_only
@require_http_methods(["GET", "POST"])
def asset_create(request: HttpRequest) -> HttpResponse:
    return _record_create(request, "asset")


@staff_only
@require_http_methods(["GET", "POST"])
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _record_edit(request, "asset", pk)
